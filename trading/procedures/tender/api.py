"""REST API v1 of the tender (filled below)."""

urlpatterns = []
