"""Logging in without letting anyone lock someone else out, and the API tokens' life
(docs/accounts.md, "Repeated failures"; docs/api.md, "Authentication").

Failed logins are counted within LOGIN_FAILURE_WINDOW_MINUTES, three ways:

* per user name *and* address: LOGIN_FAILURE_LIMIT failures lock that user name from that
  address only, even for the right password. The owner elsewhere is not affected, so
  guessing someone's password no longer locks them out before a deadline or an opening.
* per address, any user names: LOGIN_FAILURE_LIMIT_PER_ADDRESS failures lock that address
  (password spraying), except for accounts that have logged in from it before.
* per user name, all addresses: past LOGIN_FAILURE_LIMIT_PER_ACCOUNT failures (an attack
  from many addresses), addresses the account has not logged in from within
  LOGIN_FAMILIAR_ADDRESS_DAYS must wait between tries, a delay that doubles with each
  further failure up to LOGIN_SLOWDOWN_MAX_SECONDS. Familiar addresses are not slowed.

The scheme is the one of Microsoft Entra's smart lockout and OWASP's "device cookies"
(familiar places pass, unfamiliar ones are throttled), with the client's address standing
for the device so that the API behaves as the page does. A success clears the failures of
its own user name and address, never the attacker's elsewhere.

An address is REMOTE_ADDR, or, when the peer is one of TRUSTED_PROXIES, the right-most
X-Forwarded-For entry that is not a trusted proxy; an IPv6 address counts by its /64
network (one subscriber's allocation).

The login page and the API token endpoint both call `login_authenticate`.
"""

import ipaddress
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from .. import clock
from ..errors import DomainError
from ..models import LoginAddress, LoginFailure


class LoginLocked(DomainError):
    """Logging in is refused for now; `rule` names the limit, `retry_after` the seconds
    until a try is accepted again."""

    code = "login_locked"

    def __init__(self, message, *, rule, retry_after):
        super().__init__(message, retry_after=retry_after)
        self.rule = rule
        self.retry_after = retry_after


class LoginFailed(DomainError):
    code = "login_failed"


def _window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _locked_until(failure_times: list[datetime], limit: int) -> datetime | None:
    """When fewer than `limit` of these failures (newest first) are left in the window,
    or None if fewer already are."""
    if len(failure_times) < limit:
        return None
    return failure_times[limit - 1] + _window()


def _is_familiar(username: str, address: str | None, now: datetime) -> bool:
    if address is None:
        return False
    since = now - timedelta(days=settings.LOGIN_FAMILIAR_ADDRESS_DAYS)
    return LoginAddress.objects.filter(
        user__username=username, address=address, last_login_at__gte=since
    ).exists()


def login_check_allowed(*, username: str, address: str | None) -> None:
    """Raise LoginLocked if a try for `username` from `address` (a counting address, see
    `throttle_address`) is refused now."""
    now = clock.now()
    recent = LoginFailure.objects.filter(at__gte=now - _window()).order_by("-at")
    minutes = settings.LOGIN_FAILURE_WINDOW_MINUTES

    limit = settings.LOGIN_FAILURE_LIMIT
    pair = list(recent.filter(username=username, address=address).values_list("at", flat=True)[:limit])
    until = _locked_until(pair, limit)
    if until is not None:
        wait = _seconds_until(until, now)
        raise LoginLocked(
            _("too many failed logins for this user name from your address: after %(limit)d failures "
              "within %(minutes)d minutes, it cannot log in from your address for up to %(minutes)d "
              "minutes (from other addresses it can); try again in %(wait)d minutes")
            % {"limit": limit, "minutes": minutes, "wait": math.ceil(wait / 60)},
            rule="accounts.login_limit_per_account_and_address", retry_after=wait,
        )

    familiar = None  # looked up only when a wider limit is reached
    limit = settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    if address is not None:
        from_address = list(recent.filter(address=address).values_list("at", flat=True)[:limit])
        until = _locked_until(from_address, limit)
        if until is not None:
            familiar = _is_familiar(username, address, now)
            if not familiar:
                wait = _seconds_until(until, now)
                raise LoginLocked(
                    _("too many failed logins from your address: after %(limit)d failures within "
                      "%(minutes)d minutes for any user names, logging in from your address is locked, "
                      "except for accounts that have logged in from it before; try again in "
                      "%(wait)d minutes")
                    % {"limit": limit, "minutes": minutes, "wait": math.ceil(wait / 60)},
                    rule="accounts.login_limit_per_address", retry_after=wait,
                )

    limit = settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT
    account = recent.filter(username=username)
    count = account.count()
    if count >= limit and not (familiar if familiar is not None else _is_familiar(username, address, now)):
        # One second at the limit, doubling with each further failure, up to the ceiling.
        delay = min(settings.LOGIN_SLOWDOWN_MAX_SECONDS, 2 ** min(count - limit, 30))
        last = account.values_list("at", flat=True).first()
        if now < last + timedelta(seconds=delay):
            raise LoginLocked(
                _("this user name has had %(count)d failed logins within %(minutes)d minutes from many "
                  "addresses (the limit is %(limit)d): from an address it has not logged in from in the "
                  "last %(days)d days, wait %(delay)d seconds between tries; try again in %(wait)d "
                  "seconds")
                % {"count": count, "minutes": minutes, "limit": limit,
                   "days": settings.LOGIN_FAMILIAR_ADDRESS_DAYS, "delay": delay,
                   "wait": _seconds_until(last + timedelta(seconds=delay), now)},
                rule="accounts.login_slowdown_per_account",
                retry_after=_seconds_until(last + timedelta(seconds=delay), now),
            )


