"""Bad input at every asset sale step, through the API and the pages: each refused saying
what is wrong (the rule, where one refuses it), by the API with a 4xx, by a page form with
303 to its page showing it (Post/Redirect/Get), never a 500, and the stage stays where it
was."""

from datetime import timedelta

import pytest

from bidding.models import Auction
from tests.test_hostile_input import (
    BAD_ID_TEXT,
    BAD_IDS,
    BAD_TEXT,
    api,
    browser,
    page_refused,
    refused,
)
from tests.trading.asset_sale_world import (
    MONDAY,
    appraise,
    close_disclosure,
    disclose,
    make_sale_world,
    register,
    reload,
    upload,
)
from trading import clock
from trading.procedures.asset_sale import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
BAD_MONEY = ["abc", "-1", "0", "1e9", "1.234", "¥", "", None, [], {}, 1.5, "1" * 30, "\x00", "٣٠٠"]
BAD_DATES = ["2026-13-01", "yesterday", "", None, 5, [], "2026-11-02T09:00", "\x00"]


@pytest.fixture
def sw():
    with clock.frozen_at(MONDAY):
        yield make_sale_world()


def test_api_appraisal_and_disclosure_refuse_bad_money_dates_and_text(sw):
    base = f"/api/v1/transactions/{sw.tx.code}/asset-sale/"
    seller = api(sw.world.purchaser)
    valid = {"appraiser": "评估所", "appraised_value": "320000.00", "appraised_on": "2026-10-20"}
    for field, values in (("appraised_value", BAD_MONEY), ("appraised_on", BAD_DATES + ["2099-01-01"]),
                          ("appraiser", [v for v in BAD_TEXT if isinstance(v, str) and v != "\ud800"])):
        for value in values:
            if not isinstance(value, str):
                continue  # multipart sends text only
            refused(seller.post(base + "appraisal/", {**valid, field: value, "file": upload()}, format="multipart"))
    assert reload(sw).stage == "registered"
    appraise(sw)
    clerk = api(sw.world.clerk)
    terms = {"listing_price": "320000.00", "method": "auction", "increment": "5000.00", "deposit": "30000.00"}
    for field, values in (("listing_price", BAD_MONEY), ("deposit", BAD_MONEY), ("increment", BAD_MONEY),
                          ("method", ["", "dutch", None, 3, []]), ("countdown_minutes", [0, 61, -5, "x", 1.5, []]),
                          ("reserve_price", ["abc", "-1", "1e9", 1.5, []])):
        for value in values:
            refused(clerk.post(base + "disclosure/", {**terms, field: value}, format="json"))
    body = refused(clerk.post(base + "disclosure/", {**terms, "reserve_price": "1.00"}, format="json"))
    assert "reserve" in body["error"]["message"]
    assert reload(sw).stage == "appraised"


def test_api_registrations_deposits_decisions_refuse_bad_records(sw):
    appraise(sw)
    disclose(sw)
    base = f"/api/v1/transactions/{sw.tx.code}/asset-sale/"
    user, company = sw.buyers[0]
    for value in BAD_IDS:
        refused(api(user).post(base + "registrations/", {"company": value}, format="json"))
    registration = register(sw, 0, qualify=None)
    clerk = api(sw.world.clerk)
    for value in BAD_MONEY:
        refused(clerk.post(base + f"registrations/{registration.pk}/deposit/", {"amount": value,
                                                                                "paid_on": "2026-11-02"}, format="json"))
    for value in BAD_DATES + ["2026-12-30"]:
        refused(clerk.post(base + f"registrations/{registration.pk}/deposit/", {"amount": "30000.00",
                                                                                "paid_on": value}, format="json"))
    for value in ["x", None, 2, []]:
        refused(clerk.post(base + f"registrations/{registration.pk}/decision/", {"qualified": value}, format="json"))
    body = refused(clerk.post(base + f"registrations/{registration.pk}/decision/", {"qualified": False}, format="json"))
    assert "reason" in body["error"]["message"]
    body = refused(clerk.post(base + f"registrations/{registration.pk}/decision/", {"qualified": True},
                              format="json"))
    assert body["error"]["details"]["rule"] == "asset_sale.deposit_first"
    refused(clerk.post(base + "registrations/99999999999/decision/", {"qualified": True}, format="json"))
    assert reload(sw).stage == "disclosing"


def test_api_and_page_bids_refuse_bad_amounts_and_keys(sw):
    appraise(sw)
    disclose(sw)
    register(sw, 0)
    register(sw, 1)
    close_disclosure(sw)
    services.asset_start_auction(code=sw.tx.code, user=sw.world.clerk)
    user, company = sw.buyers[0]
    url = f"/api/v1/transactions/{sw.tx.code}/asset-sale/auction/bids/"
    for value in BAD_MONEY:
        refused(api(user).post(url, {"amount": value}, format="json"))
    for key in ["has space", "\x00", "é" * 3, "k" * 101]:
        refused(api(user).post(url, {"amount": "320000.00", "idempotency_key": key}, format="json"))
    for value in BAD_IDS:
        refused(api(user).post(url, {"amount": "320000.00", "company": value}, format="json"))
    web = browser(user)
    for value in BAD_ID_TEXT[:4] + ["abc", "-5"]:
        response = web.post(f"/live/{sw.tx.code}/bid/", {"amount": value, "company": company.pk},
                            HTTP_ACCEPT="application/json")
        assert 400 <= response.status_code < 500 and response.json()["error"]["message"]
    assert Auction.objects.get(transaction=sw.tx).bid_count == 0


def test_page_forms_refuse_bad_input_with_the_reason_shown(sw):
    seller, clerk = browser(sw.world.purchaser), browser(sw.world.clerk)
    base = f"/work/transactions/{sw.tx.code}/asset-sale/"
    for value in ["abc", "-1", "", "\x00"]:
        page_refused(seller, seller.post(base + "appraisal/", {"appraiser": "评估所", "appraised_value": value,
                                                               "appraised_on": "2026-10-20", "file": upload()}))
    page_refused(seller, seller.post(base + "appraisal/", {"appraiser": "评估所", "appraised_value": "1.00",
                                                           "appraised_on": "20-10-2026", "file": upload()}))
    appraise(sw)
    for field, value in (("listing_price", "abc"), ("method", "x"), ("countdown_minutes", "0"), ("deposit", "")):
        page_refused(clerk, clerk.post(base + "disclosure/", {"listing_price": "320000.00", "method": "auction",
                                                              "increment": "5000", "countdown_minutes": "5",
                                                              "deposit": "30000", field: value}))
    disclose(sw)
    registration = register(sw, 0, qualify=None)
    for data in ({"registration": "abc", "decision": "qualify"}, {"registration": registration.pk, "decision": "x"},
                 {"registration": registration.pk, "deposit_amount": "abc", "deposit_paid_on": "2026-11-02"},
                 {"registration": str(2**70), "decision": "refuse", "reason": "x"}):
        page_refused(clerk, clerk.post(base + "registration/", data))
    clock.advance(timedelta(seconds=1))
    assert reload(sw).stage == "disclosing"
