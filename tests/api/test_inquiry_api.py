"""The 13 computers, the whole inquiry through the REST API, each role with its own token;
and what the API shows each role before and after the deadline."""

import base64
import json
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from bidding.crypto import seal_quote
from ledger.models import Entry
from tests.trading.inquiry_world import (
    MONDAY,
    PASSPHRASES,
    PAST_CLOSING,
    custodian_share,
    make_inquiry_world,
    settle,
)
from trading import clock, workdays
from trading.procedures.inquiry.models import InquiryRound

# Real commits, as in production (autocommit between services): catches a service that
# needs a transaction it does not open itself.
pytestmark = pytest.mark.usefixtures("ledger_transactional_db")


def client(user):
    c = APIClient()
    token = c.post("/api/v1/auth/token/", {"username": user.username, "password": "pw-for-tests-1"},
                   format="json").json()["token"]
    c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return c


def ok(response, status=200):
    assert response.status_code == status, response.content.decode()[:2000]
    return response.json() if response.content and response["Content-Type"].startswith("application/json") else None


def ledger_text():
    return b"\n".join(bytes(e.body) for e in Entry.objects.order_by("seq")).decode()


@pytest.fixture
def iw():
    with clock.frozen_at(MONDAY):
        yield make_inquiry_world()


def test_the_whole_inquiry_through_the_api(iw):
    code = iw.tx.code
    clerk, purchaser, supervisor = client(iw.world.clerk), client(iw.world.purchaser), client(iw.world.supervisor)
    base = f"/api/v1/transactions/{code}"

    ok(clerk.post(f"{base}/inquiry/draws/", {"purpose": "experts", "count": 3}, format="json"), 201)
    settle()
    # What a client chooses from, by id: the purchaser's people, supervisors, the supplier pool.
    assert client(iw.world.purchaser).get(f"{base}/inquiry/choices/").status_code == 403
    choices = ok(clerk.get(f"{base}/inquiry/choices/"))
    assert choices["purchaser_representatives"] == [{"id": iw.world.purchaser.pk, "name": "张伟"}]
    assert {"id": iw.world.supervisor.pk, "name": "赵刚"} in choices["supervisors"]
    assert [c["uscc"] for c in choices["supplier_pool"]] == [c.uscc for _u, c in iw.suppliers]
    assert choices["group_min_size"] == 3 and choices["min_invitees"] == 3
    ok(clerk.post(f"{base}/inquiry/group/", {"expected_stage": "registered"}, format="json"))
    earliest = datetime.fromisoformat(ok(clerk.get(f"{base}/inquiry/choices/"))["earliest_deadline"])
    assert earliest == workdays.earliest_deadline(clock.now(), 3)
    deadline = earliest + timedelta(hours=9)
    notice = {"price_composition": "含税含运费", "award_criterion": "报价最低",
              "invitees": [c["id"] for c in choices["supplier_pool"]], "supervisor": choices["supervisors"][0]["id"],
              "purchaser_rep": choices["purchaser_representatives"][0]["id"]}
    refused = clerk.post(f"{base}/inquiry/notice/", {**notice, "deadline": (deadline - timedelta(days=1)).isoformat()},
                         format="json")
    assert refused.status_code == 422 and refused.json()["error"]["details"]["rule"] == "inquiry.quote_period"
    ok(clerk.post(f"{base}/inquiry/notice/", {**notice, "deadline": deadline.isoformat()}, format="json"))
    settle()
    key = ok(APIClient().get(f"{base}/opening-key/"))  # public: what bidding.seal fetches
    receipts = []
    for (user, company), price in zip(iw.suppliers[:3], ["76500.00", "74800.00", "77900.00"], strict=True):
        envelope = seal_quote(bytes.fromhex(key["public_key"]), origin=settings.LEDGER_ORIGIN, code=code,
                              supplier=company.uscc, price=price)
        body = {"supplier": company.uscc, "envelope": base64.b64encode(envelope).decode(), "idempotency_key": "k1"}
        first = ok(client(user).post(f"{base}/quotes/", body, format="json"), 201)
        again = ok(client(user).post(f"{base}/quotes/", body, format="json"), 200)  # same key: same quote
        assert again["commitment"] == first["commitment"]
        receipts.append(first["receipt"])

    # Before the deadline: nobody learns who quoted or how many.
    for viewer in (clerk, supervisor, purchaser, APIClient(), client(iw.suppliers[3][0])):
        overview = viewer.get(f"{base}/inquiry/")
        if overview.status_code == 200:
            assert overview.json()["quote_count"] is None
            assert overview.json()["my_invitations"] in ([], [iw.suppliers[3][1].uscc])
        opening = ok(viewer.get(f"{base}/opening/"))
        assert opening["closed"] is None and opening["openings"] == []
    text = ledger_text()
    assert all(c.name not in text and c.uscc not in text for _u, c in iw.suppliers)

    clock.advance(deadline - clock.now() + PAST_CLOSING)
    settle()
    closed = ok(APIClient().get(f"{base}/opening/"))["closed"]
    assert closed["count"] == 3
    clerk_share = custodian_share(iw.tx, iw.world.clerk, PASSPHRASES["clerk"])[1].hex()
    refused = clerk.post(f"{base}/opening/", {"shares": [
        {"username": iw.world.clerk.username, "share": clerk_share}]}, format="json")
    assert refused.status_code == 422
    ok(clerk.post(f"{base}/opening/", {"shares": [
        {"username": iw.world.clerk.username, "share": clerk_share},
        {"username": iw.world.supervisor.username,
         "share": custodian_share(iw.tx, iw.world.supervisor, PASSPHRASES["supervisor"])[1].hex()}]},
        format="json"))

    overview = ok(clerk.get(f"{base}/inquiry/"))
    assert sorted(r["price"] for r in overview["opening_record"]) == ["74800.00", "76500.00", "77900.00"]
    from bidding.models import PanelMember

    for member in PanelMember.objects.filter(transaction=iw.tx):
        expert = client(member.user)
        for row in overview["opening_record"]:
            ok(expert.post(f"{base}/inquiry/assessments/", {"commitment": row["commitment"], "responsive": True,
                                                            "reason": "符合采购需求"}, format="json"), 204)
        ok(expert.post(f"{base}/inquiry/report/", {"dissent": ""}, format="json"), 204)
    comparison = ok(supervisor.get(f"{base}/inquiry/comparison/"))
    assert len(comparison["rows"]) == 3 and all(r["responsive"] for r in comparison["rows"])
    csv_body = supervisor.get(f"{base}/inquiry/comparison/?format=csv").content.decode("utf-8-sig")
    assert "74800.00" in csv_body

    ok(clerk.post(f"{base}/actions/complete_evaluation/", {}, format="json"))
    ok(purchaser.post(f"{base}/actions/confirm_award/", {}, format="json"))
    ok(clerk.post(f"{base}/actions/publish_result/", {}, format="json"))
    public = ok(APIClient().get("/api/v1/notices/", {"code": code}))
    assert {n["kind"] for n in public} >= {"inquiry_notice", "result"}
    result = next(n for n in public if n["kind"] == "result")
    assert iw.suppliers[1][1].name in result["body"] and "74,800.00" in result["body"]

    loser_user, loser = iw.suppliers[0]
    ok(client(loser_user).post(f"{base}/inquiry/challenges/", {"company": loser.pk, "text": "价格计算有误"},
                               format="json"), 201)
    details = InquiryRound.objects.get(transaction=iw.tx, round=1)
    clock.advance(details.challenge_until - clock.now() + timedelta(seconds=1))
    settle()
    assert ok(clerk.get(f"{base}/inquiry/"))["stage"] == "result_published"  # the challenge waits
    challenge_id = ok(clerk.get(f"{base}/inquiry/"))["challenges"][0]["id"]
    ok(clerk.post(f"{base}/inquiry/challenges/{challenge_id}/answer/", {"answer": "经复核，计算无误。"},
                  format="json"), 204)
    settle()
    assert ok(clerk.get(f"{base}/inquiry/"))["stage"] == "result_final"

    contract = SimpleUploadedFile("合同.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    ok(purchaser.post(f"{base}/inquiry/contract/", {"amount": "74800.00", "signed_on": clock.now().date().isoformat(),
                                                     "file": contract}, format="multipart"))
    assert clerk.post(f"{base}/actions/archive/", {}, format="json").status_code == 409  # acceptance first
    report = SimpleUploadedFile("验收报告.pdf", b"%PDF-1.4 accepted", content_type="application/pdf")
    ok(purchaser.post(f"{base}/inquiry/acceptance/", {"accepted_on": clock.now().date().isoformat(), "passed": "true",
                                                       "file": report}, format="multipart"))
    assert ok(clerk.get(f"{base}/inquiry/"))["acceptance"]["passed"] is True
    ok(clerk.post(f"{base}/actions/archive/", {}, format="json"))
    settle()
    kinds = [json.loads(bytes(e.body))["kind"] for e in Entry.objects.filter(subject=code)]
    for kind in ("draw.announced", "draw.performed", "draw.revealed", "opening_key.created", "bids.closed",
                 "bids.opened", "notice.published", "challenge.filed", "challenge.answered"):
        assert kind in kinds, kind
    assert receipts and all(r.startswith("trading.localhost/ledger bid receipt\n") for r in receipts)
