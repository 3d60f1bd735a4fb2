"""The rooms above the school gate through the REST API, each role with its own token:
appraisal, disclosure, registrations (repeatable), deposits and decisions, the auction
with idempotent bids, the confirmation, payment; what the API shows each role before
and after the close. Every answer is checked against the OpenAPI schema (tests/api/schema_check.py)."""

import base64
from datetime import timedelta

import pytest
from django.conf import settings

from bidding.crypto import seal_quote
from tests.api.schema_check import ASSET_SALE_AUCTION, ASSET_SALE_NEGOTIATED, CheckedClient
from tests.trading.asset_sale_world import (
    MONDAY,
    appraise,
    close_and_open_offers,
    close_disclosure,
    make_sale_world,
    record,
    register,
    reload,
    settle,
    upload,
)
from trading import clock

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def sw():
    with clock.frozen_at(MONDAY):
        yield make_sale_world()


@pytest.fixture
def api(checker):
    """A client whose every answer is checked against the OpenAPI schema."""
    def make(user):
        c = CheckedClient(checker)
        if user is not None:
            c.force_authenticate(user)
        return c
    return make


def ok(response, status=200):
    assert response.status_code == status, response.content.decode()[:2000]
    return response.json() if response.content else None


def test_the_auction_branch_through_the_api(sw, api, checker):
    w, code = sw.world, sw.tx.code
    base = f"/api/v1/transactions/{code}/asset-sale/"
    ok(api(w.purchaser).post(base + "appraisal/", {"appraiser": "示范县诚信资产评估事务所", "appraised_value": "320000.00",
                                                   "appraised_on": "2026-10-20", "file": upload()}, format="multipart"))
    refused = api(w.clerk).post(base + "disclosure/", {"listing_price": "300000.00", "method": "auction",
                                                       "increment": "5000.00", "deposit": "30000.00"}, format="json")
    assert refused.status_code == 422 and refused.json()["error"]["details"]["rule"] == "asset_sale.listing_min"
    ok(api(w.clerk).post(base + "disclosure/", {"listing_price": "320000.00", "method": "auction",
                                                "increment": "5000.00", "deposit": "30000.00"}, format="json"))
    ids = []
    for user, company in sw.buyers[:2]:
        first = ok(api(user).post(base + "registrations/", {"company": company.pk}, format="json"), 201)
        again = ok(api(user).post(base + "registrations/", {"company": company.pk}, format="json"), 200)
        assert first["id"] == again["id"]
        ids.append(first["id"])
    # Before the close: secret to the other buyer, the seller and the public; the clerk sees them.
    assert api(sw.buyers[0][0]).get(base + "registrations/").status_code == 403
    assert api(w.purchaser).get(base + "registrations/").status_code == 403
    public = ok(api(None).get(base))
    assert public["registrations"] is None and public["qualified_count"] is None
    assert len(ok(api(w.clerk).get(base + "registrations/"))) == 2
    mine = ok(api(sw.buyers[0][0]).get(base))
    assert [r["company"] for r in mine["my_registrations"]] == [sw.buyers[0][1].name]
    for registration in ids:
        ok(api(w.clerk).post(base + f"registrations/{registration}/deposit/",
                             {"amount": "30000.00", "paid_on": "2026-11-02"}, format="json"))
        ok(api(w.clerk).post(base + f"registrations/{registration}/decision/", {"qualified": True}, format="json"))
    clock.advance(record(sw).disclosure_until - clock.now() + timedelta(seconds=1))
    settle()
    assert ok(api(None).get(base))["qualified_count"] == 2
    ok(api(w.clerk).post(base + "auction/", {}, format="json"))
    state = ok(api(None).get(base + "auction/"))
    assert state["status"] == "running" and state["next_minimum"] == "320000.00"
    (u0, c0), (u1, c1) = sw.buyers[:2]
    bid = ok(api(u0).post(base + "auction/bids/", {"amount": "320000.00"}, format="json",
                          HTTP_IDEMPOTENCY_KEY="bid-1"), 201)
    replay = ok(api(u0).post(base + "auction/bids/", {"amount": "320000.00"}, format="json",
                             HTTP_IDEMPOTENCY_KEY="bid-1"), 200)
    assert replay["seq"] == bid["seq"] == 1
    low = api(u1).post(base + "auction/bids/", {"amount": "320100.00"}, format="json")
    assert low.status_code == 422 and low.json()["error"]["details"]["rule"] == "auction.increment"
    assert api(u1).post(base + "auction/bids/", {"amount": 330000}, format="json").status_code == 400  # a float-like
    ok(api(u1).post(base + "auction/bids/", {"amount": "330000.00"}, format="json"), 201)
    assert api(w.bidder).post(base + "auction/bids/", {"amount": "340000.00"}, format="json").status_code == 400
    clock.advance(timedelta(minutes=5, seconds=3))
    settle()
    settle()
    ok(api(w.clerk).post(f"/api/v1/transactions/{code}/actions/confirm_deal/", {}, format="json"))
    sale = ok(api(None).get(base))
    assert (sale["buyer"], sale["price"], sale["deal_method"]) == (c1.name, "330000.00", "auction")
    assert sale["deal_seq"] is not None and sale["checkpoint_size"] > sale["deal_seq"]
    ok(api(w.clerk).post(base + "payment/", {"amount": "330000.00", "paid_on": "2026-11-02"}, format="json"))
    assert reload(sw).stage == "paid"
    assert checker.successes() >= ASSET_SALE_AUCTION, sorted(ASSET_SALE_AUCTION - checker.successes())


