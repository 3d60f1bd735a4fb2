"""Bad input at every step of the open tender, through the API and the pages: each refused
with a clear error that names what is wrong (never a 500), and the stage stays where it was
(tests/test_hostile_input.py does the same for the inquiry; its helpers are reused)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bidding.models import Bid, Challenge, OpeningRecord
from tests.test_hostile_input import (
    BAD_IDS,
    BAD_TEXT,
    HUGE,
    api,
    browser,
    each,
    page_refused,
    refused,
)
from tests.trading.tender_world import (
    MONDAY,
    bid,
    fast_scrypt,  # noqa: F401  (autouse)
    form_committee,
    issue_notice,
    make_tender_world,
    members,
    open_next,
    walk,
)
from trading import clock, deadlines
from trading.models import Transaction
from trading.procedures.tender.services import changes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
BAD_MONEY = ["", "abc", "-1", "0", "1e9", "1.001", "NaN", "Infinity", "9" * 40, 5, 1.5, None, [], {}, "\x00"]
BAD_DATES = ["", "tomorrow", "2026-13-40", "2026-02-30T25:00", 5, None, [], "\x00"]


@pytest.fixture
def tw():
    with clock.frozen_at(MONDAY):
        yield make_tender_world()


def stage_of(tw):
    return Transaction.objects.get(pk=tw.tx.pk).stage


def pdf(name="文件.pdf"):
    return SimpleUploadedFile(name, f"%PDF-1.4 {name}".encode(), content_type="application/pdf")


def test_api_notice_refuses_bad_dates_methods_weights_money_and_records(tw):
    clerk = api(tw.world.clerk)
    url = f"/api/v1/transactions/{tw.tx.code}/tender/notice/"
    now = clock.now()
    valid = {"deadline": (deadlines.at_least_days(tw.tx, now, 20) + timedelta(hours=1)).isoformat(),
             "documents_until": (now + timedelta(days=6)).isoformat(), "method": "scoring",
             "weights": {"price": "40", "technical": "45", "commercial": "15"}, "qualifications": "市政三级",
             "supervisor": tw.world.supervisor.pk, "purchaser_rep": tw.world.purchaser.pk}
    for field in ("deadline", "documents_until"):
        for _value, payload in each(valid, field, BAD_DATES):
            refused(clerk.post(url, payload, format="json"))
    for _value, payload in each(valid, "method", ["", "cheapest", None, 5, []]):
        refused(clerk.post(url, payload, format="json"))
    for value in [None, {}, {"price": "40"}, {"price": "x", "technical": "45", "commercial": "15"},
                  {"price": "0", "technical": "85", "commercial": "15"}, {"price": "-10", "technical": "95",
                                                                          "commercial": "15"},
                  {"price": "40.001", "technical": "44.999", "commercial": "15"}, [], "40/45/15",
                  {"price": "40", "technical": "45", "commercial": "15", "bribes": "0"}]:
        body = refused(clerk.post(url, {**valid, "weights": value}, format="json"))
        assert "weight" in body["error"]["message"] or "price" in body["error"]["message"], (value, body)
    for field in ("max_price", "security_amount"):
        for _value, payload in each(valid, field, [v for v in BAD_MONEY if v is not None]):
            refused(clerk.post(url, payload, format="json"))
    for field in ("supervisor", "purchaser_rep"):
        for _value, payload in each(valid, field, BAD_IDS + [12345678, tw.bidders[0][0].pk]):
            refused(clerk.post(url, payload, format="json"))
    for _value, payload in each(valid, "qualifications", BAD_TEXT):
        refused(clerk.post(url, payload, format="json"))
    for _value, payload in each(valid, "two_envelopes", ["maybe", [], {}, 2]):
        refused(clerk.post(url, payload, format="json"))
    assert stage_of(tw) == "registered"


def test_api_bids_registrations_withdrawals_and_confirmations_refuse_bad_input(tw):
    issue_notice(tw, two_envelopes=True)
    user, company = tw.bidders[0]
    bidder = api(user)
    base = f"/api/v1/transactions/{tw.tx.code}/tender"
    for value in BAD_IDS + [12345678, tw.bidders[1][1].pk]:
        refused(bidder.post(f"{base}/registrations/", {"company": value}, format="json"))
    bidder.post(f"{base}/registrations/", {"company": company.pk}, format="json")
    for value in ["", "not base64!", "QUFB", "A" * 4096, None, [], {}, 5, "\x00"]:
        refused(bidder.post(f"{base}/bids/", {"supplier": company.uscc, "part": "price", "envelope": value},
                            format="json"))
    for value in ["offer", "Price", "x" * 17, "\x00", [], 5]:
        refused(bidder.post(f"{base}/bids/", {"supplier": company.uscc, "part": value, "envelope": "QUFB"},
                            format="json"))
    for value in ["", "x", None, [], "9" * 33, "\x00", tw.bidders[1][1].uscc]:
        refused(bidder.post(f"{base}/bids/", {"supplier": value, "envelope": "QUFB"}, format="json"))
        refused(bidder.post(f"{base}/bids/withdraw/", {"supplier": value}, format="json"))
        refused(bidder.post(f"{base}/bids/confirm/", {"supplier": value}, format="json"))
    refused(bidder.post(f"{base}/bids/withdraw/", {"supplier": company.uscc}, format="json"))  # nothing to withdraw
    refused(bidder.post(f"{base}/bids/confirm/", {"supplier": company.uscc}, format="json"))  # nothing to confirm
    for upload in [None, SimpleUploadedFile("x.exe", b"MZ"), SimpleUploadedFile("空.pdf", b""),
                   SimpleUploadedFile("no-extension", b"%PDF")]:
        payload = {"supplier": company.uscc} | ({"file": upload} if upload is not None else {})
        refused(bidder.post(f"{base}/bids/technical/", payload, format="multipart"))
    assert not Bid.objects.exists() and stage_of(tw) == "tendering"


def test_api_clarifications_and_objections_refuse_bad_input(tw):
    issue_notice(tw)
    bid(tw, 0)
    clerk = api(tw.world.clerk)
    base = f"/api/v1/transactions/{tw.tx.code}/tender"
    for value in BAD_TEXT:
        refused(clerk.post(f"{base}/clarifications/", {"text": value}, format="json"))
    user, company = tw.bidders[0]
    bidder = api(user)
    for _value, payload in each({"company": company.pk, "text": "异议"}, "company", BAD_IDS + [12345678]):
        refused(bidder.post(f"{base}/objections/", payload, format="json"))
    for _value, payload in each({"company": company.pk, "text": "异议"}, "text", BAD_TEXT):
        refused(bidder.post(f"{base}/objections/", payload, format="json"))
    outsider, other = tw.bidders[3]
    refused(api(outsider).post(f"{base}/objections/", {"company": other.pk, "text": "未报名"}, format="json"))
    assert not Challenge.objects.exists()
    objection = changes.tender_object_documents(code=tw.tx.code, user=user, company=company, text="异议")
    for value in BAD_TEXT:
        refused(clerk.post(f"{base}/objections/{objection.pk}/answer/", {"answer": value}, format="json"))
    refused(clerk.post(f"{base}/objections/{HUGE}/answer/", {"answer": "维持"}, format="json"))
    refused(bidder.post(f"{base}/objections/{objection.pk}/answer/", {"answer": "自答"}, format="json"))
    assert not Challenge.objects.get(pk=objection.pk).answered_at and stage_of(tw) == "tendering"


def test_api_committee_evaluation_and_securities_refuse_bad_input(tw):
    walk(tw, "closed")
    clerk = api(tw.world.clerk)
    base = f"/api/v1/transactions/{tw.tx.code}/tender"
    for value in BAD_IDS + [100, "5 experts"]:
        refused(clerk.post(f"{base}/draws/", {"count": value}, format="json"))
    for value in [v for v in BAD_IDS if v != []] + [[v] for v in BAD_IDS if not isinstance(v, list)]:
        refused(clerk.post(f"{base}/committee/", {"purchaser_reps": value}, format="json"))
    company = tw.bidders[0][1]
    valid = {"company": company.pk, "amount": "9000.00", "method": "transfer",
             "received_on": clock.now().date().isoformat()}
    for _value, payload in each(valid, "company", BAD_IDS + [12345678, tw.bidders[3][1].pk]):
        refused(clerk.post(f"{base}/securities/", payload, format="json"))
    for _value, payload in each(valid, "amount", BAD_MONEY):
        refused(clerk.post(f"{base}/securities/", payload, format="json"))
    for _value, payload in each(valid, "method", ["", "cash", None, 5]):
        refused(clerk.post(f"{base}/securities/", payload, format="json"))
    for _value, payload in each(valid, "received_on", BAD_DATES + ["2999-01-01"]):
        refused(clerk.post(f"{base}/securities/", payload, format="json"))
    refused(clerk.post(f"{base}/securities/refunds/", {"company": company.pk,
                                                       "refunded_on": clock.now().date().isoformat()},
                       format="json"))  # not before the result
    assert stage_of(tw) == "bids_closed"

    tw.tx = Transaction.objects.get(pk=tw.tx.pk).as_procedure()
    form_committee(tw)
    open_next(tw)
    expert = api(members(tw)[0].user)
    commitment = OpeningRecord.objects.filter(opening__bid_round__transaction=tw.tx).first().bid.commitment
    valid = {"commitment": commitment, "responsive": True, "reason": "响应"}
    for _value, payload in each(valid, "commitment", ["", "0" * 64, "zz", None, [], 5, "\x00" * 64]):
        refused(expert.post(f"{base}/assessments/", payload, format="json"))
    for _value, payload in each(valid, "responsive", ["maybe", None, [], {}, 2]):
        refused(expert.post(f"{base}/assessments/", payload, format="json"))
    for _value, payload in each(valid, "reason", BAD_TEXT):
        refused(expert.post(f"{base}/assessments/", payload, format="json"))
    refused(expert.post(f"{base}/scores/", {"commitment": commitment, "criterion": "technical", "points": "40"},
                        format="json"))  # the notice fixed the lowest price: nothing is scored
    for value in ["a\x00b", "\ud800", "x" * 100_001, [], {}, 5]:
        refused(expert.post(f"{base}/report/", {"dissent": value}, format="json"))
    refused(api(tw.bidders[0][0]).post(f"{base}/assessments/", valid, format="json"))
    assert stage_of(tw) == "opened"


def test_api_scores_refuse_points_outside_the_weights(tw):
    walk(tw, "opened", method="scoring")
    base = f"/api/v1/transactions/{tw.tx.code}/tender"
    expert = api(members(tw)[0].user)
    commitment = OpeningRecord.objects.filter(opening__bid_round__transaction=tw.tx).first().bid.commitment
    valid = {"commitment": commitment, "criterion": "technical", "points": "40"}
    for _value, payload in each(valid, "points", ["", "-1", "45.01", "46", "NaN", "Infinity", "x", None, [], "\x00"]):
        refused(expert.post(f"{base}/scores/", payload, format="json"))
    for _value, payload in each(valid, "criterion", ["price", "", "beauty", None, 5]):
        refused(expert.post(f"{base}/scores/", payload, format="json"))


def test_api_after_the_result_refuses_bad_pass_overs_contracts_reports_and_method_changes(tw):
    walk(tw, "result")
    purchaser = api(tw.world.purchaser)
    base = f"/api/v1/transactions/{tw.tx.code}/tender"
    valid = {"action": "pass_to_next", "reason": "放弃", "file": pdf("放弃函.pdf")}
    for _value, payload in each(valid, "action", ["", "skip", "retender"]):
        refused(purchaser.post(f"{base}/pass-over/", payload, format="multipart"))
    for value in ["", "   ", "a\x00b"]:
        refused(purchaser.post(f"{base}/pass-over/", {**valid, "reason": value, "file": pdf("a.pdf")},
                               format="multipart"))
    refused(purchaser.post(f"{base}/pass-over/", {"action": "pass_to_next", "reason": "放弃"}, format="multipart"))
    for value in ["", "x", "-1", "1e9", "421500.001", "999999.00"]:
        refused(purchaser.post(f"{base}/contract/", {"amount": value, "signed_on": clock.now().date().isoformat(),
                                                     "file": pdf("合同.pdf")}, format="multipart"))
    for value in ["", "2026-13-01", "2999-01-01", "x"]:
        refused(purchaser.post(f"{base}/contract/", {"amount": "421500.00", "signed_on": value,
                                                     "file": pdf("合同.pdf")}, format="multipart"))
    refused(purchaser.post(f"{base}/written-report/", {}, format="multipart"))
    refused(purchaser.post(f"{base}/written-report/", {"file": SimpleUploadedFile("r.exe", b"MZ")},
                           format="multipart"))
    refused(purchaser.post(f"{base}/method-change/", {"reason": "改方式", "file": pdf("批复.pdf")},
                           format="multipart"))  # not failed
    refused(api(tw.world.clerk).post(f"{base}/pass-over/", {**valid, "file": pdf("b.pdf")}, format="multipart"))
    assert stage_of(tw) == "result_published"


def test_pages_refuse_bad_input_with_the_page_again(tw):
    clerk = browser(tw.world.clerk)
    base = f"/work/transactions/{tw.tx.code}/tender"
    for value in ["", "tomorrow", "2026-13-40T25:00", "\x01"]:
        page_refused(clerk, clerk.post(f"{base}/notice/", {"deadline": value, "documents_until": value,
                                                           "method": "lowest_price", "qualifications": "x"}))
    page_refused(clerk, clerk.post(f"{base}/notice/", {"deadline": "2026-12-30T09:00",
                                                       "documents_until": "2026-11-09T09:00", "method": "scoring",
                                                       "weight_price": "x", "qualifications": "x"}))
    assert stage_of(tw) == "registered"
    issue_notice(tw)
    user, company = tw.bidders[0]
    bidder = browser(user)
    for value in ["abc", "-1", str(HUGE), "1.5", "٣", tw.bidders[1][1].pk]:
        response = bidder.post(f"{base}/bid/", {"company": value, "action": "register"})
        assert response.status_code in (400, 404), response.status_code
    bidder.post(f"{base}/bid/", {"company": company.pk, "action": "register"})
    for price in ["", "abc", "-1", "0", "1e9", "1.001", "9" * 40, "\x00"]:
        page_refused(bidder, bidder.post(f"{base}/bid/", {"company": company.pk, "action": "price", "price": price}))
    for action in ["", "bribe", "\x00"]:
        page_refused(bidder, bidder.post(f"{base}/bid/", {"company": company.pk, "action": action}))
    for commitment in ["", "x", "0" * 64, "\x00", "ab" * 500]:
        assert bidder.get(f"{base}/receipt/", {"commitment": commitment}).status_code in (400, 404)
    for url in (f"{base}/technical/{HUGE}/", f"/tenders/{tw.tx.code}/documents/{HUGE}/",
                "/tenders/JY-1999-0001/documents/1/", f"{base}/scoring/?format=xlsx"):
        assert bidder.get(url).status_code in (400, 404), url
    page_refused(clerk, clerk.post(f"{base}/clarify/", {"text": "\x07"}))
    page_refused(clerk, clerk.post(f"{base}/security/", {"company": company.pk, "amount": "x", "method": "transfer",
                                                         "date": "2026-13-01"}))
    page_refused(bidder, bidder.post(f"{base}/object/", {"company": "x", "text": "异议"}))
    assert Bid.objects.filter(company=company).count() == 0 and stage_of(tw) == "tendering"
