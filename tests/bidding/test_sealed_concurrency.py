"""Concurrent duplicate submissions of a sealed quote: real threads, real commits. The
transaction's row lock orders them, so a supplier ends with exactly one quote."""

import base64

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bidding.models import Bid
from tests.concurrency import race
from trading import clock
from trading.errors import RuleViolation

from .test_sealed_support import BEFORE, fast_scrypt, quoting_round  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.usefixtures("ledger_transactional_db")


def test_concurrent_different_quotes_of_one_supplier_leave_exactly_one():
    r = quoting_round()
    envelopes = [r.seal(0, f"{70000 + i}.00") for i in range(6)]
    with clock.frozen_at(BEFORE):
        results = race(6, lambda i: r.submit(0, envelope=envelopes[i], at=BEFORE, idempotency_key=f"k{i}"))
    accepted = [x for x in results if isinstance(x, Bid)]
    refused = [x for x in results if isinstance(x, RuleViolation)]
    assert len(accepted) == 1 and len(refused) == 5, results
    assert all(x.rule == "sealed.one_quote" for x in refused)
    assert list(Bid.objects.values_list("commitment", flat=True)) == [accepted[0].commitment]


def test_concurrent_retries_with_one_idempotency_key_give_one_quote_and_the_same_receipt():
    r = quoting_round()
    envelope = r.seal(0, "76500.00")
    with clock.frozen_at(BEFORE):
        results = race(6, lambda i: r.submit(0, envelope=envelope, at=BEFORE, idempotency_key="retry-1"))
    assert all(isinstance(x, Bid) for x in results), results
    assert len({x.pk for x in results}) == 1 and len({x.receipt for x in results}) == 1
    assert sum(not x.replayed for x in results) == 1
    assert Bid.objects.count() == 1


def test_concurrent_web_double_clicks_give_one_quote():
    r = quoting_round()
    with clock.frozen_at(BEFORE):
        results = race(4, lambda i: r.submit(1, "71234.00", at=BEFORE, idempotency_key="form-abc"))
    assert all(isinstance(x, Bid) for x in results), results
    assert Bid.objects.count() == 1


def test_concurrent_api_submissions_answer_one_201_and_the_rest_refused_or_replayed():
    r = quoting_round()
    company, user = r.suppliers[2]
    token = Token.objects.create(user=user).key
    envelope = r.seal(2, "75000.00")
    other = r.seal(2, "74000.00")

    def attempt(i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        body = {"supplier": company.uscc, "envelope": base64.b64encode(other if i == 3 else envelope).decode(),
                "idempotency_key": "api-1" if i != 3 else "api-2"}
        return client.post(f"/api/v1/transactions/{r.tx.code}/quotes/", body, format="json").status_code

    with clock.frozen_at(BEFORE):
        statuses = race(4, attempt)
    assert sorted(statuses).count(201) == 1, statuses
    assert set(statuses) <= {200, 201, 422}, statuses
    assert Bid.objects.count() == 1
