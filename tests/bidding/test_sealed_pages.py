"""The pages of sealed quotes, as a browser without JavaScript uses them: a custodian sets
its passphrase, a bidder quotes and gets its receipt, the custodians open the quotes on
the clerk's page, and anyone reads the opening record."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import translation

from bidding.models import CustodianKey, OpeningRecord, Quote
from tests.factories import make_world
from trading import clock
from trading.models import Role

from .test_sealed_support import (  # noqa: F401  (fast_scrypt: autouse fixture)
    AFTER,
    BEFORE,
    DEADLINE,
    PASSPHRASES,
    fast_scrypt,
    quoting_round,
)

pytestmark = pytest.mark.django_db


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


# --- my custodian key ----------------------------------------------------------------------------

def test_a_supervisor_reads_what_the_key_protects_and_sets_its_passphrase():
    world = make_world()
    client = client_for(world.supervisor)
    page = client.get("/bidding/custodian/key/")
    assert page.status_code == 200
    assert b"What it protects" in page.content and b"Never tell your passphrase" in page.content
    response = client.post("/bidding/custodian/key/", {"passphrase": PASSPHRASES[Role.SUPERVISOR],
                                                       "confirm": PASSPHRASES[Role.SUPERVISOR]})
    assert response.status_code == 302
    assert CustodianKey.objects.filter(user=world.supervisor).exists()
    page = client.get("/bidding/custodian/key/")
    assert b"Fingerprint" in page.content and PASSPHRASES[Role.SUPERVISOR].encode() not in page.content


@pytest.mark.parametrize("passphrase, confirm, status, says", [
    ("river stone quietly 58", "river stone quietly 59", 400, b"the two passphrases differ"),
    ("password123", "password123", 422, b"custodian passphrase must be strong"),
])
def test_a_refused_passphrase_says_why_and_is_not_shown_again(passphrase, confirm, status, says):
    world = make_world()
    response = client_for(world.clerk).post("/bidding/custodian/key/", {"passphrase": passphrase,
                                                                         "confirm": confirm})
    assert response.status_code == status and says in response.content
    assert passphrase.encode() not in response.content
    assert not CustodianKey.objects.filter(user=world.clerk).exists()


def test_a_bidder_has_no_custodian_key():
    world = make_world()
    response = client_for(world.bidder).get("/bidding/custodian/key/")
    assert response.status_code == 403 and b"You hold none of these roles" in response.content
    assert client_for().get("/bidding/custodian/key/").status_code == 302  # to the login page


# --- a bidder quotes ---------------------------------------------------------------------------------

def test_a_bidder_sees_its_invitation_quotes_and_downloads_its_receipt():
    r = quoting_round()
    company, user = r.suppliers[0]
    client = client_for(user)
    with clock.frozen_at(BEFORE):
        listing = client.get("/bidding/quotes/")
        assert r.tx.code.encode() in listing.content and company.name.encode() in listing.content
        url = f"/bidding/quotes/{r.tx.code}/{company.uscc}/"
        page = client.get(url)
        assert page.status_code == 200
        # The countdown: from the server's time, and readable without JavaScript.
        assert b'data-remaining-ms="7200000"' in page.content and b"02:00:00" in page.content
        assert b"python -m bidding.seal" in page.content
        key = page.context["idempotency_key"]
        response = client.post(url, {"price": "76500.00", "understood": "yes", "idempotency_key": key})
        assert response.status_code == 302 and response["Location"].endswith("/receipt/")
        again = client.post(url, {"price": "76500.00", "understood": "yes", "idempotency_key": key})
        assert again.status_code == 302  # the same form sent twice: the same quote
    quote = Quote.objects.get()
    receipt = client.get(response["Location"])
    assert quote.receipt.encode() in receipt.content.replace(b"&#x27;", b"'")
    download = client.get(f"/bidding/quotes/{r.tx.code}/{company.uscc}/receipt.txt")
    assert download["Content-Type"].startswith("text/plain") and "attachment" in download["Content-Disposition"]
    assert download.content == quote.receipt.encode()
    assert b"76500" not in receipt.content and b"76500" not in download.content


def test_the_quote_form_asks_to_confirm_and_keeps_what_was_typed():
    r = quoting_round()
    company, user = r.suppliers[0]
    with clock.frozen_at(BEFORE):
        response = client_for(user).post(f"/bidding/quotes/{r.tx.code}/{company.uscc}/",
                                         {"price": "76500.00", "idempotency_key": "k"})
    assert response.status_code == 400 and b"cannot be changed" in response.content
    assert b'value="76500.00"' in response.content
    assert not Quote.objects.exists()


def test_a_late_quote_on_the_page_is_refused_by_the_server_clock():
    r = quoting_round()
    company, user = r.suppliers[0]
    client = client_for(user)
    with clock.frozen_at(BEFORE):
        key = client.get(f"/bidding/quotes/{r.tx.code}/{company.uscc}/").context["idempotency_key"]
    with clock.frozen_at(DEADLINE + timedelta(microseconds=1)):
        response = client.post(f"/bidding/quotes/{r.tx.code}/{company.uscc}/",
                               {"price": "76500.00", "understood": "yes", "idempotency_key": key})
        assert response.status_code == 422 and b"has passed; received at" in response.content
        page = client.get(f"/bidding/quotes/{r.tx.code}/{company.uscc}/")
    assert b"Seal and submit" not in page.content and b"the deadline has passed" in page.content


def test_a_supplier_not_invited_or_not_represented_gets_no_quote_page():
    r = quoting_round()
    company, _user = r.suppliers[0]
    _other, other_user = r.suppliers[1]
    with clock.frozen_at(BEFORE):
        assert client_for(other_user).get(f"/bidding/quotes/{r.tx.code}/{company.uscc}/").status_code == 404
        assert client_for(r.world.clerk).get(f"/bidding/quotes/{r.tx.code}/{company.uscc}/").status_code == 404
        assert client_for(r.suppliers[0][1]).get(f"/bidding/quotes/JY-1999-0001/{company.uscc}/").status_code == 404


# --- the opening -------------------------------------------------------------------------------------

def test_the_custodians_open_the_quotes_on_the_clerks_page():
    r = quoting_round()
    for i, price in enumerate(("76500.00", "74980.50", "77210.00")):
        r.submit(i, price)
    r.close()
    client = client_for(r.world.clerk)
    with clock.frozen_at(AFTER):
        page = client.get(f"/bidding/opening/{r.tx.code}/")
        assert page.status_code == 200 and b"Open the quotes" in page.content
        assert f'name="passphrase_{r.world.purchaser.pk}"'.encode() in page.content
        wrong = client.post(f"/bidding/opening/{r.tx.code}/", {
            "expected_stage": "quotes_closed", f"passphrase_{r.world.clerk.pk}": PASSPHRASES[Role.CLERK],
            f"passphrase_{r.world.purchaser.pk}": "wrong wrong wrong 1"})
        assert wrong.status_code == 422 and "张伟".encode() in wrong.content
        assert not OpeningRecord.objects.exists()
        response = client.post(f"/bidding/opening/{r.tx.code}/", {
            "expected_stage": "quotes_closed", f"passphrase_{r.world.clerk.pk}": PASSPHRASES[Role.CLERK],
            f"passphrase_{r.world.purchaser.pk}": PASSPHRASES[Role.PURCHASER]})
    assert response.status_code == 302 and response["Location"] == f"/bidding/openings/{r.tx.code}/"
    assert OpeningRecord.objects.filter(outcome="opened").count() == 3
    record = client_for().get(response["Location"])
    for (company, _u), price in zip(r.suppliers, ("76,500.00", "74,980.50", "77,210.00"), strict=True):
        assert company.name.encode() in record.content and price.encode() in record.content


def test_the_opening_page_is_the_station_clerks():
    r = quoting_round()
    r.close()
    for user in (r.world.supervisor, r.world.purchaser, r.world.other_clerk, r.suppliers[0][1]):
        assert client_for(user).get(f"/bidding/opening/{r.tx.code}/").status_code == 404


def test_a_failed_envelope_shows_its_translated_reason_on_the_public_record():
    r = quoting_round()
    r.submit(0, envelope=r.seal(0, "100.00", supplier="91320100000000001X"))
    r.close()
    r.open()
    with translation.override("en"):
        page = client_for().get(f"/bidding/openings/{r.tx.code}/")
    assert b"did not decrypt" in page.content and b"names another supplier" in page.content
