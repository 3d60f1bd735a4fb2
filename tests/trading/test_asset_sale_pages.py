"""The asset sale's pages: every form of every role along the auction branch, the live
auction page (state, event stream, bids with and without JavaScript), the confirmation
PDF; a refused form answers 303 to its page naming the rule (the script's bid: a 4xx in
JSON), never 500."""

import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from bidding.models import Auction
from tests.refusals import refused_to_page
from tests.trading.asset_sale_world import MONDAY, make_sale_world, record, reload, settle, upload
from trading import clock

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def sw():
    with clock.frozen_at(MONDAY):
        yield make_sale_world()


def client_for(user):
    client = Client()
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def page(sw, user):
    response = client_for(user).get(f"/work/transactions/{sw.tx.code}/")
    assert response.status_code == 200
    return response.content.decode()


def post(sw, user, step, data):
    response = client_for(user).post(f"/work/transactions/{sw.tx.code}/asset-sale/{step}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def refused(sw, user, step, data):
    """The transaction's page again at the form, showing why (Post/Redirect/Get)."""
    client = client_for(user)
    response = client.post(f"/work/transactions/{sw.tx.code}/asset-sale/{step}/", data)
    return refused_to_page(client, response, f"/work/transactions/{sw.tx.code}/", anchor=f"form-{step}")


def to_auction(sw):
    w = sw.world
    post(sw, w.purchaser, "appraisal", {"appraiser": "示范县诚信资产评估事务所", "appraised_value": "320000.00",
                                        "appraised_on": "2026-10-20", "file": upload()})
    post(sw, w.clerk, "disclosure", {"listing_price": "320000.00", "method": "auction", "increment": "5000.00",
                                     "countdown_minutes": "5", "deposit": "30000.00"})
    for user, company in sw.buyers[:2]:
        assert "Register as a buyer" in client_for(user).get(f"/audit/transactions/{sw.tx.code}/").content.decode()
        post(sw, user, "register", {"company": company.pk})
        assert "Register as a buyer" in page(sw, user)  # its workspace shows it now
    for registration in record(sw).registrations.all():
        post(sw, w.clerk, "registration", {"registration": registration.pk, "deposit_amount": "30000.00",
                                           "deposit_paid_on": "2026-11-02"})
        post(sw, w.clerk, "registration", {"registration": registration.pk, "decision": "qualify"})
    clock.advance(record(sw).disclosure_until - clock.now() + timedelta(seconds=1))
    settle()
    assert reload(sw).stage == "competing"
    post(sw, w.clerk, "auction", {})
    return Auction.objects.get(transaction=sw.tx)


def test_the_auction_branch_through_the_pages(sw):
    w = sw.world
    assert "Record the appraisal" in page(sw, w.purchaser)
    refused(sw, w.purchaser, "appraisal", {"appraiser": "x", "appraised_value": "-1", "appraised_on": "2026-10-20",
                                           "file": upload()})
    auction = to_auction(sw)
    live = client_for(None).get(f"/live/{sw.tx.code}/")
    assert live.status_code == 200 and "320000.00" in live.content.decode()
    (u0, c0), (u1, c1) = sw.buyers[:2]
    bidder0 = client_for(u0)
    number = auction.bidders.get(company=c0).number
    assert f"No. <strong>{number}</strong>" in bidder0.get(f"/live/{sw.tx.code}/").content.decode()
    # Without JavaScript: POST, redirect back (PRG).
    response = bidder0.post(f"/live/{sw.tx.code}/bid/", {"company": c0.pk, "amount": "320000.00",
                                                         "idempotency_key": "k1"})
    assert response.status_code == 302 and response["Location"] == f"/live/{sw.tx.code}/"
    # The page's script: JSON; a low bid is refused naming the rule.
    bidder1 = client_for(u1)
    low = bidder1.post(f"/live/{sw.tx.code}/bid/", {"company": c1.pk, "amount": "321000.00"},
                       HTTP_ACCEPT="application/json")
    assert low.status_code == 422 and low.json()["error"]["rule"] == "auction.increment"
    ok = bidder1.post(f"/live/{sw.tx.code}/bid/", {"company": c1.pk, "amount": "330000.00"},
                      HTTP_ACCEPT="application/json")
    assert ok.status_code == 201 and ok.json()["seq"] == 2
    outsider = client_for(w.bidder).post(f"/live/{sw.tx.code}/bid/", {"amount": "400000.00"},
                                         HTTP_ACCEPT="application/json")
    assert outsider.status_code == 400
    state = client_for(None).get(f"/live/{sw.tx.code}/state/").json()
    assert (state["current_price"], state["next_minimum"], state["bid_count"]) == ("330000.00", "335000.00", 2)
    assert [h["bidder"] for h in state["history"]] == [auction.bidders.get(company=c1).number, number]
    assert c0.name not in json.dumps(state, ensure_ascii=False)
    # The clerk's live page names the numbers' companies; the public one does not.
    assert c1.name in client_for(w.clerk).get(f"/live/{sw.tx.code}/").content.decode()
    assert c1.name not in client_for(None).get(f"/live/{sw.tx.code}/").content.decode()
    clock.advance(timedelta(minutes=5, seconds=3))
    settle()
    assert reload(sw).stage == "deal"
    settle()
    response = client_for(w.clerk).post(f"/work/transactions/{sw.tx.code}/act/confirm_deal/",
                                        {"expected_stage": "deal"})
    assert response.status_code == 302
    pdf = client_for(None).get(f"/asset-sale/{sw.tx.code}/confirmation.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    shown = refused(sw, w.clerk, "payment", {"amount": "1.00", "paid_on": "2026-12-01"}).content.decode()
    assert 'id="id_payment_amount-error"' in shown and 'value="1.00"' in shown
    post(sw, w.clerk, "payment", {"amount": "330000.00", "paid_on": clock.now().date().isoformat()})
    assert reload(sw).stage == "paid"
    public = client_for(None).get(f"/audit/transactions/{sw.tx.code}/").content.decode()
    assert c1.name in public and "330,000.00" in public


def test_the_event_stream_sends_the_state_and_each_change(sw, settings):
    from trading.procedures.asset_sale.views import _events

    auction = to_auction(sw)
    settings.LIVE_STREAM_SECONDS = 0.3
    settings.LIVE_POLL_SECONDS = 0.05

    async def collect():
        return [chunk async for chunk in _events(auction.pk)]

    chunks = async_to_sync(collect)()  # its database reads run in this thread (the test's transaction)
    states = [json.loads(c.split("data: ", 1)[1]) for c in chunks if c.startswith("id:")]
    assert states and states[0]["status"] == "running" and states[0]["next_minimum"] == "320000.00"
    # Under WSGI (this test client; a misrouted proxy): one event and a reconnect, no held thread.
    stream = client_for(None).get(f"/live/{sw.tx.code}/events/")
    assert stream.status_code == 200 and stream["Content-Type"] == "text/event-stream"
    assert stream.content.decode().startswith("retry: 2000\n") and "event: state" in stream.content.decode()


def test_every_role_reads_the_transaction_page_at_every_stage_without_error(sw):
    w = sw.world
    people = [w.purchaser, w.clerk, w.supervisor, w.bidder, sw.buyers[0][0], sw.buyers[2][0]]
    for user in people:
        page(sw, user) if user in (w.purchaser, w.clerk, w.supervisor) else None
    to_auction(sw)
    for user in people:
        response = client_for(user).get(f"/work/transactions/{sw.tx.code}/")
        assert response.status_code in (200, 404)
    assert client_for(None).get("/live/NO-SUCH/").status_code == 404
