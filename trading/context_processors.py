"""Template context shared by every page: the user's roles, for the navigation."""

from django.conf import settings


def station_context(request):
    user = getattr(request, "user", None)
    roles = set()
    if user is not None and user.is_authenticated:
        roles = {m.role for m in user.memberships.all()}
    return {"user_roles": roles, "ledger_origin": settings.LEDGER_ORIGIN}
