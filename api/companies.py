"""REST API v1: companies."""

urlpatterns = []
