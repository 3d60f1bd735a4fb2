"""Every answer of the API is the one its OpenAPI schema describes (docs/api.md, "The schema").

The checker (tests/api/schema_check.py) is tested here: a body of the wrong type, a key the
schema does not describe, an undocumented status or content type is reported. Two of the
walks are here, filing a transaction (the core endpoints, with error answers) and the
13-computers inquiry through every role; the courtyard paving (tests/api/test_tender_api.py)
and the rooms above the school gate (tests/api/test_asset_sale_api.py) are checked by the
same client. Together they reach every operation of the schema.
"""

import base64
import json
import re
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from drf_spectacular.drainage import GENERATOR_STATS

from bidding.crypto import seal_quote
from bidding.models import PanelMember
from tests.api.schema_check import (
    ASSET_SALE,
    FILING,
    HTTP_METHODS,
    INQUIRY,
    TENDER,
    CheckedClient,
    answer,
    refused,
    signed_in,
)
from tests.factories import make_user, make_world
from tests.trading.inquiry_world import (
    MONDAY,
    PASSPHRASES,
    PAST_CLOSING,
    custodian_share,
    make_inquiry_world,
    settle,
    uscc,
)
from trading import clock
from trading.models import Role
from trading.procedures.inquiry.models import InquiryRound

# --- the schema itself ------------------------------------------------------------------------------

def test_the_schema_is_openapi_3_1_and_valid_without_warnings(tmp_path):
    """What CI would run: `python manage.py spectacular --validate --fail-on-warn`."""
    GENERATOR_STATS.reset()  # warnings of an earlier generation in this process are not this one's
    out = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out))
    assert json.loads(out.read_bytes())["openapi"] == "3.1.0"


