"""Bad input, at every inquiry step where a user types or posts something: through the API
and through the pages, each refused with a clear error (never a 500), and nothing already
saved is lost (the stage stays where it was).

The values are what a careless or hostile client sends: words for numbers, negative,
zero and huge record numbers (beyond any database integer), fractions, lists for scalars,
control characters and lone surrogates in text, text far beyond its limit."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from bidding.models import Challenge, OpeningRecord, PanelMember
from tests.refusals import refused_to_page
from tests.trading.inquiry_world import (
    MONDAY,
    PASSPHRASES,
    custodian_share,
    form_group,
    issue_notice,
    make_inquiry_world,
    pass_deadline,
    settle,
    submit_quote,
    walk,
)
from trading import clock, workdays
from trading.models import Transaction
from trading.procedures.inquiry import services
from trading.procedures.inquiry.models import InquiryRound

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HUGE = 2**70  # beyond SQLite's and PostgreSQL's integers
BAD_IDS = ["abc", -1, 0, HUGE, str(HUGE), "1.5", 1.5, True, None, [], {}, "1; DROP TABLE x", "\x00"]
BAD_ID_TEXT = ["abc", "-1", "0", str(HUGE), "1.5", "", " ", "1e3", "\x00", "٣"]  # as a form posts them
BAD_TEXT = ["", "   ", "a\x00b", "\x07", "\ud800", "x" * 100_001, [], {}, None]


@pytest.fixture
def iw():
    with clock.frozen_at(MONDAY):
        yield make_inquiry_world()


class Recording(APIClient):
    """An API client that remembers what it sent last, for the failure messages."""

    def post(self, path, data=None, format=None, **kwargs):
        self.sent = (path, repr(data)[-300:])
        if format == "json":  # by hand: the test client's own encoder cannot write "\ud800"
            data, kwargs["content_type"] = json.dumps(data), "application/json"
        response = super().post(path, data, **kwargs)
        response.sent = self.sent
        return response


def api(user):
    c = Recording(HTTP_ACCEPT_LANGUAGE="en")
    c.force_authenticate(user)
    return c


def browser(user):
    c = Client()
    c.force_login(user)
    c.cookies["django_language"] = "en"
    return c


def stage_of(iw):
    return Transaction.objects.get(pk=iw.tx.pk).stage


def refused(response):
    """A 4xx answer with a JSON error that says something."""
    assert 400 <= response.status_code < 500, (getattr(response, "sent", None), response.status_code,
                                               response.content[:3000])
    body = response.json()
    assert body["error"]["message"].strip(), body
    return body


def page_refused(client, response):
    """The form's page again (303 to it: Post/Redirect/Get) with the reason shown at the top,
    a NUL refused at the door (trading.middleware), or a 404: never a 500, never a silent
    success."""
    assert response.status_code in (303, 400, 404), (response.status_code, response.content[-3000:])
    if response.status_code == 303:
        refused_to_page(client, response)
    elif response.status_code == 400:
        assert b"NUL" in response.content and b'role="alert"' in response.content, response.content[-3000:]


def each(valid, field, values):
    for value in values:
        yield value, {**valid, field: value}


# --- through the API ------------------------------------------------------------------------------

def test_api_draw_and_group_refuse_bad_numbers_and_records(iw):
    clerk = api(iw.world.clerk)
    base = f"/api/v1/transactions/{iw.tx.code}/inquiry"
    for _value, payload in each({"purpose": "experts", "count": 3}, "count", BAD_IDS + [100, "3 experts"]):
        body = refused(clerk.post(f"{base}/draws/", payload, format="json"))
        assert "count" in body["error"]["message"] or "NUL" in body["error"]["message"], (payload, body)
    for _value, payload in each({"purpose": "experts", "count": 3}, "purpose", ["", "x", None, 5, []]):
        refused(clerk.post(f"{base}/draws/", payload, format="json"))
    assert stage_of(iw) == "registered"

    services.inquiry_announce_expert_draw(code=iw.tx.code, user=iw.world.clerk, count=3)
    settle()
    for value in [v for v in BAD_IDS if v != []] + [[v] for v in BAD_IDS if not isinstance(v, list)] + [[12345678]]:
        body = refused(clerk.post(f"{base}/group/", {"purchaser_reps": value}, format="json"))
        message = body["error"]["message"]
        assert "purchaser_reps" in message or "representative" in message or "NUL" in message, (value, body)
    assert stage_of(iw) == "registered"
    # The purchaser named twice is one representative: 3 experts + 1 = 4, an even group.
    refused(clerk.post(f"{base}/group/", {"purchaser_reps": [iw.world.purchaser.pk] * 2}, format="json"))
    assert stage_of(iw) == "registered"


def test_api_notice_refuses_bad_records_and_text(iw):
    form_group(iw)
    clerk = api(iw.world.clerk)
    url = f"/api/v1/transactions/{iw.tx.code}/inquiry/notice/"
    deadline = workdays.earliest_deadline(clock.now(), 3) + timedelta(hours=9)
    valid = {"deadline": deadline.isoformat(), "price_composition": "含税", "award_criterion": "最低价",
             "invitees": [c.pk for _u, c in iw.suppliers], "supervisor": iw.world.supervisor.pk,
             "purchaser_rep": iw.world.purchaser.pk}
    for field in ("supervisor", "purchaser_rep"):
        for _value, payload in each(valid, field, BAD_IDS + [12345678]):
            body = refused(clerk.post(url, payload, format="json"))
            message = body["error"]["message"]
            assert field in message or "custodian" in message or "NUL" in message, (payload, body)
    for value in BAD_IDS + [[v] for v in BAD_IDS if not isinstance(v, list)]:
        refused(clerk.post(url, {**valid, "invitees": value}, format="json"))
    # An unknown company among the invited is named, not silently left out.
    body = refused(clerk.post(url, {**valid, "invitees": valid["invitees"] + [12345678]}, format="json"))
    assert "12345678" in body["error"]["message"], body
    for field in ("price_composition", "award_criterion"):
        for _value, payload in each(valid, field, BAD_TEXT):
            refused(clerk.post(url, payload, format="json"))
    for _value, payload in each(valid, "deadline", ["", "tomorrow", "2026-13-40T25:00", 5, None, []]):
        refused(clerk.post(url, payload, format="json"))
    assert stage_of(iw) == "group_formed"


def test_api_assessment_report_challenge_and_answer_refuse_bad_input(iw):
    walk(iw, "opened")
    member = PanelMember.objects.filter(transaction=iw.tx).first()
    expert = api(member.user)
    base = f"/api/v1/transactions/{iw.tx.code}/inquiry"
    commitment = OpeningRecord.objects.filter(opening__bid_round__transaction=iw.tx).first().bid.commitment
    valid = {"commitment": commitment, "responsive": True, "reason": "满足需求"}
    for _value, payload in each(valid, "commitment", ["", "0" * 64, "zz", None, [], 5, "\x00" * 64]):
        refused(expert.post(f"{base}/assessments/", payload, format="json"))
    for _value, payload in each(valid, "responsive", ["maybe", None, [], {}, 2]):
        refused(expert.post(f"{base}/assessments/", payload, format="json"))
    for _value, payload in each(valid, "reason", BAD_TEXT):
        refused(expert.post(f"{base}/assessments/", payload, format="json"))
    for value in ["a\x00b", "\ud800", "x" * 100_001, [], {}, 5]:
        refused(expert.post(f"{base}/report/", {"dissent": value}, format="json"))
    assert stage_of(iw) == "opened"

    iw.tx = walk_on_to_published(iw)
    user, company = iw.suppliers[0]
    supplier = api(user)
    for _value, payload in each({"company": company.pk, "text": "有异议"}, "company", BAD_IDS + [12345678]):
        refused(supplier.post(f"{base}/challenges/", payload, format="json"))
    for _value, payload in each({"company": company.pk, "text": "有异议"}, "text", BAD_TEXT):
        refused(supplier.post(f"{base}/challenges/", payload, format="json"))
    assert not Challenge.objects.filter(transaction=iw.tx).exists()
    services.challenge_file(code=iw.tx.code, user=user, company=company, text="有异议")
    clerk = api(iw.world.clerk)
    challenge = Challenge.objects.get(transaction=iw.tx)
    for value in BAD_TEXT:
        refused(clerk.post(f"{base}/challenges/{challenge.pk}/answer/", {"answer": value}, format="json"))
    refused(clerk.post(f"{base}/challenges/{HUGE}/answer/", {"answer": "维持"}, format="json"))
    assert not Challenge.objects.get(pk=challenge.pk).answered_at


def walk_on_to_published(iw):
    from tests.trading.inquiry_world import assess_all
    from trading.services.transitions import transaction_transition

    assess_all(iw)
    transaction_transition(code=iw.tx.code, action="complete_evaluation", user=iw.world.clerk)
    transaction_transition(code=iw.tx.code, action="confirm_award", user=iw.world.purchaser)
    return transaction_transition(code=iw.tx.code, action="publish_result", user=iw.world.clerk)


def test_api_quotes_and_opening_refuse_bad_input(iw):
    form_group(iw)
    issue_notice(iw)
    user, company = iw.suppliers[0]
    supplier = api(user)
    url = f"/api/v1/transactions/{iw.tx.code}/quotes/"
    for value in ["", "not base64!", "QUFB", "A" * 4096, None, [], {}, 5, "\x00"]:
        refused(supplier.post(url, {"supplier": company.uscc, "envelope": value}, format="json"))
    for value in ["", "x", None, [], "9" * 33, "\x00", iw.suppliers[1][1].uscc]:
        refused(supplier.post(url, {"supplier": value, "envelope": "QUFB"}, format="json"))
    for index in range(3):
        submit_quote(iw, index, "76500.00")
    pass_deadline(iw)
    clerk = api(iw.world.clerk)
    url = f"/api/v1/transactions/{iw.tx.code}/opening/"
    good = {"shares": [
        {"username": iw.world.clerk.username,
         "share": custodian_share(iw.tx, iw.world.clerk, PASSPHRASES["clerk"])[1].hex()},
        {"username": iw.world.supervisor.username,
         "share": custodian_share(iw.tx, iw.world.supervisor, PASSPHRASES["supervisor"])[1].hex()}]}
    for value in ["", "nobody", None, [], {}, 5, "a\x00b", "x" * 200, iw.world.bidder.username]:
        bad = {"shares": [{"username": value, "share": "ab" * 32}, good["shares"][1]]}
        refused(clerk.post(url, bad, format="json"))
    # (wrong shares count against the custodian: fewer than its tries here)
    for value in ["", "not hex", None, [], "ab" * 2000, "a\x00b", "\ud800", "ab" * 32, "٣" * 64]:
        bad = {"shares": [{"username": iw.world.clerk.username, "share": value}, good["shares"][1]]}
        refused(clerk.post(url, bad, format="json"))
    for value in [None, "", [], {}, "x", [None], ["x"], [{}], good["shares"][:1], [good["shares"][0]] * 2]:
        refused(clerk.post(url, {"shares": value}, format="json"))
    refused(clerk.post(url, {"secrets": [{"username": iw.world.clerk.username, "passphrase": PASSPHRASES["clerk"]}]},
                       format="json"))  # a passphrase is never taken
    assert stage_of(iw) == "quotes_closed"
    assert clerk.post(url, good, format="json").status_code == 200


def test_api_transactions_refuse_bad_units_amounts_and_text(iw):
    purchaser = api(iw.world.purchaser)
    valid = {"unit": iw.world.unit.pk, "type": "inquiry", "title": "打印机采购", "amount": "12000.00"}
    for _value, payload in each(valid, "unit", BAD_IDS + [12345678]):
        refused(purchaser.post("/api/v1/transactions/", payload, format="json"))
    for _value, payload in each(valid, "amount", ["", "abc", "-1.00", "1.001", "NaN", "Infinity", "1e9",
                                                 "9" * 30, None, [], 12.5]):
        refused(purchaser.post("/api/v1/transactions/", payload, format="json"))
    for _value, payload in each(valid, "title", BAD_TEXT):
        refused(purchaser.post("/api/v1/transactions/", payload, format="json"))
    for _value, payload in each(valid, "type", ["", "auction", None, []]):
        refused(purchaser.post("/api/v1/transactions/", payload, format="json"))


# --- through the pages ----------------------------------------------------------------------------

def test_pages_refuse_bad_numbers_and_records_with_the_page_again(iw):
    code = iw.tx.code
    clerk = browser(iw.world.clerk)
    for value in BAD_ID_TEXT:
        page_refused(clerk, clerk.post(reverse("inquiry-draw", args=[code]), {"purpose": "experts", "count": value}))
    services.inquiry_announce_expert_draw(code=code, user=iw.world.clerk, count=3)
    settle()
    for value in BAD_ID_TEXT + ["12345678"]:
        page_refused(clerk, clerk.post(reverse("inquiry-group", args=[code]), {"purchaser_reps": [value]}))
    assert stage_of(iw) == "registered"
    services.inquiry_form_group(code=code, user=iw.world.clerk)
    deadline = workdays.earliest_deadline(clock.now(), 3) + timedelta(hours=9)
    notice = {"deadline": deadline.astimezone(MONDAY.tzinfo).strftime("%Y-%m-%dT%H:%M"),
              "price_composition": "含税", "award_criterion": "最低价", "invitation": "list",
              "invitees": [str(c.pk) for _u, c in iw.suppliers], "supervisor": str(iw.world.supervisor.pk),
              "purchaser_rep": str(iw.world.purchaser.pk)}
    for field in ("supervisor", "purchaser_rep"):
        for value in BAD_ID_TEXT + ["12345678"]:
            page_refused(clerk, clerk.post(reverse("inquiry-notice", args=[code]), {**notice, field: value}))
    for value in BAD_ID_TEXT + ["12345678"]:
        page_refused(clerk, clerk.post(reverse("inquiry-notice", args=[code]),
                                {**notice, "invitees": notice["invitees"] + [value]}))
    for value in ["a\x00b", "\x07", "x" * 100_001, ""]:  # a browser cannot post a lone surrogate
        page_refused(clerk, clerk.post(reverse("inquiry-notice", args=[code]), {**notice, "award_criterion": value}))
    assert stage_of(iw) == "group_formed"


def test_pages_refuse_bad_challenges_answers_and_contracts(iw):
    walk(iw, "published")
    code = iw.tx.code
    user, company = iw.suppliers[0]
    supplier = browser(user)
    for value in BAD_ID_TEXT + ["12345678"]:
        page_refused(supplier, supplier.post(reverse("inquiry-challenge", args=[code]), {"company": value, "text": "有异议"}))
    for value in ["a\x00b", "\x07", "x" * 100_001, ""]:  # a browser cannot post a lone surrogate
        page_refused(supplier, supplier.post(reverse("inquiry-challenge", args=[code]),
                                   {"company": str(company.pk), "text": value}))
    assert not Challenge.objects.filter(transaction=iw.tx).exists()
    services.challenge_file(code=code, user=user, company=company, text="有异议")
    clerk = browser(iw.world.clerk)
    for value in BAD_ID_TEXT + ["12345678"]:
        page_refused(clerk, clerk.post(reverse("inquiry-answer", args=[code]), {"challenge": value, "answer": "维持"}))
    assert not Challenge.objects.get(transaction=iw.tx).answered_at
    clock.advance(InquiryRound.objects.get(transaction=iw.tx, round=iw.tx.round).challenge_until - clock.now() + timedelta(days=1))
    services.challenge_answer(code=code, user=iw.world.clerk, challenge_id=Challenge.objects.get().pk, answer="维持")
    settle()
    purchaser = browser(iw.world.purchaser)
    for value in ["", "abc", "-1", "NaN", "1e9", "9" * 30, "74800.001"]:
        page_refused(purchaser, purchaser.post(reverse("inquiry-contract", args=[code]),
                                    {"amount": value, "signed_on": clock.now().date().isoformat()}))
    for value in ["", "2026-02-30", "tomorrow", "\x00"]:
        page_refused(purchaser, purchaser.post(reverse("inquiry-contract", args=[code]),
                                    {"amount": "74800.00", "signed_on": value}))
    assert stage_of(iw) == "result_final"


def test_api_refuses_json_nested_beyond_reason_and_lone_surrogates_in_keys(iw):
    purchaser = api(iw.world.purchaser)
    deep = "[" * 100_000 + "]" * 100_000
    body = refused(purchaser.post("/api/v1/transactions/", deep, content_type="application/json"))
    assert "JSON" in body["error"]["message"] and body["error"]["code"] == "invalid_input"
    body = refused(purchaser.post("/api/v1/transactions/", '{"\\udc00": 1}', content_type="application/json"))
    assert "JSON" in body["error"]["message"] and body["error"]["code"] == "invalid_input"
    assert not Transaction.objects.exclude(pk=iw.tx.pk).exists()


def test_the_filing_page_refuses_bad_units_and_amounts_and_keeps_what_was_typed(iw):
    purchaser = browser(iw.world.purchaser)
    valid = {"unit": str(iw.world.unit.pk), "type": "inquiry", "title": "打印机采购", "amount": "12000.00"}
    for value in [v for v in BAD_ID_TEXT if "\x00" not in v] + ["12345678", str(iw.world.other_station.units.get().pk)]:
        response = purchaser.post(reverse("transaction-new"), {**valid, "unit": value})
        assert "打印机采购" in refused_to_page(purchaser, response).content.decode(), value
    # A NUL is refused before any view (trading.middleware.RefuseNulMiddleware), naming the rule.
    response = purchaser.post(reverse("transaction-new"), {**valid, "unit": "1\x00"})
    assert response.status_code == 400 and b"NUL" in response.content and b'role="alert"' in response.content
    for value in ["", "abc", "-1", "NaN", "1e9", "1_000", "٣٠٠", "9" * 19, "12.345"]:
        response = purchaser.post(reverse("transaction-new"), {**valid, "amount": value})
        page = refused_to_page(purchaser, response, reverse("transaction-new"))
        assert "打印机采购" in page.content.decode() and b'href="#id_amount"' in page.content, value
    assert not Transaction.objects.exclude(pk=iw.tx.pk).exists()


HOSTILE_QUERY = ["%00", "a%00b", "%ED%A0%80", "x" * 3000, "-1", str(HUGE), "JY-2026-0001%00", "%FF%FE"]


def test_public_pages_and_endpoints_take_any_query_or_path_without_a_500(iw, client):
    """A NUL in a query is an error on PostgreSQL's side (psycopg refuses it): every page and
    endpoint that takes a code or a number from the address must refuse or ignore it first."""
    code = iw.tx.code
    urls = []
    for q in HOSTILE_QUERY:
        urls += [f"/audit/?code={q}", f"/audit/?before={q}", f"/audit/?after={q}", f"/audit/?kind={q}",
                 f"/audit/checkpoints/?before={q}", f"/audit/checkpoints/?after={q}", f"/notices/?code={q}",
                 f"/notices/?page={q}", f"/api/v1/notices/?code={q}", f"/api/v1/notices/?limit={q}&offset={q}",
                 f"/audit/transactions/{q}/", f"/api/v1/transactions/{q}/opening-key/", f"/notices/{q}/",
                 f"/ledger/entries?start={q}", f"/ledger/checkpoints?after={q}",
                 f"/ledger/proof/inclusion?index={q}&size=1", f"/ledger/proof/consistency?old=1&new={q}",
                 f"/accounts/login/?next={q}", f"/?lang={q}"]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302, 400, 404), (url, response.status_code)
    supervisor = browser(iw.world.supervisor)
    for q in HOSTILE_QUERY:
        for url in [f"/work/?code={q}", f"/work/?stage={q}", f"/work/transactions/{q}/",
                    f"/work/transactions/{code}/inquiry/comparison/?format={q}",
                    f"/work/transactions/{code}/documents/{q}/", f"/api/v1/transactions/?code={q}",
                    f"/api/v1/transactions/?stage={q}", f"/api/v1/transactions/{q}/",
                    f"/api/v1/transactions/{q}/inquiry/", f"/api/v1/transactions/{code}/quotes/mine/{q}/receipt/"]:
            response = supervisor.get(url)
            assert response.status_code in (200, 302, 400, 403, 404), (url, response.status_code)


def test_a_nul_anywhere_is_refused_before_any_view(iw, client):
    response = client.post(reverse("login"), {"username": "clerk\x00", "password": "x"})
    assert response.status_code == 400 and b"NUL" in response.content
    response = api(iw.world.purchaser).post("/api/v1/transactions/", {
        "unit": iw.world.unit.pk, "type": "inquiry", "title": "打印机采购", "amount": "1.00", "x\x00": 1}, format="json")
    assert refused(response)["error"]["code"] == "invalid_input" and "NUL" in response.json()["error"]["message"]
    response = client.get("/api/v1/notices/?code=JY%00")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_input"
    assert not Transaction.objects.exclude(pk=iw.tx.pk).exists()


def test_error_pages_are_translated_and_say_what_is_wrong(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    text = response.content.decode()
    assert response.status_code == 404 and "There is nothing at this address." in text and "tried" not in text
    client.cookies["django_language"] = "zh-hans"
    assert "此地址没有内容" in client.get("/no-such-page/").content.decode()
    response = client.get("/audit/transactions/JY-2099-9999/")
    assert response.status_code == 404 and 'role="alert"' in response.content.decode()


def test_the_server_error_page_stands_even_when_the_database_does_not(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.db import OperationalError
    from django.utils.functional import SimpleLazyObject

    from trading.views.public import SERVER_ERROR_FALLBACK, server_error

    def database_down():
        raise OperationalError("could not connect to server")

    request = rf.get("/")
    request.user = AnonymousUser()
    styled = server_error(request)
    assert styled.status_code == 500 and styled.content.decode() != SERVER_ERROR_FALLBACK
    broken = rf.get("/")
    broken.user = SimpleLazyObject(database_down)  # the page's header asks who is logged in
    response = server_error(broken)
    assert response.status_code == 500 and response.content.decode() == SERVER_ERROR_FALLBACK
