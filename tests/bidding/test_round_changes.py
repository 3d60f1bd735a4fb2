"""A round whose documents change, and parts that hold the SHA-256 of documents.

* `round_change` moves the deadline and raises the documents version, ledgered as
  `bids.round_changed` (no bidder named or counted); a closed round no longer changes.
* An offer sealed before a change is opened only if its bidder confirmed it since (signed
  confirmation receipt) or replaced it; otherwise it is recorded as not opened, with the
  reason, and never decrypted.
* A documents envelope is as long as a quote's and holds a SHA-256; a quote put in such a
  part fails without its price showing; an envelope the procedure withholds stays sealed.
"""

from datetime import timedelta

import pytest
from django.conf import settings

from bidding import crypto
from bidding.models import BidRound, OpeningRecord
from bidding.services import bids, custodians, openings, rounds
from ledger.core.note import Verifier, open_note
from ledger.recording import actor as ledger_actor
from ledger.signing import verifier_key
from tests.factories import force_stage
from trading import clock
from trading.errors import InvalidInput, RuleViolation, StageConflict
from trading.models import Role

from .test_sealed_support import AFTER, BEFORE, DEADLINE, fast_scrypt, quoting_round, recorded  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
CLERK = ledger_actor("clerk", "王明")
DOCS = "ab" * 32


def replaceable_round(suppliers=3):
    r = quoting_round(suppliers=suppliers)
    BidRound.objects.filter(pk=r.bid_round.pk).update(policy="withdrawable")
    r.bid_round.refresh_from_db()
    return r


def test_a_change_moves_the_deadline_and_the_documents_version_ledgered_without_bidders():
    r = replaceable_round()
    r.submit(0, "100.00")
    later = DEADLINE + timedelta(days=5)
    with clock.frozen_at(BEFORE):
        changed = rounds.round_change(bid_round=r.bid_round, deadline=later, documents_changed=True,
                                      cause="clarification", actor=CLERK)
    assert (changed.deadline, changed.documents_version) == (later, 2)
    [entry] = recorded("bids.round_changed", r.tx.code)
    assert entry["data"]["documents_version"] == 2 and entry["data"]["cause"] == "clarification"
    assert entry["data"]["previous_deadline"].startswith("2026-12-03T01:00")
    assert set(entry["data"]) == {"round", "cause", "deadline", "previous_deadline", "documents_version"}
    with pytest.raises(InvalidInput):
        rounds.round_change(bid_round=r.bid_round, cause="Bad Cause!", actor=CLERK, documents_changed=True)
    with pytest.raises(InvalidInput):
        rounds.round_change(bid_round=r.bid_round, cause="nothing", actor=CLERK)
    r.bid_round.refresh_from_db()
    r.close(at=later + timedelta(minutes=1))
    with pytest.raises(StageConflict):
        rounds.round_change(bid_round=r.bid_round, cause="late", actor=CLERK, documents_changed=True)


def test_an_unconfirmed_offer_is_not_opened_a_confirmed_or_replaced_one_is():
    r = replaceable_round()
    first, second, third = r.submit(0, "100.00"), r.submit(1, "90.00"), r.submit(2, "95.00")
    with clock.frozen_at(BEFORE):
        rounds.round_change(bid_round=r.bid_round, documents_changed=True, cause="clarification", actor=CLERK)
    company, user = r.suppliers[1]
    with clock.frozen_at(BEFORE + timedelta(minutes=1)):
        [confirmed] = bids.bid_confirm(bid_round=r.bid_round, company=company, user=user)
        with pytest.raises(InvalidInput, match="nothing|no offer"):
            bids.bid_confirm(bid_round=r.bid_round, company=company, user=user)
    text = open_note(confirmed.confirmation_receipt, Verifier.from_string(verifier_key()))
    assert text.splitlines()[1:4] == [r.tx.code, second.commitment, "documents version 2"]
    r.submit(2, "94.00", at=BEFORE + timedelta(minutes=2))  # a replacement answers the new documents
    with clock.frozen_at(AFTER):
        with pytest.raises(RuleViolation, match="before the deadline"):
            bids.bid_confirm(bid_round=r.bid_round, company=r.suppliers[0][0], user=r.suppliers[0][1])
    r.close()
    opening = r.open()
    by_bid = {rec.bid_id: rec for rec in opening.records.all()}
    assert by_bid[first.pk].outcome == OpeningRecord.UNOPENED and by_bid[first.pk].price is None
    assert by_bid[first.pk].reason == openings.NOT_CONFIRMED
    assert str(by_bid[second.pk].price) == "90.00"
    assert third.pk not in by_bid and {str(rec.price) for rec in by_bid.values()} >= {"94.00"}
    [opened] = recorded("bids.opened", r.tx.code)
    assert [rec["outcome"] for rec in opened["data"]["records"]].count("unopened") == 1


