"""Pages of the bidding domain: sealed."""

urlpatterns = []
