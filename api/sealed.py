"""REST API v1: sealed."""

urlpatterns = []
