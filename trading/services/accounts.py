"""Login with a lockout after repeated failures (docs/accounts.md).

Within LOGIN_FAILURE_WINDOW_MINUTES, LOGIN_FAILURE_LIMIT failures for one user name, or
LOGIN_FAILURE_LIMIT_PER_ADDRESS failures from one address, refuse further attempts
until the window has passed, whether the password is right or not. A success clears the
user name's failures. Used by the login page and the API token endpoint alike.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _

from .. import clock
from ..errors import DomainError
from ..models import LoginFailure


class LoginLocked(DomainError):
    code = "login_locked"


class LoginFailed(DomainError):
    code = "login_failed"


def _window_start():
    return clock.now() - timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def login_check_allowed(*, username: str, address: str | None) -> None:
    since = _window_start()
    failures = LoginFailure.objects.filter(at__gte=since)
    if failures.filter(username=username).count() >= settings.LOGIN_FAILURE_LIMIT or (
        address
        and failures.filter(address=address).count() >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    ):
        raise LoginLocked(
            _("too many failed logins: after %(limit)d failures within %(minutes)d minutes, "
              "logging in is locked for %(minutes)d minutes")
            % {"limit": settings.LOGIN_FAILURE_LIMIT, "minutes": settings.LOGIN_FAILURE_WINDOW_MINUTES}
        )


def login_authenticate(*, request, username: str, password: str, address: str | None):
    """The user for these credentials, or LoginLocked / LoginFailed."""
    username = (username or "").strip()[:150]
    login_check_allowed(username=username, address=address)
    user = authenticate(request, username=username, password=password)
    if user is None:
        LoginFailure.objects.create(username=username, address=address, at=clock.now())
        LoginFailure.objects.filter(at__lt=_window_start()).delete()
        raise LoginFailed(_("the user name or the password is wrong"))
    LoginFailure.objects.filter(username=username).delete()
    return user


def client_address(request) -> str | None:
    """The client's address (REMOTE_ADDR; behind a proxy, gunicorn sets it from the
    forwarded header only for trusted proxies)."""
    return request.META.get("REMOTE_ADDR") or None
