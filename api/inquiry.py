"""REST API v1: the inquiry procedure's steps."""

urlpatterns = []
