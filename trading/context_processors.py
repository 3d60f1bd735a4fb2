"""Template context shared by every page: the user's roles and unread messages, for the
navigation; a refused form's messages and typed values (trading/views/prg.py)."""

from django.conf import settings

from .services.messages import unread_count
from .views import prg


def station_context(request):
    user = getattr(request, "user", None)
    roles = set()
    unread = 0
    if user is not None and user.is_authenticated:
        roles = {m.role for m in user.memberships.all()}
        unread = unread_count(user)
    return {"user_roles": roles, "ledger_origin": settings.LEDGER_ORIGIN, "unread_messages": unread,
            **prg.template_context(request)}