def test_every_operation_documents_its_errors_in_the_one_error_shape(openapi):
    missing = []
    for template, item in openapi["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation["responses"]
            expected = set()
            if operation.get("security") != [{}]:
                expected.add("401")  # any endpoint that reads credentials refuses bad ones
            if "{code}" in template:
                expected.add("404")  # the transaction endpoints' lookup
            if "requestBody" in operation:
                expected |= {"400", "415"}  # a malformed body or field; a body of another type
            for status in sorted(expected - set(responses)):
                missing.append(f"{method.upper()} {template}: no {status}")
            for status, response in responses.items():
                schema = (response.get("content") or {}).get("application/json", {}).get("schema")
                if status >= "400" and schema != {"$ref": "#/components/schemas/ErrorOutput"}:
                    missing.append(f"{method.upper()} {template}: {status} is not ErrorOutput but {schema}")
                if status < "300" and status != "204" and not response.get("content"):
                    missing.append(f"{method.upper()} {template}: {status} has no schema")
    assert not missing, "\n".join(missing)


# Fields an answer leaves out when they do not apply; every other field described is always there.
OPTIONAL = {("DrawOut", "result"), ("DrawOut", "drawn"), ("ApiError", "details")}


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"].rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def answer_components(openapi) -> set:
    """The names of the components some answer uses, directly or inside another."""
    components = openapi["components"]["schemas"]
    pending = [name for item in openapi["paths"].values() for method, operation in item.items()
               if method in HTTP_METHODS for name in _refs(operation["responses"])]
    found = set()
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending.extend(_refs(components[name]))
    return found


def test_an_answer_carries_every_field_its_schema_describes(openapi):
    """A client generated from the schema must not have to guess which fields may be missing."""
    components = openapi["components"]["schemas"]
    names = answer_components(openapi)
    assert {"ErrorOutput", "TransactionOutput", "InquiryOutput", "RankOut"} <= names
    loose = [f"{name}.{field}" for name in sorted(names) for field in components[name].get("properties", {})
             if field not in components[name].get("required", []) and (name, field) not in OPTIONAL]
    assert not loose, "described but not required: " + ", ".join(loose)


# --- the checker is honest --------------------------------------------------------------------------

ME = "/api/v1/me/"


def test_the_checker_passes_a_body_of_the_documented_shape(checker):
    body = {"id": 7, "username": "clerk", "full_name": "王明",
            "memberships": [{"station": "st1", "role": "clerk", "unit": None}]}
    assert checker.problems("GET", ME, 200, "application/json", json.dumps(body).encode()) == []


@pytest.mark.parametrize("change, says", [
    (lambda b: b.update(id="seven"), "at $.id: 'seven' is not of type 'integer'"),
    (lambda b: b["memberships"][0].update(role="king"), "at $.memberships[0].role: 'king' is not one of"),
    (lambda b: b.pop("username"), "'username' is a required property"),
])
def test_the_checker_reports_a_body_that_does_not_match(checker, change, says):
    body = {"id": 7, "username": "clerk", "full_name": "王明",
            "memberships": [{"station": "st1", "role": "clerk", "unit": None}]}
    change(body)
    problems = checker.problems("GET", ME, 200, "application/json", json.dumps(body).encode())
    assert any(says in p for p in problems), problems
    with pytest.raises(AssertionError, match=re.escape("GET /api/v1/me/ -> 200 does not match the schema")):
        checker.check("GET", ME, 200, "application/json", json.dumps(body).encode())


def test_the_checker_reports_a_key_the_schema_does_not_describe(checker):
    body = {"id": 7, "username": "clerk", "full_name": "王明", "password_hash": "x",
            "memberships": [{"station": "st1", "role": "clerk", "unit": None}]}
    assert checker.problems("GET", ME, 200, "application/json", json.dumps(body).encode()) == [
        "at $: Additional properties are not allowed ('password_hash' was unexpected)"]


def test_the_checker_reports_a_wrong_moment_and_a_wrong_field_inside_a_nullable_object(checker):
    body = {"code": "JY-2026-0001", "round": 1, "quote_deadline": "next monday",
            "closed": {"count": "three", "commitments": []}, "openings": []}
    problems = checker.problems("GET", "/api/v1/transactions/JY-2026-0001/opening/", 200, "application/json",
                                json.dumps(body).encode())
    assert problems == ["at $.closed.count: 'three' is not of type 'integer'",
                        "at $.quote_deadline: 'next monday' is not a 'date-time'"]


def test_the_checker_reports_an_undocumented_status_content_type_or_error_shape(checker):
    assert checker.problems("GET", ME, 418, "application/json", b"{}") == [
        "answered 418, but the schema documents only 200, 401"]
    assert checker.problems("GET", ME, 200, "text/html; charset=utf-8", b"<p>") == [
        "answered 200 as text/html; the schema describes application/json"]
    assert checker.problems("GET", ME, 401, "application/json", b'{"detail": "no"}') == [
        "at $: 'error' is a required property", "at $: Additional properties are not allowed ('detail' was unexpected)"]
    assert checker.problems("GET", "/api/v1/nowhere/", 200, "application/json", b"{}") == [
        "the schema has no path for /api/v1/nowhere/"]
    assert checker.problems("DELETE", ME, 204, None, b"") == ["the schema has no DELETE for /api/v1/me/"]


# --- the walks ------------------------------------------------------------------------------------

def test_the_walks_together_reach_every_operation_of_the_schema(checker):
    assert checker.operations() == FILING | INQUIRY | TENDER | ASSET_SALE


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=2)
def test_every_answer_of_filing_a_transaction_matches_the_schema(checker):
    world = make_world()
    anonymous = CheckedClient(checker)
    purchaser, clerk = signed_in(checker, world.purchaser), signed_in(checker, world.clerk)

    me = answer(purchaser.get("/api/v1/me/"))
    assert me["memberships"][0]["unit"] == world.unit.name
    stations = answer(purchaser.get("/api/v1/stations/"))
    unit = next(u["id"] for s in stations if s["code"] == world.station.code for u in s["units"])
    created = answer(purchaser.post("/api/v1/transactions/", {
        "unit": unit, "type": "inquiry", "title": "办公电脑采购", "amount": "78000.00"}, format="json"), 201)
    code = created["code"]
    base = f"/api/v1/transactions/{code}"
    answer(purchaser.patch(f"{base}/", {"title": "办公电脑采购（13台）"}, format="json"))
    refused(purchaser.post(f"{base}/actions/submit/", {}, format="json"), 422, "rule_violation")
    upload = SimpleUploadedFile("立项批复.txt", "同意采购".encode(), content_type="text/plain")
    answer(purchaser.post(f"{base}/documents/", {"file": upload, "purpose": "approval"}, format="multipart"), 201)
    assert len(answer(purchaser.get(f"{base}/documents/"))) == 1
    answer(purchaser.post(f"{base}/actions/submit/", {}, format="json"))
    answer(clerk.post(f"{base}/actions/register/", {"expected_stage": "submitted"}, format="json"))
    assert code in [t["code"] for t in answer(clerk.get("/api/v1/transactions/"))]
    assert answer(clerk.get(f"{base}/"))["stage"] == "registered"

    bidder = signed_in(checker, make_user(roles=[(Role.BIDDER, world.station, None)]))
    answer(bidder.post("/api/v1/companies/", {
        "uscc": uscc(41), "name": "示范县电脑有限公司",
        "contact_name": "陈静", "contact_phone": "0591-88880001"}, format="json"), 201)
    assert len(answer(bidder.get("/api/v1/companies/mine/"))) == 1

    # The error answers, each in the one shape.
    refused(anonymous.get("/api/v1/me/"), 401, "not_authenticated")
    refused(purchaser.post("/api/v1/transactions/", {"unit": unit, "type": "inquiry", "title": "x",
                                                     "amount": "12.345"}, format="json"), 400, "invalid_input")
    refused(purchaser.post("/api/v1/transactions/", data="{", content_type="application/json"), 400, "invalid_input")
    refused(purchaser.post("/api/v1/transactions/", data="unit=1", content_type="text/plain"), 415,
            "unsupported_media_type")
    refused(purchaser.post("/api/v1/transactions/", data="title=%00", content_type="application/x-www-form-urlencoded"),
            400, "invalid_input")  # refused before the API reads it (trading.middleware), in the same shape
    refused(purchaser.post("/api/v1/transactions/", {"unit": 2**62, "type": "inquiry", "title": "x",
                                                     "amount": "1.00"}, format="json"), 404, "not_found")
    refused(signed_in(checker, world.other_purchaser).post("/api/v1/transactions/", {
        "unit": unit, "type": "inquiry", "title": "x", "amount": "1.00"}, format="json"), 403, "not_permitted")
    refused(purchaser.patch(f"{base}/", {"title": "改名"}, format="json"), 409, "stage_conflict")
    refused(signed_in(checker, world.other_clerk).get(f"{base}/"), 404, "not_found")
    refused(bidder.post("/api/v1/companies/", {"uscc": "12345", "name": "x", "contact_name": "x",
                                               "contact_phone": "1"}, format="json"), 400, "invalid_input")
    refused(signed_in(checker, world.expert).post("/api/v1/companies/", {
        "uscc": uscc(42), "name": "y", "contact_name": "y",
        "contact_phone": "1"}, format="json"), 403, "not_permitted")
    for _try in range(2):
        refused(anonymous.post("/api/v1/auth/token/", {"username": world.clerk.username, "password": "wrong"},
                               format="json"), 400, "login_failed")
    locked = refused(anonymous.post("/api/v1/auth/token/", {"username": world.clerk.username, "password": "wrong"},
                                    format="json"), 429, "login_locked")
    assert locked["details"]["retry_after"] > 0 and locked["details"]["rule"]

    answer(purchaser.post("/api/v1/auth/logout/"), 204)
    refused(purchaser.get("/api/v1/me/"), 401, "authentication_failed")
    refused(purchaser.get("/api/v1/notices/"), 401, "authentication_failed")  # even where no token is needed

    assert checker.successes() >= FILING, sorted(FILING - checker.successes())


