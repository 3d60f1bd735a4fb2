"""The tender's secrecy matrix: viewer (a bidder that bid and objected, a bidder that only
registered, a company that did not register, the clerk, the supervisor, the tenderer, an
expert of the pool, the public) x moment (bids received; bids closed with the committee
formed; the result published) x every page and API endpoint of the tender.

Before the deadline nobody but a bidder itself learns a bidder's name, that it registered,
objected or bid, or how many did; no price is readable anywhere at any moment before the
opening; the committee's names are the station's and the members' until the result, then
everyone's. And a dump of everything the server holds before the opening has no price in
any encoding (tests/bidding/test_sealed_dump.py's search, on a two-envelope tender)."""

import html
import json
import logging
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from bidding.models import Bid, PanelMember
from tests.bidding.test_sealed_dump import everything, price_forms, where_found
from tests.trading.tender_world import (
    MONDAY,
    assess_all,
    bid,
    evaluate,
    fast_scrypt,  # noqa: F401  (autouse)
    form_committee,
    issue_notice,
    make_tender_world,
    open_next,
    pass_deadline,
    past_publicity,
    register,
    settle,
)
from trading import clock
from trading.procedures.tender.services import changes
from trading.services.transitions import transaction_transition

PRICES = {0: "437219.53", 1: "428916.07", 2: "441382.19"}
VIEWERS = ("bidder_a", "bidder_d", "outsider", "clerk", "supervisor", "purchaser", "expert", "public")


@pytest.fixture
def scene(db):
    with clock.frozen_at(MONDAY):
        tw = make_tender_world(bidders=5)
        issue_notice(tw, two_envelopes=True)
        for index in range(3):
            bid(tw, index, PRICES[index])
        register(tw, 3)  # D registers and does not bid; E never registers
        user, company = tw.bidders[0]
        changes.tender_object_documents(code=tw.tx.code, user=user, company=company, text="工期要求不合理")
        settle()
        yield tw


def viewers(tw):
    return {"bidder_a": tw.bidders[0][0], "bidder_d": tw.bidders[3][0], "outsider": tw.bidders[4][0],
            "clerk": tw.world.clerk, "supervisor": tw.world.supervisor, "purchaser": tw.world.purchaser,
            "expert": tw.experts[0], "public": None}


def endpoints(tw):
    code = tw.tx.code
    own = tw.bidders[0][1].pk
    return [
        "/", "/work/", "/notices/", "/audit/", f"/audit/transactions/{code}/", f"/work/transactions/{code}/",
        f"/work/transactions/{code}/tender/bid/?company={own}", f"/work/transactions/{code}/tender/scoring/",
        f"/bidding/openings/{code}/", "/bidding/quotes/",
        f"/api/v1/transactions/{code}/", f"/api/v1/transactions/{code}/tender/",
        f"/api/v1/transactions/{code}/tender/bids/mine/", f"/api/v1/transactions/{code}/tender/scoring/",
        f"/api/v1/transactions/{code}/opening/", "/api/v1/notices/", "/ledger/entries?start=0",
    ]