def login_authenticate(*, request, username: str, password: str, address: str | None):
    """The user for these credentials, or LoginLocked / LoginFailed. `address` is the
    client's address (`client_address`)."""
    username = (username or "").strip()[:150]
    address = throttle_address(address)
    login_check_allowed(username=username, address=address)
    user = authenticate(request, username=username, password=password)
    now = clock.now()
    if user is None:
        LoginFailure.objects.create(username=username, address=address, at=now)
        LoginFailure.objects.filter(at__lt=now - _window()).delete()
        raise LoginFailed(_("the user name or the password is wrong"))
    with db_transaction.atomic():
        LoginFailure.objects.filter(username=username, address=address).delete()
        if address is not None:
            LoginAddress.objects.update_or_create(user=user, address=address, defaults={"last_login_at": now})
            LoginAddress.objects.filter(
                last_login_at__lt=now - timedelta(days=settings.LOGIN_FAMILIAR_ADDRESS_DAYS)
            ).delete()
    return user


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or, when that is a trusted reverse proxy
    (settings.TRUSTED_PROXIES), the right-most X-Forwarded-For entry that is not one. An
    entry left of it was written by the client and is never believed."""
    remote = _parse_ip(request.META.get("REMOTE_ADDR"))
    if remote is None:
        return None
    proxies = [ipaddress.ip_network(p, strict=False) for p in settings.TRUSTED_PROXIES]
    address = remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    while any(address in network for network in proxies) and forwarded:
        hop = _parse_ip(forwarded.pop())
        if hop is None:  # a trusted proxy wrote no usable address: count the proxy
            break
        address = hop
    return str(address)


def throttle_address(address: str | None) -> str | None:
    """The address as the limits count it: an IPv4 address itself (also when written as
    IPv4-mapped IPv6), an IPv6 address by its /64 network."""
    ip = _parse_ip(address)
    if ip is None:
        return None
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def _parse_ip(text):
    try:
        ip = ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


# --- API tokens -------------------------------------------------------------------------
# A token ages in real time, as a session does (the procedures' clock is moved by tests
# and sandboxes; a credential's life is not).


def api_token_expires(token: Token) -> datetime:
    return token.created + timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def api_token_expired(token: Token) -> bool:
    return timezone.now() >= api_token_expires(token)


def api_token_issue(*, user) -> Token:
    """The user's token: the current one while it is valid, else a new key."""
    with db_transaction.atomic():
        token = Token.objects.select_for_update().filter(user=user).first()
        if token is not None and api_token_expired(token):
            token.delete()
            token = None
        return token or Token.objects.get_or_create(user=user)[0]


def api_token_revoke(*, user) -> None:
    """Logging out, on the page or the API: the user's token stops working."""
    Token.objects.filter(user=user).delete()
