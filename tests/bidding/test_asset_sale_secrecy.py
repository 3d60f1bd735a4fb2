"""The asset sale's secrecy matrix: viewer (buyer A, buyer B, a bidder who did not
register, the seller, the clerk, the supervisor, the public) x moment (during the
disclosure, after the close) x every page and API endpoint that could tell.

During the disclosure nobody but a buyer itself learns who registered or how many,
except the station's clerks (who qualify them) and the supervisors; the ledger says
nothing of them. From the close on, the qualified buyers are public. In the auction,
bidders are shown by number: who holds a number only to itself and the station."""

import html
import json
from datetime import timedelta

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from bidding.models import Auction
from bidding.services.auctions import auction_bid
from ledger.sequencer import ledger_run_sequencer
from tests.trading.asset_sale_world import (
    MONDAY,
    appraise,
    disclose,
    make_sale_world,
    record,
    register,
    settle,
)
from trading import clock
from trading.procedures.asset_sale import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
VIEWERS = ("buyer_a", "buyer_b", "outsider", "seller", "clerk", "supervisor", "public")
STAFF = ("clerk", "supervisor")


@pytest.fixture
def scene():
    with clock.frozen_at(MONDAY):
        sw = make_sale_world()
        appraise(sw)
        disclose(sw)
        register(sw, 0)
        register(sw, 1)
        users = {"buyer_a": sw.buyers[0][0], "buyer_b": sw.buyers[1][0], "outsider": sw.buyers[2][0],
                 "seller": sw.world.purchaser, "clerk": sw.world.clerk, "supervisor": sw.world.supervisor,
                 "public": None}
        yield sw, users


def seen_by(sw, user):
    code = sw.tx.code
    client = Client()
    headers = {}
    if user is not None:
        client.force_login(user)
        headers["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    ledger_run_sequencer()
    pages = {}
    for url in ["/", "/work/", "/notices/", "/audit/", f"/audit/transactions/{code}/", f"/work/transactions/{code}/",
                f"/api/v1/transactions/{code}/", f"/api/v1/transactions/{code}/asset-sale/",
                f"/api/v1/transactions/{code}/asset-sale/registrations/", f"/live/{code}/", f"/live/{code}/state/",
                "/ledger/entries?start=0"]:
        response = client.get(url, **(headers if url.startswith("/api/") else {}))
        assert response.status_code < 500, (url, response.status_code)
        text = response.content.decode("utf-8", "replace")
        if response.get("Content-Type", "").split(";")[0] == "application/json":
            text = json.dumps(json.loads(text), ensure_ascii=False)
        pages[url] = html.unescape(text).replace(url, "")
    return pages


def names(sw, index):
    company = sw.buyers[index][1]
    return [company.name, company.uscc]


def leaks(pages, needles):
    return [(url, needle) for url, text in pages.items() for needle in needles if needle in text]


def test_during_the_disclosure_only_the_buyer_itself_and_the_station_know_who_registered(scene):
    sw, users = scene
    own = {"buyer_a": 0, "buyer_b": 1}
    for viewer in VIEWERS:
        pages = seen_by(sw, users[viewer])
        hidden = [n for i in (0, 1) if own.get(viewer) != i for n in names(sw, i)]
        if viewer in STAFF:
            assert all(n in pages[f"/work/transactions/{sw.tx.code}/"] for i in (0, 1) for n in names(sw, i)[:1])
            continue
        assert leaks(pages, hidden) == [], viewer
        assert leaks(pages, ["registrations awaiting", "等待决定", "Registered buyers"]) == [], viewer  # not the count
        sale = json.loads(pages[f"/api/v1/transactions/{sw.tx.code}/asset-sale/"])
        assert sale["registrations"] is None and sale["qualified_count"] is None, viewer
    entries = seen_by(sw, None)["/ledger/entries?start=0"]
    assert leaks({"ledger": entries}, names(sw, 0) + names(sw, 1)) == []


def test_after_the_close_the_qualified_buyers_are_public_and_bidders_are_numbers(scene):
    sw, users = scene
    clock.advance(record(sw).disclosure_until - clock.now() + timedelta(seconds=1))
    settle()
    services.asset_start_auction(code=sw.tx.code, user=sw.world.clerk)
    auction = Auction.objects.get(transaction=sw.tx)
    user, company = sw.buyers[0]
    auction_bid(auction=auction, company=company, amount="320000.00", user=user)
    for viewer in VIEWERS:
        pages = seen_by(sw, users[viewer])
        public_page = pages[f"/audit/transactions/{sw.tx.code}/"]
        assert all(n in public_page for n in names(sw, 0)[:1] + names(sw, 1)[:1]), viewer
        state = pages[f"/live/{sw.tx.code}/state/"]
        assert str(auction.bidders.get(company=company).number) in state
        if viewer not in STAFF + ("buyer_a",):  # who holds which number: the bidder and the station
            assert company.name not in pages[f"/live/{sw.tx.code}/"], viewer
            assert company.name not in state, viewer
