"""Concurrent attempts at the same transition: exactly one succeeds, the others get a
clear "already changed" (StageConflict, HTTP 409). Real threads, real commits."""


import pytest
from rest_framework.test import APIClient

from ledger.models import Entry
from tests.concurrency import race
from tests.factories import make_transaction, make_world
from trading.errors import StageConflict
from trading.models import Transaction
from trading.services.transitions import transaction_transition


@pytest.mark.usefixtures("ledger_transactional_db")
def test_concurrent_registrations_give_exactly_one_success():
    world = make_world()
    obj = make_transaction(world, stage="submitted")
    results = race(4, lambda i: transaction_transition(code=obj.code, action="register", user=world.clerk))
    successes = [r for r in results if isinstance(r, Transaction)]
    conflicts = [r for r in results if isinstance(r, StageConflict)]
    assert len(successes) == 1, results
    assert len(conflicts) == 3, results
    assert all("already" in c.message or "registered" in c.message or "已" in c.message for c in conflicts)
    registrations = [e for e in Entry.objects.filter(subject=obj.code)
                     if b'"action":"register"' in bytes(e.body)]
    assert len(registrations) == 1


@pytest.mark.usefixtures("ledger_transactional_db")
def test_concurrent_suspend_and_terminate_one_wins():
    world = make_world()
    obj = make_transaction(world, stage="registered")
    attempts = [
        lambda: transaction_transition(code=obj.code, action="terminate", user=world.clerk, reason="取消",
                                       expected_stage="registered"),
        lambda: transaction_transition(code=obj.code, action="suspend", user=world.supervisor, reason="核查",
                                       expected_stage="registered"),
    ]
    results = race(2, lambda i: attempts[i]())
    assert sum(isinstance(r, Transaction) for r in results) == 1, results
    assert sum(isinstance(r, StageConflict) for r in results) == 1, results


@pytest.mark.usefixtures("ledger_transactional_db")
def test_concurrent_api_submissions_answer_one_200_and_409s():
    world = make_world()
    obj = make_transaction(world, stage="submitted")
    token_client = APIClient()
    token = token_client.post("/api/v1/auth/token/", {"username": world.clerk.username,
                                                       "password": "pw-for-tests-1"}, format="json").json()["token"]

    def attempt(i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client.post(f"/api/v1/transactions/{obj.code}/actions/register/", {}, format="json").status_code

    statuses = sorted(race(3, attempt))
    assert statuses == [200, 409, 409]


@pytest.mark.usefixtures("ledger_transactional_db")
def test_entries_are_sequenced_and_checkpointed_on_commit():
    """In embedded mode the on-commit kick runs the sequencer at once."""
    world = make_world()
    obj = make_transaction(world, stage="registered")
    entries = list(Entry.objects.filter(subject=obj.code).order_by("seq"))
    assert len(entries) == 4  # create, document.attached, submit, register
    from ledger.selectors import latest_checkpoint

    assert latest_checkpoint().size == Entry.objects.count()
