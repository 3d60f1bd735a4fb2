"""The asset sale's forms follow Post/Redirect/Get (trading/views/prg.py; the core's and
the inquiry's: tests/trading/test_forms_prg.py): a refused form answers 303 to the page it
is on (the transaction's page, the public page, the live auction), at the form's anchor;
that page shows the error at the top and at the field, with what was typed, once; nothing
already saved is lost. The live page's script still gets its JSON answer."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from bidding.models import Auction
from tests.refusals import SUMMARY, refused_to_page, shown_once
from tests.trading.asset_sale_world import (
    MONDAY,
    appraise,
    close_disclosure,
    disclose,
    make_sale_world,
    record,
    register,
    reload,
)
from trading import clock
from trading.procedures.asset_sale import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def sw():
    with clock.frozen_at(MONDAY):
        yield make_sale_world()


def browser(user):
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def test_a_refused_disclosure_is_shown_at_the_listing_price_with_all_that_was_typed(sw):
    appraise(sw)
    clerk = browser(sw.world.clerk)
    page = f"/work/transactions/{sw.tx.code}/"
    response = clerk.post(f"/work/transactions/{sw.tx.code}/asset-sale/disclosure/", {
        "expected_stage": "appraised", "listing_price": "1000.00", "method": "sealed", "reserve_price": "",
        "increment": "5000.00", "countdown_minutes": "7", "deposit": "30000.00", "conditions": "现状出售，买方承担过户税费"})
    assert "/asset-sale/" not in response["Location"]
    text = refused_to_page(clerk, response, page, anchor="form-disclosure").content.decode()
    assert text.index(SUMMARY) < text.index("<h1>")
    assert 'href="#id_listing_price"' in text and 'id="id_listing_price-error"' in text
    assert re.search(r'id="id_listing_price" name="listing_price" value="1000.00" required aria-invalid="true"', text)
    assert ">现状出售，买方承担过户税费</textarea>" in text and 'value="7"' in text
    assert '<option value="sealed" selected>' in text
    assert reload(sw).stage == "appraised" and record(sw).listing_price is None
    assert shown_once(clerk, page)


def test_a_refused_deposit_is_shown_on_its_registration_s_row_and_the_recorded_one_stays(sw):
    appraise(sw)
    disclose(sw)
    registration = register(sw, 0, qualify=None)
    clerk = browser(sw.world.clerk)
    page = f"/work/transactions/{sw.tx.code}/"
    url = f"/work/transactions/{sw.tx.code}/asset-sale/registration/"
    assert clerk.post(url, {"registration": registration.pk, "deposit_amount": "30000.00",
                            "deposit_paid_on": "2026-11-02"}).status_code == 302
    response = clerk.post(url, {"registration": registration.pk, "deposit_amount": "3万",
                                "deposit_paid_on": "2026-11-02"})
    form = f"deposit_{registration.pk}"
    text = refused_to_page(clerk, response, page, anchor=f"form-{form}").content.decode()
    assert f'href="#id_{form}_amount"' in text and f'id="id_{form}_amount-error"' in text
    assert 'name="deposit_amount" size="9" value="3万" aria-invalid="true"' in text
    registration.refresh_from_db()
    assert registration.deposit_amount == Decimal("30000.00")
    assert shown_once(clerk, page)


def test_a_refused_registration_goes_back_to_the_public_page_it_was_made_on(sw):
    appraise(sw)
    disclose(sw)
    user, _company = sw.buyers[0]
    other = sw.buyers[1][1]
    client = browser(user)
    page = f"/audit/transactions/{sw.tx.code}/"
    response = client.post(f"/work/transactions/{sw.tx.code}/asset-sale/register/", {"company": other.pk})
    text = refused_to_page(client, response, page, anchor="form-register").content.decode()
    assert 'href="#id_register_company"' in text and 'id="id_register_company-error"' in text
    assert "you do not represent that company" in text
    assert not record(sw).registrations.exists()
    assert shown_once(client, page)


def test_a_bid_refused_without_javascript_is_shown_at_the_amount_on_the_live_page(sw):
    appraise(sw)
    disclose(sw)
    register(sw, 0)
    register(sw, 1)
    close_disclosure(sw)
    services.asset_start_auction(code=sw.tx.code, user=sw.world.clerk)
    (u0, c0), (u1, c1) = sw.buyers[:2]
    live = f"/live/{sw.tx.code}/"
    assert browser(u0).post(f"{live}bid/", {"company": c0.pk, "amount": "320000.00",
                                            "idempotency_key": "k1"}).status_code == 302
    client = browser(u1)
    response = client.post(f"{live}bid/", {"company": c1.pk, "amount": "321000.00", "idempotency_key": "k2"})
    text = refused_to_page(client, response, live, anchor="form-bid").content.decode()
    assert 'href="#amount"' in text and 'id="amount-error"' in text and "increment" in text
    assert re.search(r'id="amount" inputmode="decimal" value="321000.00" required aria-invalid="true"', text)
    assert Auction.objects.get(transaction=sw.tx).bid_count == 1
    assert shown_once(client, live)
    script = client.post(f"{live}bid/", {"company": c1.pk, "amount": "321000.00"}, HTTP_ACCEPT="application/json")
    assert script.status_code == 422 and script.json()["error"]["rule"] == "auction.increment"
