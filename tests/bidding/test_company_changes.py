"""What an administrator can do to a supplier, tried through the Django admin as an attacker
at the keyboard would (issue 8, findings 3 and 4):

* a sealed offer is bound to the identity it was submitted under: the credit code and
  name of a company with an offer not yet opened cannot be changed in the admin, and even
  changed behind the admin's back (in the database) the offer opens under, and the
  published record shows, the identity it arrived with;
* every change to a company or its representatives is ledgered (`company.changed`), by
  field name and account number, never the values;
* a representative added later sees and acts on the company's offers made since it joined
  only, and files no challenge in the company's name about a round whose deadline passed
  before it joined."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bidding.models import Bid, Challenge, Company, OpeningRecord
from bidding.models.companies import Representation
from tests.admin_forms import admin_form, inline_add, inline_row
from tests.bidding.test_sealed_support import recorded
from tests.trading.inquiry_world import (
    MONDAY,
    PRICES,
    form_group,
    issue_notice,
    make_inquiry_world,
    open_quotes,
    pass_deadline,
    submit_quote,
    uscc,
    walk,
)
from trading import clock
from trading.errors import RuleViolation
from trading.models import Transaction, User
from trading.procedures.inquiry import services
from trading.services.transitions import transaction_transition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NEW_CODE = uscc(42)
NEW_NAME = "示范县改名后电脑有限公司"


@pytest.fixture
def frozen():
    with clock.frozen_at(MONDAY):
        yield


@pytest.fixture
def quoting(frozen):
    """An inquiry at `quoting`; suppliers 0, 1 and 2 have quoted, supplier 3 has not."""
    iw = make_inquiry_world()
    form_group(iw)
    issue_notice(iw)
    iw.extra["bids"] = [submit_quote(iw, i, price) for i, price in enumerate(PRICES)]
    return iw


@pytest.fixture
def superuser():
    return User.objects.create_superuser("stationadmin", password="pw-for-tests-1", full_name="站管理员")


@pytest.fixture
def admin_client(superuser):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(superuser)
    return client


def change_url(company):
    return reverse("admin:bidding_company_change", args=[company.pk])


def post_change(client, company, **changes):
    data = {**admin_form(client, change_url(company)), **changes, "_save": "Save"}
    return client.post(change_url(company), data)


def company_entries(company):
    return recorded("company.changed", f"company:{company.pk}")


def web(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


# --- the identity a sealed offer is bound to ------------------------------------------------------

@pytest.mark.parametrize("field, value", [("uscc", NEW_CODE), ("name", NEW_NAME)])
def test_the_identity_of_a_company_with_an_unopened_offer_cannot_be_changed_in_the_admin(
        quoting, admin_client, field, value):
    _user, company = quoting.suppliers[0]
    before = len(company_entries(company))
    response = post_change(admin_client, company, **{field: value})
    assert response.status_code == 200  # the form again, with the error
    page = response.content.decode()
    assert "frozen" in page and quoting.tx.code in page and 'class="errorlist' in page
    assert getattr(Company.objects.get(pk=company.pk), field) == getattr(company, field)
    assert len(company_entries(company)) == before


def test_other_fields_change_and_the_ledger_names_the_field_not_the_value(quoting, admin_client, superuser):
    _user, company = quoting.suppliers[0]
    response = post_change(admin_client, company, contact_phone="0591-87650000")
    assert response.status_code == 302
    assert Company.objects.get(pk=company.pk).contact_phone == "0591-87650000"
    entry = company_entries(company)[-1]
    assert entry["data"] == {"changed": ["contact_phone"]}
    assert entry["actor"] == {"role": "administrator", "name": superuser.full_name}
    assert "87650000" not in json.dumps(entry, ensure_ascii=False)


def test_a_company_without_an_offer_is_not_frozen(quoting, admin_client):
    _user, company = quoting.suppliers[3]  # invited, has not quoted
    assert post_change(admin_client, company, name=NEW_NAME).status_code == 302
    assert Company.objects.get(pk=company.pk).name == NEW_NAME
    assert company_entries(company)[-1]["data"] == {"changed": ["name"]}


def test_after_the_opening_the_identity_changes_ledgered_and_the_record_keeps_the_submitted_one(
        quoting, admin_client):
    _user, company = quoting.suppliers[0]
    old_code, old_name = company.uscc, company.name
    pass_deadline(quoting)
    open_quotes(quoting)
    assert post_change(admin_client, company, uscc=NEW_CODE, name=NEW_NAME).status_code == 302
    assert Company.objects.get(pk=company.pk).uscc == NEW_CODE
    entry = company_entries(company)[-1]
    assert entry["data"] == {"changed": ["name", "uscc"]}
    assert NEW_CODE not in json.dumps(entry) and NEW_NAME not in json.dumps(entry, ensure_ascii=False)
    record = OpeningRecord.objects.get(bid__company=company)
    assert (record.bid.bidder_uscc, record.bid.bidder_name) == (old_code, old_name)
    page = Client().get(f"/bidding/openings/{quoting.tx.code}/").content.decode()
    assert old_code in page and NEW_CODE not in page and NEW_NAME not in page


def test_a_code_changed_behind_the_admin_s_back_does_not_make_the_offer_fail(quoting):
    """The attack: the code edited after the deadline, so that the envelope (sealed for
    the old code) would not match at the opening. Even done in the database, the opening
    opens the offer under the identity it arrived with, and publishes that identity."""
    _user, company = quoting.suppliers[0]
    old_code, old_name = company.uscc, company.name
    pass_deadline(quoting)
    Company.objects.filter(pk=company.pk).update(uscc=NEW_CODE, name=NEW_NAME)
    open_quotes(quoting)
    record = OpeningRecord.objects.get(bid__company=company)
    assert record.outcome == "opened" and str(record.price) == PRICES[0]
    [opened] = recorded("bids.opened", quoting.tx.code)
    [row] = [r for r in opened["data"]["records"] if r["commitment"] == record.bid.commitment]
    assert (row["uscc"], row["supplier"], row["outcome"]) == (old_code, old_name, "opened")
    for page in (Client().get(f"/bidding/openings/{quoting.tx.code}/").content.decode(),
                 json.dumps(APIClient().get(f"/api/v1/transactions/{quoting.tx.code}/opening/").json(),
                            ensure_ascii=False)):
        assert old_code in page and old_name in page and NEW_CODE not in page and NEW_NAME not in page


def test_a_company_whose_offer_can_never_be_opened_is_not_frozen(quoting, admin_client):
    """A round terminated before its opening (here by the clerk) leaves its offers
    unopened for good: they freeze nobody's identity."""
    _user, company = quoting.suppliers[0]
    transaction_transition(code=quoting.tx.code, action="terminate", user=quoting.world.clerk, reason="需求取消")
    assert Bid.objects.filter(company=company, status="live").exists()
    assert post_change(admin_client, company, name=NEW_NAME).status_code == 302
    assert Company.objects.get(pk=company.pk).name == NEW_NAME


