"""The pages of sealed quotes, as a browser without JavaScript uses them: a custodian sets
its passphrase, a bidder quotes and gets its receipt (no company identifier in any path),
the custodians open the quotes on the clerk's page with their shares, and anyone reads the
opening record."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import translation

from bidding.models import Bid, CustodianKey, OpeningRecord
from tests.factories import make_world
from tests.refusals import refused_to_page, shown_once
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


@pytest.mark.parametrize("passphrase, confirm, field, says", [
    ("river stone quietly 58", "river stone quietly 59", "confirm", b"the two passphrases differ"),
    ("password123", "password123", "passphrase", b"custodian passphrase must be strong"),
])
def test_a_refused_passphrase_says_why_and_is_not_shown_again(passphrase, confirm, field, says):
    world = make_world()
    client = client_for(world.clerk)
    response = client.post("/bidding/custodian/key/", {"passphrase": passphrase, "confirm": confirm})
    page = refused_to_page(client, response, "/bidding/custodian/key/", anchor="form-custodian_key")
    assert says in page.content and f'id="id_{field}-error"'.encode() in page.content
    assert passphrase.encode() not in page.content
    assert passphrase not in str(client.session.items())  # never kept for the page
    assert shown_once(client, "/bidding/custodian/key/")
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
        url = f"/bidding/quotes/{r.tx.code}/"
        page = client.get(url)
        assert page.status_code == 200
        # The countdown: from the server's time, and readable without JavaScript.
        assert b'data-remaining-ms="7200000"' in page.content and b"02:00:00" in page.content
        assert b"python -m bidding.seal" in page.content
        key = page.context["idempotency_key"]
        form = {"price": "76500.00", "understood": "yes", "idempotency_key": key, "company": company.pk}
        response = client.post(url, form)
        assert response.status_code == 302 and response["Location"].endswith(f"/receipt/?company={company.pk}")
        assert company.uscc not in response["Location"]
        again = client.post(url, form)
        assert again.status_code == 302  # the same form sent twice: the same quote
    quote = Bid.objects.get()
    receipt = client.get(response["Location"])
    assert quote.receipt.encode() in receipt.content.replace(b"&#x27;", b"'")
    download = client.get(f"/bidding/quotes/{r.tx.code}/receipt.txt", {"company": company.pk})
    assert download["Content-Type"].startswith("text/plain") and "attachment" in download["Content-Disposition"]
    assert download.content == quote.receipt.encode()
    assert b"76500" not in receipt.content and b"76500" not in download.content


def test_the_quote_form_asks_to_confirm_and_never_keeps_the_price():
    """The price typed is not kept anywhere on the server for the page (the session is in
    the database): the refused form says to type it again."""
    r = quoting_round()
    company, user = r.suppliers[0]
    client = client_for(user)
    with clock.frozen_at(BEFORE):
        response = client.post(f"/bidding/quotes/{r.tx.code}/",
                               {"price": "81234.56", "idempotency_key": "k", "company": company.pk})
        assert "81234" not in str(client.session.items())
        page = refused_to_page(client, response, f"/bidding/quotes/{r.tx.code}/", anchor="form-quote")
    assert b"cannot be changed" in page.content and b'id="id_understood-error"' in page.content
    assert b"81234" not in page.content and b"Type the price again" in page.content
    assert not Bid.objects.exists()


def test_a_late_quote_on_the_page_is_refused_by_the_server_clock():
    r = quoting_round()
    company, user = r.suppliers[0]
    client = client_for(user)
    with clock.frozen_at(BEFORE):
        key = client.get(f"/bidding/quotes/{r.tx.code}/").context["idempotency_key"]
    with clock.frozen_at(DEADLINE + timedelta(microseconds=1)):
        response = client.post(f"/bidding/quotes/{r.tx.code}/", {"price": "76500.00", "understood": "yes",
                                                                  "idempotency_key": key, "company": company.pk})
        page = refused_to_page(client, response, f"/bidding/quotes/{r.tx.code}/")
        assert b"has passed; received at" in page.content
    assert b"Seal and submit" not in page.content and b"the deadline has passed" in page.content


def test_a_supplier_not_invited_or_not_represented_gets_no_quote_page():
    r = quoting_round()
    company, _user = r.suppliers[0]
    _other, other_user = r.suppliers[1]
    with clock.frozen_at(BEFORE):
        url = f"/bidding/quotes/{r.tx.code}/"
        assert client_for(other_user).get(url, {"company": company.pk}).status_code == 404
        assert client_for(r.world.clerk).get(url).status_code == 404
        assert client_for(r.suppliers[0][1]).get("/bidding/quotes/JY-1999-0001/").status_code == 404
        assert client_for(r.suppliers[0][1]).get(url, {"company": "x"}).status_code == 404
        # Nor can it post for another company than its own.
        forged = client_for(other_user).post(url, {"price": "1.00", "understood": "yes", "idempotency_key": "k",
                                                   "company": company.pk})
        assert forged.status_code == 404 and not Bid.objects.exists()


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
        assert f'name="share_{r.world.purchaser.pk}"'.encode() in page.content
        # The passphrase fields have no name: a browser never sends them to the server.
        assert b'name="passphrase' not in page.content
        wrong = client.post(f"/bidding/opening/{r.tx.code}/", {
            "expected_stage": "quotes_closed", f"share_{r.world.clerk.pk}": r.share(Role.CLERK)[1].hex(),
            f"share_{r.world.purchaser.pk}": "ab" * 33})
        shown = refused_to_page(client, wrong, f"/bidding/opening/{r.tx.code}/", anchor="form-opening")
        assert "张伟".encode() in shown.content
        assert r.share(Role.CLERK)[1].hex() not in str(client.session.items())  # shares are never kept
        assert not OpeningRecord.objects.exists()
        response = client.post(f"/bidding/opening/{r.tx.code}/", {
            "expected_stage": "quotes_closed", f"share_{r.world.clerk.pk}": r.share(Role.CLERK)[1].hex(),
            f"share_{r.world.purchaser.pk}": r.share(Role.PURCHASER)[1].hex()})
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


def test_a_custodian_signs_in_on_the_clerks_device_to_receive_its_share_bundle():
    from bidding import crypto

    r = quoting_round()
    r.close()
    client = client_for(r.world.clerk)
    url = f"/bidding/opening/{r.tx.code}/bundle/"
    with clock.frozen_at(AFTER):
        refused = client.post(url, {"custodian": r.world.supervisor.pk, "password": "not the password"})
        assert refused.status_code == 400 and "error" in refused.json()
        answer = client.post(url, {"custodian": r.world.supervisor.pk, "password": "pw-for-tests-1"})
        assert answer.status_code == 200
        assert answer.json()["label"] == f"user:{r.world.supervisor.pk}"
        # The bundle opens with the custodian's passphrase on the custodian's side only.
        share = crypto.open_share_with_passphrase(crypto.parse_bundle(answer.content), PASSPHRASES[Role.SUPERVISOR])
        assert share == r.share(Role.SUPERVISOR)[1]
        assert PASSPHRASES[Role.SUPERVISOR].encode() not in answer.content
        not_custodian = client.post(url, {"custodian": r.world.bidder.pk, "password": "pw-for-tests-1"})
        assert not_custodian.status_code == 403
        assert client_for(r.world.supervisor).post(url, {"custodian": r.world.supervisor.pk,
                                                         "password": "pw-for-tests-1"}).status_code == 404


def test_a_custodian_downloads_its_own_bundle_once_the_quotes_are_closed():
    r = quoting_round()
    client = client_for(r.world.purchaser)
    url = f"/bidding/custodian/bundle/{r.tx.code}/"
    with clock.frozen_at(BEFORE):
        assert client.get(url).status_code == 404
    r.close()
    with clock.frozen_at(AFTER):
        response = client.get(url)
        assert response.status_code == 200 and response.json()["index"] == 3
        assert client_for(r.world.bidder).get(url).status_code == 404
