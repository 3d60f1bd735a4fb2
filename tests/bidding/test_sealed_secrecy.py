"""The secrecy matrix of sealed quotes: viewer (bidder A, bidder B, the clerk, the
supervisor, the public, an expert) x moment (before the deadline, quotes closed, quotes
opened) x every page and API endpoint that could tell (names, count, prices).

Until the deadline nobody but a supplier itself learns who quoted or how many; between
the deadline and the opening the count and the commitments are public (bids.closed) but
not who or at what price; after the opening the record (supplier, price, commitment,
outcome) is public. Prices are never readable before the opening, not even to the
supplier that sent them: the server keeps none readable."""

import html
import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.factories import force_stage
from trading import clock
from trading.models import Role

from .test_sealed_support import AFTER, BEFORE, fast_scrypt, quoting_round  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db
PRICES = {"A": "76543.21", "B": "71234.56"}
VIEWERS = ("bidder_a", "bidder_b", "clerk", "supervisor", "public", "expert")


@pytest.fixture
def scene(sequenced):
    """Suppliers A, B and C invited; A quotes on the web page, B through the API; C does not."""
    r = quoting_round()
    (a, a_user), (b, b_user), (c, _c_user) = r.suppliers
    with clock.frozen_at(BEFORE):
        web = Client()
        web.force_login(a_user)
        url = f"/bidding/quotes/{r.tx.code}/"
        key = web.get(url).context["idempotency_key"]
        assert web.post(url, {"price": PRICES["A"], "understood": "yes", "idempotency_key": key,
                              "company": a.pk}).status_code == 302
    quote_b = r.submit(1, envelope=r.seal(1, PRICES["B"]))
    users = {"bidder_a": a_user, "bidder_b": b_user, "clerk": r.world.clerk, "supervisor": r.world.supervisor,
             "public": None, "expert": r.world.expert}
    from bidding.models import Bid

    return {"round": r, "users": users, "sequenced": sequenced,
            "companies": {"A": a, "B": b, "C": c},
            "commitments": {"A": Bid.objects.get(company=a).commitment, "B": quote_b.commitment}}


def endpoints(s) -> list[str]:
    code = s["round"].tx.code
    a, b = s["companies"]["A"].pk, s["companies"]["B"].pk
    commitment = s["commitments"]["A"]
    return [
        "/", "/work/", "/notices/", "/audit/", f"/audit/transactions/{code}/", f"/work/transactions/{code}/",
        "/bidding/quotes/", f"/bidding/quotes/{code}/", f"/bidding/quotes/{code}/?company={a}",
        f"/bidding/quotes/{code}/?company={b}",
        f"/bidding/quotes/{code}/receipt/?company={a}", f"/bidding/quotes/{code}/receipt.txt?company={b}",
        f"/bidding/opening/{code}/", f"/bidding/openings/{code}/",
        f"/api/v1/transactions/{code}/", f"/api/v1/transactions/{code}/inquiry/",
        f"/api/v1/transactions/{code}/opening/", f"/api/v1/transactions/{code}/opening-key/",
        f"/api/v1/transactions/{code}/quotes/mine/",
        f"/api/v1/transactions/{code}/quotes/mine/receipt/?commitment={commitment}",
        "/ledger/entries?start=0",
    ]


