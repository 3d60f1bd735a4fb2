"""The 13 computers through the pages (forms, no JavaScript), and who sees the group, the
comparison table and the award, when."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from bidding.models import OpeningRecord, PanelMember
from bidding.selectors_sealed import round_of
from tests.refusals import refused_to_page
from tests.trading.inquiry_world import (
    MONDAY,
    PASSPHRASES,
    PAST_CLOSING,
    custodian_share,
    make_inquiry_world,
    settle,
)
from trading import clock, workdays
from trading.models import Transaction
from trading.procedures.inquiry.models import InquiryRound

# Real commits, as in production (autocommit between services): catches a service that
# needs a transaction it does not open itself.
pytestmark = pytest.mark.usefixtures("ledger_transactional_db")


def browser(user=None):
    c = Client()
    if user is not None:
        assert c.post(reverse("login"), {"username": user.username, "password": "pw-for-tests-1"}).status_code == 302
    return c


def stage(iw):
    return Transaction.objects.get(pk=iw.tx.pk).stage


def post(c, name, code, data, expect=302):
    response = c.post(reverse(name, args=[code]), data)
    assert response.status_code == expect, response.content.decode()[-3000:]
    return response


def refused(c, name, code, data):
    """A refused panel form: 303 to the transaction's page, whose GET shows the error."""
    return refused_to_page(c, c.post(reverse(name, args=[code]), data), reverse("transaction-detail", args=[code]))


@pytest.fixture
def iw():
    with clock.frozen_at(MONDAY):
        yield make_inquiry_world()


def walk_to_opened(iw):
    code = iw.tx.code
    clerk = browser(iw.world.clerk)
    post(clerk, "inquiry-draw", code, {"purpose": "experts", "count": "3"})
    settle()
    post(clerk, "inquiry-group", code, {"expected_stage": "registered"})
    deadline = workdays.earliest_deadline(clock.now(), 3) + timedelta(hours=9)
    local = deadline.astimezone(MONDAY.tzinfo).strftime("%Y-%m-%dT%H:%M")
    short = (deadline - timedelta(days=1)).astimezone(MONDAY.tzinfo).strftime("%Y-%m-%dT%H:%M")
    notice = {"expected_stage": "group_formed", "price_composition": "含税", "award_criterion": "最低价",
              "invitation": "list", "invitees": [str(c.pk) for _u, c in iw.suppliers],
              "supervisor": str(iw.world.supervisor.pk), "purchaser_rep": str(iw.world.purchaser.pk)}
    text = refused(clerk, "inquiry-notice", code, {**notice, "deadline": short}).content.decode()
    assert "含税" in text  # what was typed is kept
    assert deadline.astimezone(MONDAY.tzinfo).strftime("%Y-%m-%d") in text  # the earliest allowed date
    post(clerk, "inquiry-notice", code, {**notice, "deadline": local})
    settle()
    assert stage(iw) == "quoting"
    for (user, company), price in zip(iw.suppliers[:3], ["76500.00", "74800.00", "77900.00"], strict=True):
        supplier = browser(user)
        page = supplier.get(reverse("sealed-quote", args=[code]))
        assert page.status_code == 200
        key = page.context["idempotency_key"]
        response = supplier.post(reverse("sealed-quote", args=[code]),
                                 {"price": price, "understood": "yes", "idempotency_key": key, "company": company.pk})
        assert response.status_code == 302, response.content.decode()[-2000:]
    clock.advance(round_of(iw.tx).deadline - clock.now() + PAST_CLOSING)
    settle()
    assert stage(iw) == "quotes_closed"
    response = clerk.post(reverse("sealed-opening", args=[code]), {
        "expected_stage": "quotes_closed",
        f"share_{iw.world.clerk.pk}": custodian_share(iw.tx, iw.world.clerk, PASSPHRASES["clerk"])[1].hex(),
        f"share_{iw.world.supervisor.pk}": custodian_share(iw.tx, iw.world.supervisor,
                                                           PASSPHRASES["supervisor"])[1].hex()})
    assert response.status_code in (200, 302), response.content.decode()[-2000:]
    assert stage(iw) == "opened"
    return clerk


