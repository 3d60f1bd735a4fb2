"""Pages of the bidding domain: companies."""

urlpatterns = []