def two_part_round():
    """A round with a technical part (SHA-256 of documents) and a price part."""
    r = quoting_round()
    tx = r.tx
    bid_round = rounds.round_open(transaction=tx, opens_at=BEFORE - timedelta(days=1), deadline=DEADLINE,
                                  policy="withdrawable", parts=["technical", "price"])
    rounds.round_admit(bid_round=bid_round, companies=[c for c, _u in r.suppliers], method="registration")
    people = [(r.world.clerk, Role.CLERK), (r.world.supervisor, Role.SUPERVISOR), (r.world.purchaser, Role.PURCHASER)]
    keys = {part: custodians.opening_key_create(bid_round=bid_round, custodians=people, part=part, user=r.world.clerk)
            for part in ("technical", "price")}
    return r, bid_round, keys


def _shares(r, key):
    r.key = key
    return r.shares(Role.CLERK, Role.SUPERVISOR)


def test_a_documents_part_opens_to_its_sha256_a_quote_there_fails_and_withheld_envelopes_stay_sealed():
    r, bid_round, keys = two_part_round()
    (a, a_user), (b, b_user), (c, c_user) = r.suppliers
    with clock.frozen_at(BEFORE):
        tech_a = bids.bid_seal_documents_for_web(bid_round=bid_round, company=a, documents_sha256=DOCS, user=a_user,
                                                 part="technical")
        quote_in_tech = crypto.seal_quote(bytes(keys["technical"].public_key), origin=settings.LEDGER_ORIGIN,
                                          code=r.tx.code, supplier=b.uscc, price="77777.77")
        tech_b = bids.bid_submit(bid_round=bid_round, company=b, envelope=quote_in_tech, user=b_user,
                                 part="technical")
        price_a = bids.bid_seal_for_web(bid_round=bid_round, company=a, price="100.00", user=a_user, part="price")
        price_c = bids.bid_seal_for_web(bid_round=bid_round, company=c, price="99.00", user=c_user, part="price")
        with pytest.raises(InvalidInput, match="SHA-256"):
            bids.bid_seal_documents_for_web(bid_round=bid_round, company=c, documents_sha256="nope", user=c_user,
                                            part="technical")
    assert len(bytes(tech_a.envelope)) == len(bytes(price_a.envelope)) == crypto.ENVELOPE_SIZE
    with clock.frozen_at(AFTER):
        rounds.round_close(bid_round=bid_round)
    force_stage(r.tx, "opened")
    with clock.frozen_at(AFTER):
        technical = openings.bids_open(bid_round=bid_round, shares=_shares(r, keys["technical"]),
                                       opened_by=r.world.clerk, part="technical", content="documents")
    records = {rec.bid_id: rec for rec in technical.records.all()}
    assert records[tech_a.pk].content_sha256 == DOCS and records[tech_a.pk].price is None
    assert records[tech_b.pk].outcome == OpeningRecord.FAILED and "77777" not in str(recorded("bids.opened"))
    with clock.frozen_at(AFTER):
        prices = openings.bids_open(bid_round=bid_round, shares=_shares(r, keys["price"]), opened_by=r.world.clerk,
                                    part="price", withhold={price_c.pk: "did not pass the technical evaluation"})
    records = {rec.bid_id: rec for rec in prices.records.all()}
    assert str(records[price_a.pk].price) == "100.00"
    assert records[price_c.pk].outcome == OpeningRecord.UNOPENED and records[price_c.pk].price is None
    data = recorded("bids.opened", r.tx.code)
    assert data[0]["data"]["part"] == "technical" and data[0]["data"]["records"][0]["documents_sha256"] == DOCS
    assert "documents_sha256" not in data[1]["data"]["records"][0]


def test_documents_envelopes_round_trip_and_refuse_what_they_do_not_hold():
    private = crypto.X25519PrivateKey.generate()
    public = crypto.public_key_bytes(private)
    envelope = crypto.seal_documents(public, origin="o", code="JY-1", supplier="S", sha256=DOCS)
    assert len(envelope) == crypto.ENVELOPE_SIZE
    assert crypto.open_documents(envelope, private, origin="o", code="JY-1", supplier="S").sha256 == DOCS
    with pytest.raises(crypto.EnvelopeError, match="another supplier"):
        crypto.open_documents(envelope, private, origin="o", code="JY-1", supplier="T")
    with pytest.raises(crypto.EnvelopeError, match="does not hold a quote"):
        crypto.open_quote(envelope, private, origin="o", code="JY-1")
    quote = crypto.seal_quote(public, origin="o", code="JY-1", supplier="S", price="1.00")
    with pytest.raises(crypto.EnvelopeError, match="SHA-256 of documents"):
        crypto.open_documents(quote, private, origin="o", code="JY-1")
    with pytest.raises(ValueError):
        crypto.seal_documents(public, origin="o", code="JY-1", supplier="S", sha256=DOCS.upper())
