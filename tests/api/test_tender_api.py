"""The courtyard paving through the REST API, each role with its own token: two envelopes
and comprehensive scoring, offline-sealed envelopes with idempotency keys, replacement,
withdrawal and confirmation, the two openings, the evaluation table (JSON and CSV), and
what the API shows each role before and after the deadline."""

import base64
import json
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from bidding.crypto import seal_quote
from bidding.models import PanelMember
from ledger.models import Entry
from tests.api.schema_check import TENDER_FAILED, TENDER_WALK, CheckedClient, signed_in
from tests.trading.tender_world import (
    MONDAY,
    PASSPHRASES,
    PAST_CLOSING,
    bid,
    custodian_share,
    fast_scrypt,  # noqa: F401  (autouse)
    issue_notice,
    make_tender_world,
    pass_deadline,
    settle,
)
from trading import clock

pytestmark = pytest.mark.usefixtures("ledger_transactional_db")


@pytest.fixture
def client(checker):
    """A client whose every answer is checked against the OpenAPI schema: signed in with
    the user's token, or anonymous."""
    def make(user=None):
        return signed_in(checker, user) if user is not None else CheckedClient(checker)
    return make


def ok(response, status=200):
    assert response.status_code == status, response.content.decode()[:2000]
    return response.json() if response.content and response["Content-Type"].startswith("application/json") else None


def ledger_text():
    return b"\n".join(bytes(e.body) for e in Entry.objects.order_by("seq")).decode()


def shares(tx, world):
    return {"shares": [{"username": world.clerk.username,
                        "share": custodian_share(tx, world.clerk, PASSPHRASES["clerk"])[1].hex()},
                       {"username": world.supervisor.username,
                        "share": custodian_share(tx, world.supervisor, PASSPHRASES["supervisor"])[1].hex()}]}


def technical(index):
    return SimpleUploadedFile(f"技术标{index}.pdf", f"%PDF-1.4 施工组织设计{index}".encode(),
                              content_type="application/pdf")


@pytest.fixture
def frozen():
    with clock.frozen_at(MONDAY):
        yield


def move_to(moment):
    clock.advance(moment - clock.now())