def test_a_round_ended_for_too_few_quotes_and_restarted_frees_the_identity(frozen, superuser):
    iw = make_inquiry_world()
    form_group(iw)
    issue_notice(iw)
    submit_quote(iw, 0, "70000.00")
    submit_quote(iw, 1, "71000.00")
    assert pass_deadline(iw).stage == "terminated"
    transaction_transition(code=iw.tx.code, action="restart", user=iw.world.clerk)
    client = web(superuser)
    assert post_change(client, iw.suppliers[0][1], name=NEW_NAME).status_code == 302


# --- representatives ----------------------------------------------------------------------------

def add_representative(client, company, user):
    data = inline_add(admin_form(client, change_url(company)), "representations", user=user.pk,
                      company=company.pk)
    return client.post(change_url(company), {**data, "_save": "Save"})


def remove_representative(client, company, user):
    data = admin_form(client, change_url(company))
    row = inline_row(data, "representations", "user", user.pk)
    return client.post(change_url(company), {**data, f"representations-{row}-DELETE": "on", "_save": "Save"})


def test_adding_and_removing_a_representative_is_ledgered_without_personal_data(quoting, admin_client, superuser):
    _user, company = quoting.suppliers[3]
    newcomer = quoting.suppliers[2][0]
    assert add_representative(admin_client, company, newcomer).status_code == 302
    assert Representation.objects.filter(company=company, user=newcomer).exists()
    added = company_entries(company)[-1]
    assert added["subject"] == f"company:{company.pk}"
    assert added["data"] == {"representative": "added", "user": f"user:{newcomer.pk}"}
    assert added["actor"] == {"role": "administrator", "name": superuser.full_name}
    assert remove_representative(admin_client, company, newcomer).status_code == 302
    assert not Representation.objects.filter(company=company, user=newcomer).exists()
    assert company_entries(company)[-1]["data"] == {"representative": "removed", "user": f"user:{newcomer.pk}"}
    text = json.dumps(company_entries(company), ensure_ascii=False)
    assert newcomer.username not in text and newcomer.full_name not in text