def test_the_whole_inquiry_through_the_pages(iw):
    code = iw.tx.code
    clerk = walk_to_opened(iw)
    for member in PanelMember.objects.filter(transaction=iw.tx):
        expert = browser(member.user)
        for record in OpeningRecord.objects.filter(opening__bid_round__transaction=iw.tx):
            post(expert, "inquiry-assess", code, {"commitment": record.bid.commitment, "responsive": "yes",
                                                   "reason": "满足需求"})
        post(expert, "inquiry-sign", code, {"dissent": "建议加强售后条款" if member.pk % 2 else ""})
    csv = clerk.get(reverse("inquiry-comparison", args=[code]) + "?format=csv")
    assert csv.status_code == 200 and "74800.00" in csv.content.decode("utf-8-sig")
    assert clerk.post(reverse("transaction-act", args=[code, "complete_evaluation"]),
                      {"expected_stage": "opened"}).status_code == 302
    purchaser = browser(iw.world.purchaser)
    assert purchaser.post(reverse("transaction-act", args=[code, "confirm_award"]),
                          {"expected_stage": "evaluated"}).status_code == 302
    assert clerk.post(reverse("transaction-act", args=[code, "publish_result"]),
                      {"expected_stage": "awarded"}).status_code == 302
    notices = browser().get(reverse("notices")).content.decode()
    assert code in notices
    user, company = iw.suppliers[0]
    post(browser(user), "inquiry-challenge", code, {"company": str(company.pk), "text": "对评审结果有异议"})
    challenge = iw.tx.challenges.get()
    post(clerk, "inquiry-answer", code, {"challenge": str(challenge.pk), "answer": "经复核，维持原结果。"})
    clock.advance(InquiryRound.objects.get(transaction=iw.tx, round=iw.tx.round).challenge_until - clock.now() + timedelta(seconds=1))
    settle()
    assert stage(iw) == "result_final"
    post(purchaser, "inquiry-contract", code, {
        "expected_stage": "result_final", "amount": "74800.00", "signed_on": clock.now().date().isoformat(),
        "file": SimpleUploadedFile("合同.pdf", b"%PDF-1.4 x", content_type="application/pdf")})
    assert stage(iw) == "contracted"
    page = purchaser.get(reverse("transaction-detail", args=[code])).content.decode()
    assert reverse("inquiry-acceptance", args=[code]) in page and "登记履约验收" in page
    refused(purchaser, "inquiry-acceptance", code, {
        "expected_stage": "contracted", "accepted_on": clock.now().date().isoformat(), "conclusion": "failed",
        "remarks": "", "file": SimpleUploadedFile("验收报告.pdf", b"%PDF-1.4 a", content_type="application/pdf")},
    )  # a failed acceptance says why
    post(purchaser, "inquiry-acceptance", code, {
        "expected_stage": "contracted", "accepted_on": clock.now().date().isoformat(), "conclusion": "passed",
        "remarks": "", "file": SimpleUploadedFile("验收报告.pdf", b"%PDF-1.4 a", content_type="application/pdf")})
    assert stage(iw) == "accepted"
    assert "已于" in purchaser.get(reverse("transaction-detail", args=[code])).content.decode()  # the record shown
    public = browser().get(reverse("audit-transaction", args=[code])).content.decode()
    assert "74,800.00" in public


def test_who_sees_the_group_the_comparison_and_the_award_and_when(iw):
    code = iw.tx.code
    walk_to_opened(iw)
    member = PanelMember.objects.filter(transaction=iw.tx).first()
    bidder_user, _company = iw.suppliers[0]
    outsider = iw.world.other_clerk
    names = [m.user.full_name for m in PanelMember.objects.filter(transaction=iw.tx)]

    def sees_names(user):
        response = browser(user).get(reverse("transaction-detail", args=[code]))
        return response.status_code == 200 and all(n in response.content.decode() for n in names)

    assert sees_names(iw.world.clerk) and sees_names(iw.world.supervisor) and sees_names(member.user)
    assert not sees_names(bidder_user)
    assert not any(n in browser().get(reverse("audit-transaction", args=[code])).content.decode() for n in names)
    assert browser(bidder_user).get(reverse("inquiry-comparison", args=[code])).status_code == 404
    assert browser(outsider).get(reverse("inquiry-comparison", args=[code])).status_code == 404
    assert browser(member.user).get(reverse("inquiry-comparison", args=[code])).status_code == 200