def seen_by(tw, user) -> dict[str, str]:
    client = Client()
    client.cookies["django_language"] = "en"
    headers = {}
    if user is not None:
        client.force_login(user)
        headers["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    settle()
    pages = {}
    for url in endpoints(tw):
        response = client.get(url, **(headers if url.startswith("/api/") else {}))
        assert response.status_code < 500, (user, url, response.status_code)
        text = response.content.decode("utf-8", "replace")
        if response.get("Content-Type", "").split(";")[0] == "application/json":
            text = json.dumps(json.loads(text), ensure_ascii=False)
        pages[url] = html.unescape(text).replace(url, "")
    return pages


def leaks(pages, needles):
    return [(url, needle) for url, text in pages.items() for needle in needles if needle in text]


def company_texts(tw, index):
    company = tw.bidders[index][1]
    return [company.name, company.uscc]


def price_texts():
    return [t for p in PRICES.values() for t in (p, f"{int(p.split('.')[0]):,}.{p.split('.')[1]}")]


def test_before_the_deadline_no_name_count_objector_or_price_is_shown(scene):
    tw = scene
    people = viewers(tw)
    with clock.frozen_at(MONDAY):
        for name, user in people.items():
            pages = seen_by(tw, user)
            own = {"bidder_a": 0, "bidder_d": 3, "outsider": 4}.get(name)
            hidden = [t for i in range(5) if i != own for t in company_texts(tw, i)] + price_texts()
            assert leaks(pages, hidden) == [], name
            overview = json.loads(pages[f"/api/v1/transactions/{tw.tx.code}/tender/"])
            assert overview["bid_count"] is None and overview["bidders"] is None, name
            assert all(c["supplier"] is None for c in overview["challenges"] if name != "bidder_a"), name
            assert "Bids received" not in pages[f"/work/transactions/{tw.tx.code}/"], name
    ledger = seen_by(tw, None)["/ledger/entries?start=0"]
    assert "bids.closed" not in ledger and all(t not in ledger for i in range(5) for t in company_texts(tw, i))


def test_after_the_close_the_bidders_are_public_the_committee_is_not(scene):
    tw = scene
    with clock.frozen_at(MONDAY):
        objection = tw.tx.challenges.get()
        changes.tender_answer_objection(code=tw.tx.code, user=tw.world.clerk, challenge_id=objection.pk,
                                        answer="维持")
        pass_deadline(tw)
        form_committee(tw)
        members = [m.user.ledger_name() for m in PanelMember.objects.filter(transaction=tw.tx)]
        for name, user in viewers(tw).items():
            pages = seen_by(tw, user)
            assert all(t in pages[f"/api/v1/transactions/{tw.tx.code}/tender/"] for t in company_texts(tw, 1)), name
            assert leaks(pages, price_texts()) == [], name
            member_sees = user is not None and any(m.user == user for m in PanelMember.objects.filter(
                transaction=tw.tx))
            if name in ("clerk", "supervisor") or member_sees:
                continue
            assert leaks(pages, members) == [], name
        # The technical envelopes opened: still no price anywhere.
        open_next(tw)
        for name, user in viewers(tw).items():
            assert leaks(seen_by(tw, user), price_texts()) == [], name


def test_with_the_result_everyone_reads_the_committee_and_the_evaluation(scene):
    tw = scene
    with clock.frozen_at(MONDAY):
        objection = tw.tx.challenges.get()
        changes.tender_answer_objection(code=tw.tx.code, user=tw.world.clerk, challenge_id=objection.pk,
                                        answer="维持")
        pass_deadline(tw)
        form_committee(tw)
        open_next(tw)
        assess_all(tw, part="technical")
        open_next(tw)
        evaluate(tw)
        transaction_transition(code=tw.tx.code, action="publish_candidates", user=tw.world.clerk)
        past_publicity(tw)
        transaction_transition(code=tw.tx.code, action="award", user=tw.world.purchaser)
        transaction_transition(code=tw.tx.code, action="publish_result", user=tw.world.clerk)
        members = [m.user.ledger_name() for m in PanelMember.objects.filter(transaction=tw.tx)]
        pages = seen_by(tw, None)
        scoring = pages[f"/api/v1/transactions/{tw.tx.code}/tender/scoring/"]
        assert all(m in scoring for m in members) and "437,219.53" in pages[f"/bidding/openings/{tw.tx.code}/"]


@pytest.mark.usefixtures("ledger_transactional_db")
def test_a_dump_before_the_opening_holds_no_price(caplog):
    caplog.set_level(logging.DEBUG)
    with clock.frozen_at(MONDAY):
        tw = make_tender_world()
        issue_notice(tw, two_envelopes=True)
        for index in range(3):
            bid(tw, index, PRICES[index])
        pass_deadline(tw)
        form_committee(tw)
        open_next(tw)  # the technical envelopes are open; the prices are not
    held = everything()
    logs = "\n".join(record.getMessage() for record in caplog.records).encode()
    assert Bid.objects.filter(part="price").count() == 3
    for index, price in PRICES.items():
        for needle in price_forms(Decimal(price), code=tw.tx.code,
                                  supplier=tw.bidders[index][1].uscc):
            assert where_found(held, needle) == [], (price, needle)
            assert needle not in logs