def test_the_courtyard_paving_through_the_api(frozen, client, checker):
    tw = make_tender_world()
    code, world = tw.tx.code, tw.world
    clerk, purchaser, supervisor = client(world.clerk), client(world.purchaser), client(world.supervisor)
    base = f"/api/v1/transactions/{code}/tender"

    assert client(world.purchaser).get(f"{base}/choices/").status_code == 403
    choices = ok(clerk.get(f"{base}/choices/"))
    assert choices["max_security"] == "9200.00" and choices["committee_min_size"] == 5
    deadline = datetime.fromisoformat(choices["earliest_deadline"]) + timedelta(hours=9)
    notice = {"documents_until": choices["earliest_documents_until"], "method": "scoring",
              "weights": {"price": "40", "technical": "45", "commercial": "15"}, "qualifications": "市政三级",
              "security_amount": "9000.00", "two_envelopes": True,
              "supervisor": choices["supervisors"][0]["id"], "purchaser_rep": choices["purchaser_representatives"][0]["id"]}
    refused = clerk.post(f"{base}/notice/", {**notice, "deadline": (deadline - timedelta(days=1)).isoformat()},
                         format="json")
    assert refused.status_code == 422 and refused.json()["error"]["details"]["rule"] == "tender.bid_period"
    assert clerk.post(f"{base}/notice/", {**notice, "deadline": deadline.isoformat(), "security_amount": 9000},
                      format="json").status_code == 400  # money as a JSON number is refused
    ok(clerk.post(f"{base}/notice/", {**notice, "deadline": deadline.isoformat()}, format="json"))
    settle()
    price_key = ok(client().get(f"/api/v1/transactions/{code}/opening-key/?part=price"))
    assert price_key["part"] == "price"

    receipts = []
    for index, (user, company) in enumerate(tw.bidders):
        bidder = client(user)
        ok(bidder.post(f"{base}/registrations/", {"company": company.pk}, format="json"), 201)
        ok(bidder.post(f"{base}/bids/technical/", {"supplier": company.uscc, "file": technical(index),
                                                    "idempotency_key": f"t{index}"}, format="multipart"), 201)
        envelope = seal_quote(bytes.fromhex(price_key["public_key"]), origin=settings.LEDGER_ORIGIN, code=code,
                              supplier=company.uscc, price=["438000.00", "421500.00", "447900.00", "452000.00"][index])
        body = {"supplier": company.uscc, "part": "price", "envelope": base64.b64encode(envelope).decode(),
                "idempotency_key": f"p{index}"}
        first = ok(bidder.post(f"{base}/bids/", body, format="json"), 201)
        again = ok(bidder.post(f"{base}/bids/", body, format="json"), 200)
        assert again["commitment"] == first["commitment"]
        assert {b["part"] for b in ok(bidder.get(f"{base}/bids/mine/"))} == {"technical", "price"}
        receipts.append(first["receipt"])
    last_user, last = tw.bidders[3]
    gone = ok(client(last_user).post(f"{base}/bids/withdraw/", {"supplier": last.uscc}, format="json"))
    assert {b["part"] for b in gone} == {"technical", "price"} and all(b["withdrawal_receipt"] for b in gone)
    ok(clerk.post(f"{base}/clarifications/", {"text": "面层厚度更正为20cm"}, format="json"), 201)
    objector_user, objector = tw.bidders[2]
    objection = ok(client(objector_user).post(f"{base}/objections/", {"company": objector.pk,
                                                                     "text": "工期要求过短"}, format="json"), 201)
    ok(clerk.post(f"{base}/objections/{objection['id']}/answer/", {"answer": "工期按同类工程测算，维持不变。"},
                  format="json"), 204)
    first_user, first_company = tw.bidders[0]
    mine = ok(client(first_user).get(f"{base}/"))
    assert len(mine["to_confirm"]) == 2
    confirmed = ok(client(first_user).post(f"{base}/bids/confirm/", {"supplier": first_company.uscc}, format="json"))
    assert len(confirmed) == 2 and all(b["confirmation_receipt"] for b in confirmed)
    for user, company in tw.bidders[1:3]:
        ok(client(user).post(f"{base}/bids/confirm/", {"supplier": company.uscc}, format="json"))

    # Before the deadline: nobody learns who registered, who bid or how many.
    for viewer in (clerk, supervisor, purchaser, client(), client(tw.experts[0])):
        overview = viewer.get(f"{base}/")
        if overview.status_code == 200:
            assert overview.json()["bid_count"] is None and overview.json()["bidders"] is None
            assert overview.json()["my_bids"] == []
    text = ledger_text()
    assert all(c.name not in text and c.uscc not in text for _u, c in tw.bidders)

    move_to(datetime.fromisoformat(ok(clerk.get(f"{base}/"))["bid_deadline"]) + PAST_CLOSING)
    settle()
    overview = ok(client().get(f"/api/v1/transactions/{code}/opening/"))
    # Every envelope accepted is listed (LEDGER.md section 6): three live bids of two parts
    # and the withdrawn bid's two.
    assert overview["closed"]["count"] == 8
    public = ok(clerk.get(f"{base}/"))
    assert public["stage"] == "bids_closed" and public["bid_count"] == 3
    for company in public["bidders"]:
        ok(clerk.post(f"{base}/securities/", {"company": company["id"], "amount": "9000.00", "method": "guarantee",
                                             "received_on": clock.now().date().isoformat()}, format="json"), 201)
    ok(clerk.post(f"{base}/draws/", {"count": 5}, format="json"), 201)
    settle()
    ok(clerk.post(f"{base}/committee/", {"expected_stage": "bids_closed"}, format="json"))
    ok(clerk.post(f"/api/v1/transactions/{code}/opening/", shares(tw.tx, world), format="json"))
    overview = ok(clerk.get(f"{base}/"))
    assert overview["stage"] == "technical_opened" and len(overview["openings"]["technical"]) == 3
    members = [client(m.user) for m in PanelMember.objects.filter(transaction=tw.tx)]
    for expert in members:
        for row in overview["openings"]["technical"]:
            ok(expert.post(f"{base}/assessments/", {"commitment": row["commitment"], "responsive": True,
                                                    "reason": "施工方案可行"}, format="json"), 204)
    ok(clerk.post(f"/api/v1/transactions/{code}/opening/", shares(tw.tx, world), format="json"))
    overview = ok(clerk.get(f"{base}/"))
    assert sorted(r["price"] for r in overview["openings"]["price"]) == ["421500.00", "438000.00", "447900.00"]
    for expert in members:
        for row in overview["openings"]["price"]:
            ok(expert.post(f"{base}/assessments/", {"commitment": row["commitment"], "responsive": True,
                                                    "reason": "响应招标文件"}, format="json"), 204)
            for criterion, points in (("technical", "40"), ("commercial", "12.5")):
                ok(expert.post(f"{base}/scores/", {"commitment": row["commitment"], "criterion": criterion,
                                                   "points": points}, format="json"), 204)
        bad = expert.post(f"{base}/scores/", {"commitment": row["commitment"], "criterion": "technical",
                                              "points": "45.001"}, format="json")
        assert bad.status_code == 400
        ok(expert.post(f"{base}/report/", {}, format="json"), 204)
    table = ok(supervisor.get(f"{base}/scoring/"))
    assert len(table["rows"]) == 3 and table["rows"][0]["price_score"] == "40.00"
    csv_text = supervisor.get(f"{base}/scoring/?format=csv").content.decode("utf-8-sig")
    assert csv_text.startswith("rank,supplier")
    assert client().get(f"{base}/scoring/").status_code == 404  # not public before the result

    ok(clerk.post(f"/api/v1/transactions/{code}/actions/complete_evaluation/", {}, format="json"))
    ok(clerk.post(f"/api/v1/transactions/{code}/actions/publish_candidates/", {}, format="json"))
    candidates = ok(client().get(f"{base}/"))["candidates"]
    assert candidates[0]["company"] == tw.bidders[1][1].name and candidates[0]["score"] == "92.50"
    move_to(datetime.fromisoformat(ok(clerk.get(f"{base}/"))["publicity_until"]) + timedelta(seconds=1))
    ok(purchaser.post(f"/api/v1/transactions/{code}/actions/award/", {}, format="json"))
    # No. 1 declines in writing: the award passes to No. 2 (Implementing Regulations art. 55).
    declined = SimpleUploadedFile("放弃中标函.pdf", b"%PDF-1.4 declined", content_type="application/pdf")
    ok(purchaser.post(f"{base}/pass-over/", {"action": "pass_to_next", "reason": "第一名放弃中标",
                                             "file": declined}, format="multipart"))
    assert ok(clerk.get(f"{base}/"))["award"]["company"] == tw.bidders[0][1].name
    ok(clerk.post(f"/api/v1/transactions/{code}/actions/publish_result/", {}, format="json"))
    assert ok(client().get(f"{base}/scoring/"))["members"]  # public with the result
    assert ok(client().get(f"{base}/"))["committee"] is not None
    contract = SimpleUploadedFile("合同.pdf", b"%PDF-1.4 contract", content_type="application/pdf")
    ok(purchaser.post(f"{base}/contract/", {"amount": "438000.00", "signed_on": clock.now().date().isoformat(),
                                            "file": contract}, format="multipart"))
    for company in ok(clerk.get(f"{base}/"))["bidders"]:
        ok(clerk.post(f"{base}/securities/refunds/", {"company": company["id"],
                                                      "refunded_on": clock.now().date().isoformat()},
                      format="json"), 204)
    report = SimpleUploadedFile("书面报告.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    ok(purchaser.post(f"{base}/written-report/", {"file": report}, format="multipart"), 201)
    acceptance = SimpleUploadedFile("验收.pdf", b"%PDF-1.4 accepted", content_type="application/pdf")
    ok(purchaser.post(f"{base}/acceptance/", {"accepted_on": clock.now().date().isoformat(), "passed": "true",
                                              "file": acceptance}, format="multipart"))
    ok(clerk.post(f"/api/v1/transactions/{code}/actions/archive/", {}, format="json"))
    settle()
    kinds = [json.loads(bytes(e.body))["kind"] for e in Entry.objects.filter(subject=code)]
    for kind in ("opening_key.created", "bids.round_changed", "bids.closed", "bids.opened", "security.recorded",
                 "security.refunded", "tender.report_filed", "draw.revealed", "notice.changed"):
        assert kind in kinds, kind
    assert receipts and all(r.startswith("trading.localhost/ledger bid receipt\n") for r in receipts)
    assert checker.successes() >= TENDER_WALK, sorted(TENDER_WALK - checker.successes())


def test_two_failed_rounds_and_a_change_of_method_through_the_api(frozen, client, checker):
    """Fewer than 3 bids twice (流标): the clerk re-tenders, then the purchaser stops the
    tender with the approving body's document."""
    tw = make_tender_world()
    code, world = tw.tx.code, tw.world
    base = f"/api/v1/transactions/{code}/tender"
    clerk, purchaser = client(world.clerk), client(world.purchaser)
    issue_notice(tw)
    bid(tw, 0)
    bid(tw, 1)
    assert pass_deadline(tw).stage == "failed"
    approval = SimpleUploadedFile("批复.pdf", b"%PDF-1.4 approval", content_type="application/pdf")
    early = purchaser.post(f"{base}/method-change/", {"reason": "改为竞争性谈判", "file": approval}, format="multipart")
    assert early.status_code == 422 and early.json()["error"]["details"]["rule"] == "tender.method_change"
    assert ok(clerk.post(f"/api/v1/transactions/{code}/actions/retender/", {}, format="json"))["stage"] == "registered"
    assert ok(clerk.get(f"{base}/"))["round"] == 2
    issue_notice(tw)
    bid(tw, 0)
    assert pass_deadline(tw).stage == "failed"
    missing = purchaser.post(f"{base}/method-change/", {"reason": "改为竞争性谈判"}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()["error"]["details"]["fields"], missing.json()
    approval = SimpleUploadedFile("批复.pdf", b"%PDF-1.4 approval", content_type="application/pdf")
    changed = ok(purchaser.post(f"{base}/method-change/", {"reason": "经县发改局批准改为竞争性谈判", "file": approval},
                                format="multipart"))
    assert changed["stage"] == "terminated"
    assert checker.successes() >= TENDER_FAILED, sorted(TENDER_FAILED - checker.successes())