def seen_by(s, viewer) -> dict[str, str]:
    """What `viewer` reads at every endpoint (HTML unescaped, JSON as text)."""
    user = s["users"][viewer]
    client = Client()
    headers = {}
    if user is not None:
        client.force_login(user)
        headers["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    s["sequenced"]()
    pages = {}
    for url in endpoints(s):
        response = client.get(url, **(headers if url.startswith("/api/") else {}))
        assert response.status_code < 500, (viewer, url, response.status_code)
        text = response.content.decode("utf-8", "replace")
        if response.get("Content-Type", "").split(";")[0] == "application/json":
            text = json.dumps(json.loads(text), ensure_ascii=False)
        # A page may repeat the address asked for (a 404 says what was not found): not a leak.
        pages[url] = html.unescape(text).replace(url, "")
    return pages


def own_letter(viewer):
    return {"bidder_a": "A", "bidder_b": "B"}.get(viewer)


def secrets_of(s, letter) -> list[str]:
    company = s["companies"][letter]
    found = [company.name, company.uscc]
    if letter in s["commitments"]:
        found.append(s["commitments"][letter])
    return found


def price_texts(letter) -> list[str]:
    price = PRICES[letter]
    whole, cents = price.split(".")
    return [price, f"{int(whole):,}.{cents}"]


def leaks(pages, needles):
    return [(url, needle) for url, text in pages.items() for needle in needles if needle in text]


def test_before_the_deadline_nobody_but_the_supplier_learns_who_quoted_or_how_many(scene):
    with clock.frozen_at(BEFORE):
        for viewer in VIEWERS:
            pages = seen_by(scene, viewer)
            hidden = [x for letter in "ABC" if letter != own_letter(viewer) for x in secrets_of(scene, letter)]
            hidden += [p for letter in "AB" for p in price_texts(letter)]
            assert leaks(pages, hidden) == [], viewer
            opening = json.loads(pages[f"/api/v1/transactions/{scene['round'].tx.code}/opening/"])
            assert (opening["closed"], opening["openings"]) == (None, []), viewer
            inquiry = pages[f"/api/v1/transactions/{scene['round'].tx.code}/inquiry/"]
            if inquiry.startswith("{") and "quote_count" in inquiry:
                assert json.loads(inquiry)["quote_count"] is None, viewer
            mine = pages[f"/api/v1/transactions/{scene['round'].tx.code}/quotes/mine/"]
            if own_letter(viewer):  # a supplier sees its own quote and receipt
                assert scene["commitments"][own_letter(viewer)] in mine
    # ...and the ledger has nothing about the quotes.
    entries = seen_by(scene, "public")["/ledger/entries?start=0"]
    assert "bids." not in entries and scene["companies"]["A"].name not in entries


def test_after_the_deadline_the_count_and_commitments_are_public_but_not_who_or_at_what_price(scene):
    scene["round"].close()
    with clock.frozen_at(AFTER):
        for viewer in VIEWERS:
            pages = seen_by(scene, viewer)
            hidden = [x for letter in "ABC" if letter != own_letter(viewer)
                      for x in secrets_of(scene, letter)[:2]]  # names and codes
            hidden += [p for letter in "AB" for p in price_texts(letter)]
            assert leaks(pages, hidden) == [], viewer
            record = pages[f"/bidding/openings/{scene['round'].tx.code}/"]
            assert all(c in record for c in scene["commitments"].values()), viewer
            opening = json.loads(pages[f"/api/v1/transactions/{scene['round'].tx.code}/opening/"])
            assert opening["closed"]["count"] == 2 and opening["openings"] == [], viewer


def test_after_the_opening_everyone_reads_the_opening_record(scene):
    r = scene["round"]
    r.close()
    r.open(Role.CLERK, Role.PURCHASER)
    r.tx = force_stage(r.tx, "opened")
    with clock.frozen_at(AFTER):
        for viewer in VIEWERS:
            pages = seen_by(scene, viewer)
            record = pages[f"/bidding/openings/{r.tx.code}/"] + pages[f"/api/v1/transactions/{r.tx.code}/opening/"]
            for letter in "AB":
                assert all(x in record for x in secrets_of(scene, letter)), viewer
                assert any(p in record for p in price_texts(letter)), viewer


def test_a_procedure_suspended_before_the_deadline_still_hides_how_many_quoted(scene):
    from trading.services.transitions import transaction_transition

    r = scene["round"]
    with clock.frozen_at(BEFORE):
        transaction_transition(code=r.tx.code, action="suspend", user=r.world.supervisor, reason="接到举报")
        for viewer in ("clerk", "supervisor"):
            inquiry = json.loads(seen_by(scene, viewer)[f"/api/v1/transactions/{r.tx.code}/inquiry/"])
            assert inquiry["quote_count"] is None, viewer
