"""Submitting sealed quotes (bidding/services/bids.py): the server clock decides the
deadline to the microsecond, one quote per supplier which it cannot change, idempotent
resubmission, a signed receipt at once, and nothing recorded in the ledger."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import translation

from bidding import crypto
from bidding.models import Bid
from bidding.services import bids
from ledger.core.checkpoint import parse_receipt
from ledger.core.entry import format_ts
from ledger.core.note import Verifier, open_note
from ledger.signing import verifier_key
from tests.factories import force_stage
from trading import clock
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict

from .test_sealed_support import (  # noqa: F401  (fast_scrypt: autouse fixture)
    BEFORE,
    DEADLINE,
    fast_scrypt,
    make_company,
    quoting_round,
    recorded,
)

pytestmark = pytest.mark.django_db
MICROSECOND = timedelta(microseconds=1)


def test_a_quote_one_microsecond_before_the_deadline_is_accepted():
    r = quoting_round()
    quote = r.submit(0, envelope=r.seal(0, "76500.00"), at=DEADLINE - MICROSECOND)
    assert quote.received_at == DEADLINE - MICROSECOND


@pytest.mark.parametrize("late", [timedelta(0), MICROSECOND, timedelta(days=1)])
def test_a_quote_at_or_after_the_deadline_is_refused_by_the_server_clock(late):
    r = quoting_round()
    with translation.override("en"), pytest.raises(RuleViolation) as refused:
        r.submit(0, envelope=r.seal(0, "76500.00"), at=DEADLINE + late)
    assert refused.value.rule == "sealed.deadline"
    assert "has passed; received at" in refused.value.message
    assert (DEADLINE + late).astimezone(DEADLINE.tzinfo).strftime("%H:%M:%S.%f") in refused.value.message
    assert not Bid.objects.exists()


def test_the_web_path_is_refused_a_microsecond_late_too():
    r = quoting_round()
    with pytest.raises(RuleViolation):
        r.submit(0, "76500.00", at=DEADLINE + MICROSECOND)


def test_one_quote_per_supplier_which_it_cannot_change():
    r = quoting_round()
    first = r.submit(0, "76500.00")
    for attempt in (lambda: r.submit(0, "70000.00"), lambda: r.submit(0, envelope=r.seal(0, "70000.00"))):
        with translation.override("en"), pytest.raises(RuleViolation) as refused:
            attempt()
        assert refused.value.rule == "sealed.one_quote"
        assert "政府采购法第四十条" in refused.value.message
    assert list(Bid.objects.values_list("pk", flat=True)) == [first.pk]
    assert bytes(Bid.objects.get().envelope) == bytes(first.envelope)


def test_the_same_idempotency_key_and_envelope_return_the_same_quote():
    r = quoting_round()
    envelope = r.seal(0, "76500.00")
    first = r.submit(0, envelope=envelope, idempotency_key="order-7f3a")
    again = r.submit(0, envelope=envelope, idempotency_key="order-7f3a")
    assert (again.pk, again.receipt, again.replayed, first.replayed) == (first.pk, first.receipt, True, False)
    assert Bid.objects.count() == 1


def test_a_replay_after_the_deadline_still_returns_the_accepted_quote():
    r = quoting_round()
    envelope = r.seal(0, "76500.00")
    first = r.submit(0, envelope=envelope, idempotency_key="k1")
    assert r.submit(0, envelope=envelope, idempotency_key="k1", at=DEADLINE + timedelta(hours=1)).pk == first.pk


def test_the_same_idempotency_key_with_another_envelope_is_invalid_input():
    r = quoting_round()
    r.submit(0, envelope=r.seal(0, "76500.00"), idempotency_key="k1")
    with pytest.raises(InvalidInput) as refused:
        r.submit(0, envelope=r.seal(0, "76500.00"), idempotency_key="k1")
    assert refused.value.details["field"] == "idempotency_key"
    assert Bid.objects.count() == 1


def test_the_web_form_resubmitted_with_its_key_is_not_a_second_quote():
    r = quoting_round()
    first = r.submit(0, "76500.00", idempotency_key="form-1")
    assert r.submit(0, "76500.00", idempotency_key="form-1").pk == first.pk
    with pytest.raises(RuleViolation):
        r.submit(0, "76500.00", idempotency_key="form-2")


@pytest.mark.parametrize("key", ["has space", "x" * 101, "控制"])
def test_a_malformed_idempotency_key_is_refused(key):
    r = quoting_round()
    with pytest.raises(InvalidInput):
        r.submit(0, envelope=r.seal(0, "1.00"), idempotency_key=key)


@pytest.mark.parametrize("size", [0, 100, crypto.ENVELOPE_SIZE - 1, crypto.ENVELOPE_SIZE + 1, 10_000])
def test_an_envelope_of_another_size_is_refused(size):
    r = quoting_round()
    with translation.override("en"), pytest.raises(InvalidInput, match=f"exactly {crypto.ENVELOPE_SIZE} bytes"):
        r.submit(0, envelope=b"\x00" * size)


def test_a_plaintext_quote_is_refused():
    r = quoting_round()
    plain = b'{"price":"76500.00"}'.ljust(crypto.ENVELOPE_SIZE - 1, b" ") + b"\n"
    quote = r.submit(0, envelope=plain)  # it has the size, so it is accepted as an envelope...
    r.close()
    record = r.open().records.get(bid=quote)  # ...and recorded as failed at the opening
    assert (record.outcome, record.price) == ("failed", None)


def test_the_same_envelope_cannot_be_submitted_for_two_suppliers():
    r = quoting_round()
    envelope = r.seal(0, "1.00")
    r.submit(0, envelope=envelope)
    with pytest.raises(InvalidInput):
        r.submit(1, envelope=envelope)


def test_a_supplier_not_invited_cannot_quote():
    r = quoting_round()
    outsider, user = make_company(r.world)
    with pytest.raises(NotPermitted), clock.frozen_at(BEFORE):
        bids.bid_submit(bid_round=r.bid_round, company=outsider, envelope=r.seal(0, "1.00"), user=user)


def test_a_user_quotes_only_for_a_company_it_represents():
    r = quoting_round()
    company, _rep = r.suppliers[0]
    _other_company, other_user = r.suppliers[1]
    with clock.frozen_at(BEFORE), pytest.raises(NotPermitted):
        bids.bid_submit(bid_round=r.bid_round, company=company, envelope=r.seal(0, "1.00"), user=other_user)


@pytest.mark.parametrize("when", ["before_it_opens", "closed", "suspended", "terminated"])
def test_quotes_are_received_only_while_the_round_is_open_and_the_procedure_live(when):
    r = quoting_round()
    at = BEFORE
    if when == "before_it_opens":
        at = r.bid_round.opens_at - MICROSECOND
    elif when == "closed":
        r.close(at=DEADLINE + timedelta(seconds=5))
        at = BEFORE
    elif when == "suspended":
        from trading.services.transitions import transaction_transition

        r.tx = transaction_transition(code=r.tx.code, action="suspend", user=r.world.supervisor, reason="接到举报")
    else:
        r.tx = force_stage(r.tx, "terminated")
    with pytest.raises(StageConflict):
        r.submit(0, envelope=r.seal(0, "1.00"), at=at)


def test_the_receipt_is_signed_at_once_and_names_transaction_commitment_and_arrival():
    r = quoting_round()
    at = BEFORE + timedelta(microseconds=123456)
    quote = r.submit(0, envelope=r.seal(0, "76500.00"), at=at)
    receipt = parse_receipt(open_note(quote.receipt, Verifier.from_string(verifier_key())))
    assert receipt == (settings.LEDGER_ORIGIN, r.tx.code, crypto.commitment(bytes(quote.envelope)), format_ts(at))
    assert quote.commitment == crypto.commitment(bytes(quote.envelope))


def test_quoting_records_nothing_in_the_ledger():
    r = quoting_round()
    before = recorded()
    r.submit(0, "76500.00")
    r.submit(1, envelope=r.seal(1, "71000.00"))
    assert recorded() == before


def test_a_quote_sealed_by_the_web_page_opens_to_the_typed_price():
    r = quoting_round()
    quote = r.submit(0, "76,500.5")  # the page accepts what parse_yuan accepts
    r.close()
    record = r.open().records.get(bid=quote)
    assert (record.outcome, str(record.price)) == ("opened", "76500.50")


@pytest.mark.parametrize("price", ["", "abc", "0", "-1", "1.234", "1e999", "1000000000000"])
def test_the_web_page_refuses_what_is_not_a_price(price):
    r = quoting_round()
    with pytest.raises(InvalidInput):
        r.submit(0, price)
    assert not Bid.objects.exists()


def test_a_quote_needs_the_rounds_opening_key():
    r = quoting_round()
    r.key.shares.all().delete()
    r.key.delete()
    with pytest.raises(StageConflict):
        r.submit(0, "1.00")


def test_a_quote_that_arrived_in_time_but_waited_for_the_lock_is_accepted(monkeypatch):
    """At a busy deadline a quote may wait behind others for the transaction's row lock:
    its arrival, not the end of that wait, is what the deadline is checked against."""
    r = quoting_round()
    envelope = r.seal(0, "76500.00")
    real_lock = bids._lock_round
    processed_at = []

    def slow_lock(bid_round):
        clock.advance(timedelta(seconds=2))  # the wait behind other quotes
        processed_at.append(clock.now())
        return real_lock(bid_round)

    monkeypatch.setattr(bids, "_lock_round", slow_lock)
    quote = r.submit(0, envelope=envelope, at=DEADLINE - timedelta(seconds=1))
    assert processed_at[0] > DEADLINE  # processed after the deadline...
    assert quote.received_at == DEADLINE - timedelta(seconds=1)  # ...but it arrived before it


def test_the_bids_close_a_few_seconds_after_the_deadline_to_take_in_quotes_in_flight():
    from bidding.services.rounds import closing_due
    from trading.services.ticks import due_system_move

    r = quoting_round()
    assert r.tx.wake_times() == [DEADLINE + timedelta(seconds=r.bid_round.grace_seconds)]
    with clock.frozen_at(DEADLINE + timedelta(seconds=r.bid_round.grace_seconds) - MICROSECOND):
        assert not closing_due(r.bid_round) and due_system_move(r.tx) is None
    with clock.frozen_at(DEADLINE + timedelta(seconds=r.bid_round.grace_seconds)):
        assert closing_due(r.bid_round) and due_system_move(r.tx) in ("close_quotes", "fail_quotes")
