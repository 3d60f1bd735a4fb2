"""Failed logins slow down guessing without letting anyone lock someone else out
(docs/accounts.md, "Repeated failures"). The login page and the API token endpoint
behave the same, so every rule is checked through both.

The attack these tests stop (issue 8, item 8): five wrong passwords for a user name used
to lock that account for everyone, so anybody could lock a bidder before a deadline or the
clerk before an opening.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import make_user
from trading import clock
from trading.models import LoginFailure

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.7"
OWNER = "198.51.100.20"
ELSEWHERE = "192.0.2.44"
PASSWORD = "pw-for-tests-1"


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 20
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 30
    settings.LOGIN_FAILURE_WINDOW_MINUTES = 15
    settings.LOGIN_SLOWDOWN_MAX_SECONDS = 60
    settings.LOGIN_FAMILIAR_ADDRESS_DAYS = 90
    settings.TRUSTED_PROXIES = []
    return settings


@pytest.fixture
def now():
    with clock.frozen_at(timezone.now().replace(microsecond=0)):
        yield clock.now()


class Attempt:
    """One login through the page or the API, from an address; `.ok`, `.locked`, `.error`."""

    def __init__(self, via, username, password, address, **headers):
        if via == "web":
            self.response = Client().post(reverse("login"), {"username": username, "password": password},
                                          REMOTE_ADDR=address, **headers)
            self.ok = self.response.status_code == 302
            self.error = self.response.context["error"] if not self.ok else None
            self.rule = self.response.context.get("rule") if not self.ok else None
        else:
            self.response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password},
                                             format="json", REMOTE_ADDR=address, **headers)
            self.ok = self.response.status_code == 200
            body = self.response.json()
            self.error = None if self.ok else body["error"]["message"]
            self.rule = None if self.ok else body["error"].get("details", {}).get("rule")
        self.locked = self.response.status_code == 429
        self.failed = self.response.status_code == 400


def fail_times(n, via, username, address):
    for _ in range(n):
        attempt = Attempt(via, username, "wrong-password", address)
        assert attempt.failed, attempt.response.content


VIAS = pytest.mark.parametrize("via", ["web", "api"])


@VIAS
def test_wrong_passwords_from_one_address_lock_the_account_only_from_that_address(via, limits, now):
    owner = make_user()
    fail_times(5, via, owner.username, ATTACKER)
    locked = Attempt(via, owner.username, PASSWORD, ATTACKER)
    assert locked.locked, "the right password from the attacker's address is refused too"
    assert locked.rule == "accounts.login_limit_per_account_and_address"
    assert "5" in locked.error and "15" in locked.error
    assert Attempt(via, owner.username, PASSWORD, OWNER).ok, "the owner from another address logs in"


@VIAS
def test_the_owner_logging_in_elsewhere_does_not_lift_the_attackers_lock(via, limits, now):
    owner = make_user()
    fail_times(5, via, owner.username, ATTACKER)
    assert Attempt(via, owner.username, PASSWORD, OWNER).ok
    assert Attempt(via, owner.username, "another-guess", ATTACKER).locked


@VIAS
def test_a_lock_ends_when_the_window_has_passed(via, limits, now):
    owner = make_user()
    fail_times(5, via, owner.username, ATTACKER)
    assert Attempt(via, owner.username, PASSWORD, ATTACKER).locked
    clock.advance(timedelta(minutes=15, seconds=1))
    assert Attempt(via, owner.username, PASSWORD, ATTACKER).ok


@VIAS
def test_a_success_clears_the_failures_of_its_own_address_only(via, limits, now):
    owner = make_user()
    fail_times(2, via, owner.username, OWNER)
    fail_times(3, via, owner.username, ATTACKER)
    assert Attempt(via, owner.username, PASSWORD, OWNER).ok
    assert not LoginFailure.objects.filter(username=owner.username, address=OWNER).exists()
    assert LoginFailure.objects.filter(username=owner.username, address=ATTACKER).count() == 3


@VIAS
def test_spraying_many_accounts_from_one_address_locks_that_address(via, limits, now):
    limits.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 6
    victims = [make_user() for _ in range(3)]
    for victim in victims:
        fail_times(2, via, victim.username, ATTACKER)
    other = make_user()
    locked = Attempt(via, other.username, PASSWORD, ATTACKER)
    assert locked.locked and locked.rule == "accounts.login_limit_per_address"
    assert "6" in locked.error
    for victim in victims:
        assert Attempt(via, victim.username, PASSWORD, OWNER).ok


@VIAS
def test_a_sprayed_address_still_lets_in_an_account_that_logged_in_from_it(via, limits, now):
    """The clerk at the station's shared address is not locked out by someone spraying
    from the same address (its own pair limit still holds)."""
    limits.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 6
    clerk = make_user()
    assert Attempt(via, clerk.username, PASSWORD, ATTACKER).ok  # the station's address, familiar
    for victim in [make_user() for _ in range(3)]:
        fail_times(2, via, victim.username, ATTACKER)
    assert Attempt(via, make_user().username, PASSWORD, ATTACKER).locked
    assert Attempt(via, clerk.username, PASSWORD, ATTACKER).ok


@VIAS
def test_an_account_attacked_from_many_addresses_slows_new_addresses_but_not_familiar_ones(via, limits, now):
    limits.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 8
    owner = make_user()
    assert Attempt(via, owner.username, PASSWORD, OWNER).ok  # OWNER is now familiar
    for i in range(4):
        fail_times(2, via, owner.username, f"203.0.113.{10 + i}")
    slowed = Attempt(via, owner.username, PASSWORD, ELSEWHERE)
    assert slowed.locked and slowed.rule == "accounts.login_slowdown_per_account"
    assert int(slowed.response["Retry-After"]) > 0
    assert Attempt(via, owner.username, PASSWORD, OWNER).ok, "a familiar address is not slowed"
    clock.advance(timedelta(seconds=int(slowed.response["Retry-After"])))
    assert Attempt(via, owner.username, PASSWORD, ELSEWHERE).ok, "a new address only waits"


@VIAS
def test_the_slowdown_grows_with_more_failures_up_to_its_ceiling(via, limits, now):
    limits.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 4
    limits.LOGIN_SLOWDOWN_MAX_SECONDS = 60
    owner = make_user()
    waits = []
    for i in range(12):
        address = f"203.0.113.{100 + i}"
        attempt = Attempt(via, owner.username, "wrong", address)
        if attempt.locked:
            assert attempt.rule == "accounts.login_slowdown_per_account"
            waits.append(int(attempt.response["Retry-After"]))
            clock.advance(timedelta(seconds=waits[-1]))
            assert Attempt(via, owner.username, "wrong", address).failed
    assert len(waits) == 8 and waits == sorted(waits) and waits[0] < waits[-1] == 60


@VIAS
def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(via, limits, now):
    owner = make_user()
    for i in range(5):
        attempt = Attempt(via, owner.username, "wrong", ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
        assert attempt.failed
    assert Attempt(via, owner.username, PASSWORD, ATTACKER, HTTP_X_FORWARDED_FOR=OWNER).locked


@VIAS
def test_behind_a_trusted_proxy_the_address_it_saw_counts_not_what_the_client_wrote(via, limits, now):
    limits.TRUSTED_PROXIES = ["10.0.0.0/8"]
    owner = make_user()
    for i in range(5):
        # The client wrote a different address each time; the proxy appended the real one.
        attempt = Attempt(via, owner.username, "wrong", "10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, {ATTACKER}")
        assert attempt.failed
    assert Attempt(via, owner.username, PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR=ATTACKER).locked
    assert Attempt(via, owner.username, PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR=f"{ATTACKER}, {OWNER}").ok


@VIAS
def test_ipv6_addresses_of_one_64_network_count_as_one_address(via, limits, now):
    owner = make_user()
    for i in range(5):
        assert Attempt(via, owner.username, "wrong", f"2001:db8:1:2::{i + 1:x}").failed
    assert Attempt(via, owner.username, PASSWORD, "2001:db8:1:2:ffff::9").locked
    assert Attempt(via, owner.username, PASSWORD, "2001:db8:1:3::1").ok


def test_api_lock_answers_429_with_retry_after(limits, now):
    owner = make_user()
    fail_times(5, "api", owner.username, ATTACKER)
    locked = Attempt("api", owner.username, PASSWORD, ATTACKER)
    assert locked.response.json()["error"]["code"] == "login_locked"
    assert 0 < int(locked.response["Retry-After"]) <= 15 * 60