def test_the_negotiated_branch_through_the_api(sw, api, checker):
    """One qualified buyer: a change to the notice restarts the disclosure, the clerk opens a
    round of sealed offers, the buyer seals its offer to the round's key and posts it as any
    sealed bid, the custodians open it, the deal is confirmed, paid, publicised, and the
    seller records the transfer."""
    w, code = sw.world, sw.tx.code
    base = f"/api/v1/transactions/{code}/asset-sale/"
    appraise(sw)
    terms = {"listing_price": "320000.00", "method": "sealed", "deposit": "30000.00"}
    ok(api(w.clerk).post(base + "disclosure/", terms, format="json"))
    first_until = record(sw).disclosure_until
    clock.advance(timedelta(days=2))
    unexplained = api(w.clerk).post(base + "disclosure/change/", {**terms, "listing_price": "325000.00"},
                                    format="json")
    assert unexplained.status_code == 400 and "reason" in unexplained.json()["error"]["details"]["fields"]
    ok(api(w.clerk).post(base + "disclosure/change/", {**terms, "listing_price": "325000.00",
                                                       "reason": "更正建筑面积"}, format="json"))
    assert record(sw).disclosure_until > first_until
    register(sw, 0)
    assert close_disclosure(sw).stage == "negotiating"
    offers = {"deadline": (clock.now() + timedelta(hours=2)).isoformat(), "supervisor": w.supervisor.pk,
              "purchaser_rep": w.purchaser.pk}
    assert ok(api(w.clerk).post(base + "offers/", offers, format="json"))["stage"] == "offering"
    settle()
    key = ok(api(None).get(f"/api/v1/transactions/{code}/opening-key/"))
    user, company = sw.buyers[0]
    envelope = seal_quote(bytes.fromhex(key["public_key"]), origin=settings.LEDGER_ORIGIN, code=code,
                          supplier=company.uscc, price="326000.00")
    ok(api(user).post(f"/api/v1/transactions/{code}/quotes/", {
        "supplier": company.uscc, "envelope": base64.b64encode(envelope).decode()}, format="json"), 201)
    assert close_and_open_offers(sw).stage == "deal"
    ok(api(w.clerk).post(f"/api/v1/transactions/{code}/actions/confirm_deal/", {}, format="json"))
    ok(api(w.clerk).post(base + "payment/", {"amount": "326000.00", "paid_on": clock.now().date().isoformat()},
                         format="json"))
    ok(api(w.clerk).post(f"/api/v1/transactions/{code}/actions/publish_result/", {}, format="json"))
    early = api(w.purchaser).post(base + "transfer/", {"transferred_on": clock.now().date().isoformat(),
                                                      "file": upload("交接书.pdf")}, format="multipart")
    assert early.status_code == 422, early.json()
    clock.advance(record(sw).publicity_until - clock.now() + timedelta(seconds=1))
    done = ok(api(w.purchaser).post(base + "transfer/", {"transferred_on": clock.now().date().isoformat(),
                                                         "file": upload("交接书.pdf")}, format="multipart"))
    assert done["stage"] == "transferred"
    assert (ok(api(None).get(base))["price"], reload(sw).stage) == ("326000.00", "transferred")
    assert checker.successes() >= ASSET_SALE_NEGOTIATED, sorted(ASSET_SALE_NEGOTIATED - checker.successes())