def test_the_administrator_adding_himself_sees_none_of_the_company_s_earlier_offer(quoting, admin_client, superuser):
    original, company = quoting.suppliers[0]
    bid = quoting.extra["bids"][0]
    clock.advance(timedelta(minutes=5))
    assert add_representative(admin_client, company, superuser).status_code == 302
    assert company_entries(company)[-1]["data"] == {"representative": "added", "user": f"user:{superuser.pk}"}
    code = quoting.tx.code

    def seen_by(user) -> dict:
        client, rest = web(user), api(user)
        return {
            "quote list": bid.commitment[:16] in client.get("/bidding/quotes/").content.decode()
            or "received " in client.get("/bidding/quotes/").content.decode(),
            "quote page": bid.commitment[:16] in client.get(f"/bidding/quotes/{code}/?company={company.pk}")
            .content.decode(),
            "receipt page": client.get(f"/bidding/quotes/{code}/receipt/?company={company.pk}").status_code == 200,
            "receipt file": client.get(f"/bidding/quotes/{code}/receipt.txt?company={company.pk}").status_code
            == 200,
            "transaction page": bid.commitment[:16] in client.get(f"/work/transactions/{code}/").content.decode(),
            "api mine": [q["commitment"] for q in rest.get(f"/api/v1/transactions/{code}/quotes/mine/").json()]
            == [bid.commitment],
            "api receipt": rest.get(f"/api/v1/transactions/{code}/quotes/mine/receipt/",
                                    {"commitment": bid.commitment}).status_code == 200,
        }

    assert seen_by(original) == dict.fromkeys(seen_by(original), True)  # the control
    assert seen_by(superuser) == dict.fromkeys(seen_by(superuser), False)


def test_a_representative_added_later_neither_quotes_again_nor_learns_when_the_offer_came(quoting, admin_client,
                                                                                         superuser):
    original, company = quoting.suppliers[0]
    bid = quoting.extra["bids"][0]
    clock.advance(timedelta(minutes=5))
    assert add_representative(admin_client, company, superuser).status_code == 302
    quoting.suppliers[0] = (superuser, company)
    with pytest.raises(RuleViolation) as refused:
        submit_quote(quoting, 0, "1.00")
    assert refused.value.rule == "sealed.represented_at_offer"
    received = bid.received_at.astimezone(timezone.get_current_timezone())
    assert received.strftime("%H:%M") not in refused.value.message
    assert list(Bid.objects.filter(company=company).values_list("commitment", flat=True)) == [bid.commitment]
    quoting.suppliers[0] = (original, company)
    with pytest.raises(RuleViolation) as again:  # the one who quoted is told the one-quote rule
        submit_quote(quoting, 0, "1.00")
    assert again.value.rule == "sealed.one_quote"


def test_a_representative_added_after_the_deadline_files_no_challenge_in_the_company_s_name(frozen, superuser):
    iw = make_inquiry_world()
    tx = walk(iw, "published")
    original, company = iw.suppliers[0]  # not awarded (76 500.00 against 74 800.00)
    assert add_representative(web(superuser), company, superuser).status_code == 302
    with pytest.raises(RuleViolation) as refused:
        services.challenge_file(code=tx.code, user=superuser, company=company, text="成交供应商的显示器不符合参数要求")
    assert refused.value.rule == "challenge.represented_at_deadline"
    assert "2026-12-10 09:00" in refused.value.message  # the deadline it was measured against
    response = api(superuser).post(f"/api/v1/transactions/{tx.code}/inquiry/challenges/",
                                   {"company": company.pk, "text": "再次质疑"}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["details"]["rule"] == "challenge.represented_at_deadline"
    assert not Challenge.objects.exists() and not recorded("challenge.filed")
    # The representative it had at the deadline still can.
    services.challenge_file(code=tx.code, user=original, company=company, text="成交供应商的显示器不符合参数要求")
    assert Challenge.objects.get().filed_by == original
    assert Transaction.objects.get(pk=tx.pk).stage == "result_published"
