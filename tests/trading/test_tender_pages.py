"""The tender's pages: the clerk's notice form, the bidder's bid page (register, bid,
replace, withdraw, confirm, receipts), the committee's forms, the evaluation table with
its CSV, the public documents, and every role's view of the transaction page at every
stage (never a 500, nothing secret shown)."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bidding.models import Bid
from bidding.selectors_sealed import round_of
from tests.refusals import refused_to_page
from tests.trading.tender_world import (
    MONDAY,
    assess_all,
    bid,
    fast_scrypt,  # noqa: F401  (autouse)
    form_committee,
    issue_notice,
    make_tender_world,
    members,
    open_next,
    pass_deadline,
    refresh,
    settle,
    walk,
)
from trading import clock, deadlines
from trading.models import Document, Notice
from trading.procedures.tender.selectors import technical_documents

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def tw():
    with clock.frozen_at(MONDAY):
        yield make_tender_world()


def as_user(user):
    client = Client()
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def page(user, tx):
    return as_user(user).get(f"/work/transactions/{tx.code}/")


def local(moment):
    return moment.astimezone(MONDAY.tzinfo).strftime("%Y-%m-%dT%H:%M")


def test_the_clerk_issues_the_notice_on_its_page_and_a_refusal_keeps_what_was_typed(tw):
    clerk = as_user(tw.world.clerk)
    body = page(tw.world.clerk, tw.tx).content.decode()
    assert "Issue the tender notice" in body
    spec = Document.objects.get(transaction=tw.tx, purpose="specification")
    assert as_user(None).get(f"/tenders/{tw.tx.code}/documents/{spec.pk}/").status_code == 404  # before the notice
    now = clock.now()
    form = {"deadline": local(now + timedelta(days=10)), "documents_until": local(now + timedelta(days=6)),
            "method": "lowest_price", "qualifications": "市政三级", "security": "9000.00",
            "supervisor": tw.world.supervisor.pk, "purchaser_rep": tw.world.purchaser.pk, "expected_stage": "registered"}
    refused = refused_to_page(clerk, clerk.post(f"/work/transactions/{tw.tx.code}/tender/notice/", form),
                              f"/work/transactions/{tw.tx.code}/", anchor="form-notice").content.decode()
    assert "at least 20 days" in refused and 'id="id_deadline-error"' in refused
    assert "市政三级" in refused
    form["deadline"] = local(deadlines.at_least_days(tw.tx, now, 20) + timedelta(hours=1))
    assert clerk.post(f"/work/transactions/{tw.tx.code}/tender/notice/", form).status_code == 302
    assert refresh(tw).stage == "tendering"
    spec = Document.objects.get(transaction=tw.tx, purpose="specification")
    approval = Document.objects.get(transaction=tw.tx, purpose="approval")
    assert as_user(None).get(f"/tenders/{tw.tx.code}/documents/{spec.pk}/").status_code == 200
    assert as_user(None).get(f"/tenders/{tw.tx.code}/documents/{approval.pk}/").status_code == 404
    notice = Notice.objects.get(transaction=tw.tx, kind="tender_notice")
    assert f"/tenders/{tw.tx.code}/documents/{spec.pk}/" in notice.body and spec.sha256 in notice.body


def test_a_bidder_registers_bids_replaces_withdraws_and_confirms_on_its_page(tw):
    issue_notice(tw)
    user, company = tw.bidders[0]
    client = as_user(user)
    url = f"/work/transactions/{tw.tx.code}/tender/bid/?company={company.pk}"
    assert "Register and obtain the documents" in client.get(url).content.decode()
    assert client.post(url, {"company": company.pk, "action": "register"}).status_code == 302
    key = client.get(url).context["idempotency_key"]
    assert client.post(url, {"company": company.pk, "action": "price", "price": "438,000.00",
                             "idempotency_key": key}).status_code == 302
    assert client.post(url, {"company": company.pk, "action": "price", "price": "438,000.00",
                             "idempotency_key": key}).status_code == 302  # a double click: the same bid
    assert Bid.objects.filter(company=company).count() == 1
    refused_to_page(client, client.post(url, {"company": company.pk, "action": "price", "price": "1e9",
                                              "idempotency_key": "k2"}), anchor="form-price")
    assert client.post(url, {"company": company.pk, "action": "price", "price": "437000.00",
                             "idempotency_key": "k3"}).status_code == 302
    first, second = Bid.objects.filter(company=company).order_by("pk")
    assert (first.status, second.status) == ("superseded", "live")
    receipt = client.get(f"/work/transactions/{tw.tx.code}/tender/receipt/?commitment={second.commitment}")
    assert receipt.status_code == 200 and "bid receipt" in receipt.content.decode()
    assert client.post(url, {"company": company.pk, "action": "withdraw"}).status_code == 302
    second.refresh_from_db()
    assert second.status == "withdrawn"
    assert client.get(f"/work/transactions/{tw.tx.code}/tender/receipt/?commitment={second.commitment}"
                      "&kind=withdrawal").status_code == 200
    refused_to_page(client, client.post(url, {"company": company.pk, "action": "nonsense"}))
    other = tw.bidders[1][1]
    assert client.post(f"/work/transactions/{tw.tx.code}/tender/bid/", {"company": other.pk,
                                                                       "action": "register"}).status_code == 404


def test_two_envelopes_on_the_bid_page_and_the_committee_reads_the_technical_documents(tw):
    issue_notice(tw, two_envelopes=True)
    user, company = tw.bidders[0]
    client = as_user(user)
    url = f"/work/transactions/{tw.tx.code}/tender/bid/"
    client.post(url, {"company": company.pk, "action": "register"})
    upload = SimpleUploadedFile("施工组织设计.txt", "技术方案全文".encode(), content_type="text/plain")
    assert client.post(url, {"company": company.pk, "action": "technical", "file": upload,
                             "idempotency_key": "t1"}).status_code == 302
    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    refused = refused_to_page(client, client.post(url, {"company": company.pk, "action": "technical", "file": bad}),
                              url, anchor="form-technical").content.decode()
    assert 'id="id_technical_file-error"' in refused and "Choose the file again" in refused
    client.post(url, {"company": company.pk, "action": "price", "price": "438000.00", "idempotency_key": "p1"})
    for index in (1, 2):
        bid(tw, index)
    pass_deadline(tw)
    form_committee(tw)
    open_next(tw)
    member = members(tw)[0].user
    body = page(member, tw.tx).content.decode()
    assert "施工组织设计.txt" in body and "Your assessment of the technical envelopes" in body
    doc = next(d for d in technical_documents(tw.tx) if d.company_id == company.pk)
    assert as_user(member).get(f"/work/transactions/{tw.tx.code}/tender/technical/{doc.pk}/").status_code == 200
    assert as_user(tw.bidders[1][0]).get(f"/work/transactions/{tw.tx.code}/tender/technical/{doc.pk}/"
                                         ).status_code == 404


def test_the_evaluation_table_is_the_committee_s_then_everyone_s(tw):
    walk(tw, "opened", method="scoring")
    assess_all(tw)
    url = f"/work/transactions/{tw.tx.code}/tender/scoring/"
    member = members(tw)[0].user
    assert as_user(member).get(url).status_code == 200
    assert as_user(None).get(url).status_code == 404
    assert as_user(tw.bidders[0][0]).get(url).status_code == 404
    response = as_user(tw.world.clerk).get(url + "?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["rank", "supplier", "uscc", "price", "committee_verdict"] and len(rows) == 4


def test_every_role_sees_the_page_at_every_stage_and_no_secret_before_its_time(tw):
    viewers = [tw.world.clerk, tw.world.supervisor, tw.world.purchaser, tw.bidders[0][0], tw.bidders[3][0],
               tw.experts[0], None]
    issue_notice(tw)
    for index in range(3):
        bid(tw, index)
    names = [company.name for _u, company in tw.bidders[:3]]
    for viewer in viewers:
        response = page(viewer, tw.tx) if viewer is not None else as_user(None).get(f"/audit/transactions/{tw.tx.code}/")
        assert response.status_code in (200, 302, 404)
        text = response.content.decode()
        for name in names:
            if viewer is None or viewer != tw.bidders[names.index(name)][0]:
                assert name not in text, (viewer, name)
    pass_deadline(tw)
    form_committee(tw)
    for viewer in viewers[:-1]:
        assert page(viewer, tw.tx).status_code in (200, 404)
    open_next(tw)
    assess_all(tw)
    for viewer in viewers[:-1]:
        assert page(viewer, tw.tx).status_code in (200, 404)
    settle()
    assert round_of(tw.tx).closed_at is not None
