"""REST API v1: the asset sale's steps, thin over its services (docs/api.md)."""

urlpatterns = []