@pytest.fixture
def iw():
    with clock.frozen_at(MONDAY):
        yield make_inquiry_world()


@pytest.mark.usefixtures("ledger_transactional_db")  # real commits, as tests/api/test_inquiry_api.py
def test_every_answer_through_the_whole_inquiry_matches_the_schema(iw, checker):
    code = iw.tx.code
    base = f"/api/v1/transactions/{code}"
    clerk, purchaser = signed_in(checker, iw.world.clerk), signed_in(checker, iw.world.purchaser)
    supervisor, public = signed_in(checker, iw.world.supervisor), CheckedClient(checker)

    answer(public.get(f"{base}/opening/"))
    refused(public.get(f"{base}/opening-key/"), 404, "not_found")  # no key before the notice
    answer(clerk.get(f"{base}/inquiry/"))
    answer(clerk.post(f"{base}/inquiry/draws/", {"purpose": "experts", "count": 3}, format="json"), 201)
    settle()
    refused(purchaser.get(f"{base}/inquiry/choices/"), 403, "not_permitted")
    choices = answer(clerk.get(f"{base}/inquiry/choices/"))
    refused(clerk.post(f"{base}/inquiry/group/", {"purchaser_reps": [0]}, format="json"), 400, "invalid_input")
    answer(clerk.post(f"{base}/inquiry/group/", {"expected_stage": "registered"}, format="json"))
    deadline = datetime.fromisoformat(answer(clerk.get(f"{base}/inquiry/choices/"))["earliest_deadline"])
    deadline += timedelta(hours=9)
    notice = {"price_composition": "含税含运费", "award_criterion": "报价最低",
              "invitees": [c["id"] for c in choices["supplier_pool"]], "supervisor": choices["supervisors"][0]["id"],
              "purchaser_rep": choices["purchaser_representatives"][0]["id"]}
    refused(clerk.post(f"{base}/inquiry/notice/", {**notice, "deadline": (deadline - timedelta(days=1)).isoformat()},
                       format="json"), 422, "rule_violation")
    answer(clerk.post(f"{base}/inquiry/notice/", {**notice, "deadline": deadline.isoformat()}, format="json"))
    settle()

    key = answer(public.get(f"{base}/opening-key/"))
    commitments = {}
    for (user, company), price in zip(iw.suppliers[:3], ["76500.00", "74800.00", "77900.00"], strict=True):
        supplier = signed_in(checker, user)
        envelope = seal_quote(bytes.fromhex(key["public_key"]), origin=settings.LEDGER_ORIGIN, code=code,
                              supplier=company.uscc, price=price)
        body = {"supplier": company.uscc, "envelope": base64.b64encode(envelope).decode(), "idempotency_key": "k1"}
        commitments[user] = answer(supplier.post(f"{base}/quotes/", body, format="json"), 201)["commitment"]
        answer(supplier.post(f"{base}/quotes/", body, format="json"), 200)  # the same again: the same receipt
        assert answer(supplier.get(f"{base}/quotes/mine/"))[0]["commitment"] == commitments[user]
        receipt = supplier.get(f"{base}/quotes/mine/receipt/", {"commitment": commitments[user]})
        assert receipt.status_code == 200 and receipt["Content-Type"].startswith("text/plain")
        refused(supplier.get(f"{base}/quotes/mine/receipt/", {"commitment": "0" * 64}), 404, "not_found")
    refused(signed_in(checker, iw.suppliers[3][0]).post(f"{base}/quotes/", {
        "supplier": iw.suppliers[0][1].uscc, "envelope": "AAAA"}, format="json"), 403, "not_permitted")
    refused(signed_in(checker, iw.suppliers[3][0]).post(f"{base}/quotes/", {
        "supplier": iw.suppliers[3][1].uscc, "envelope": "not base64!"}, format="json"), 400, "invalid_input")
    for viewer in (clerk, supervisor, purchaser, public):  # before the deadline: nothing about the quotes
        overview = viewer.get(f"{base}/inquiry/")
        assert overview.status_code in (200, 401) and answer(viewer.get(f"{base}/opening/"))["closed"] is None
    csv_too_early = supervisor.get(f"{base}/inquiry/comparison/?format=csv")
    assert csv_too_early.status_code == 404 and csv_too_early["Content-Type"].startswith("text/csv")

    clock.advance(deadline - clock.now() + PAST_CLOSING)
    settle()
    assert answer(public.get(f"{base}/opening/"))["closed"]["count"] == 3
    shares = [{"username": u.username, "share": custodian_share(iw.tx, u, PASSPHRASES[role])[1].hex()}
              for u, role in ((iw.world.clerk, "clerk"), (iw.world.supervisor, "supervisor"))]
    refused(clerk.post(f"{base}/opening/", {"shares": [{"username": iw.world.clerk.username}]}, format="json"),
            400, "invalid_input")
    refused(clerk.post(f"{base}/opening/", {"shares": shares[:1]}, format="json"), 422, "rule_violation")
    opened = answer(clerk.post(f"{base}/opening/", {"shares": shares}, format="json"))
    assert len(opened["openings"][0]["records"]) == 3
    refused(clerk.post(f"{base}/opening/", {"shares": shares, "expected_stage": "bids_closed"}, format="json"),
            400, "invalid_input")  # opened already: no move opens the quotes now

    overview = answer(clerk.get(f"{base}/inquiry/"))
    for member in _panel(iw):
        expert = signed_in(checker, member.user)
        for row in overview["opening_record"]:
            answer(expert.post(f"{base}/inquiry/assessments/", {"commitment": row["commitment"], "responsive": True,
                                                                "reason": "符合采购需求"}, format="json"), 204)
        answer(expert.get(f"{base}/inquiry/"))
        answer(expert.post(f"{base}/inquiry/report/", {"dissent": ""}, format="json"), 204)
    assert len(answer(supervisor.get(f"{base}/inquiry/comparison/"))["rows"]) == 3
    csv = supervisor.get(f"{base}/inquiry/comparison/", HTTP_ACCEPT="text/csv")
    assert csv.status_code == 200 and "74800.00" in csv.content.decode("utf-8-sig")

    answer(clerk.post(f"{base}/actions/complete_evaluation/", {}, format="json"))
    answer(purchaser.get(f"{base}/inquiry/"))
    answer(purchaser.post(f"{base}/actions/confirm_award/", {}, format="json"))
    answer(clerk.post(f"{base}/actions/publish_result/", {}, format="json"))
    notices = answer(public.get("/api/v1/notices/", {"code": code}))
    for n in notices:
        answer(public.get(f"/api/v1/notices/{n['id']}/"))
    refused(public.get("/api/v1/notices/999999999/"), 404, "not_found")

    loser_user, loser = iw.suppliers[0]
    loser_client = signed_in(checker, loser_user)
    refused(loser_client.post(f"{base}/inquiry/challenges/", {"company": iw.suppliers[1][1].pk, "text": "有误"},
                              format="json"), 400, "invalid_input")  # not a company it represents
    answer(loser_client.post(f"{base}/inquiry/challenges/", {"company": loser.pk, "text": "价格计算有误"},
                             format="json"), 201)
    evidence = SimpleUploadedFile("质疑材料.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    answer(loser_client.post(f"{base}/inquiry/challenges/", {"company": loser.pk, "text": "评审打分有误",
                                                             "file": evidence}, format="multipart"), 201)
    assert answer(loser_client.get(f"{base}/inquiry/"))["challenges"][1]["attachment"]["name"] == "质疑材料.pdf"
    details = InquiryRound.objects.get(transaction=iw.tx, round=1)
    clock.advance(details.challenge_until - clock.now() + timedelta(seconds=1))
    settle()
    for challenge in answer(clerk.get(f"{base}/inquiry/"))["challenges"]:
        answer(clerk.post(f"{base}/inquiry/challenges/{challenge['id']}/answer/", {"answer": "经复核，计算无误。"},
                          format="json"), 204)
    settle()

    today = clock.now().date().isoformat()
    contract = SimpleUploadedFile("合同.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    answer(purchaser.post(f"{base}/inquiry/contract/", {"amount": "74800.00", "signed_on": today, "file": contract},
                          format="multipart"))
    refused(clerk.post(f"{base}/actions/archive/", {}, format="json"), 409, "stage_conflict")
    report = SimpleUploadedFile("验收报告.pdf", b"%PDF-1.4 accepted", content_type="application/pdf")
    answer(purchaser.post(f"{base}/inquiry/acceptance/", {"accepted_on": today, "passed": "true", "file": report},
                          format="multipart"))
    assert answer(clerk.get(f"{base}/inquiry/"))["acceptance"]["passed"] is True
    answer(clerk.post(f"{base}/actions/archive/", {}, format="json"))
    for viewer in (clerk, supervisor, purchaser, public, loser_client):
        viewer.get(f"{base}/inquiry/")
        answer(viewer.get(f"{base}/opening/"))

    assert checker.successes() >= INQUIRY, sorted(INQUIRY - checker.successes())


def _panel(iw):
    return PanelMember.objects.filter(transaction=iw.tx).select_related("user")
