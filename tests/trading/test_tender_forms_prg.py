"""The open tender's forms follow Post/Redirect/Get (trading/views/prg.py; the core's and
the inquiry's: tests/trading/test_forms_prg.py): a refused form answers 303 to the page it
is on, at the form's anchor; that page shows the error at the top and at the field, with
what was typed (never a price), once; nothing already saved is lost."""

import re
from datetime import timedelta

import pytest
from django.test import Client

from bidding.models import Assessment, Bid, Challenge, Score
from tests.refusals import SUMMARY, refused_to_page, shown_once
from tests.trading.tender_world import (
    MONDAY,
    fast_scrypt,  # noqa: F401  (autouse)
    issue_notice,
    make_tender_world,
    members,
    refresh,
    walk,
)
from trading import clock
from trading.views import prg

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def tw():
    with clock.frozen_at(MONDAY):
        yield make_tender_world()


def browser(user):
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def local(moment):
    return moment.astimezone(MONDAY.tzinfo).strftime("%Y-%m-%dT%H:%M")


def test_a_refused_notice_is_shown_at_the_top_and_at_the_deadline_with_all_that_was_typed(tw):
    clerk = browser(tw.world.clerk)
    page = f"/work/transactions/{tw.tx.code}/"
    now = clock.now()
    response = clerk.post(f"/work/transactions/{tw.tx.code}/tender/notice/", {
        "expected_stage": "registered", "deadline": local(now + timedelta(days=10)),
        "documents_until": local(now + timedelta(days=6)), "method": "scoring", "weight_price": "50",
        "weight_technical": "35", "weight_commercial": "15", "two_envelopes": "yes", "qualifications": "市政三级",
        "max_price": "450000.00", "security": "", "supervisor": tw.world.supervisor.pk,
        "purchaser_rep": tw.world.purchaser.pk})
    assert "/tender/" not in response["Location"]
    text = refused_to_page(clerk, response, page, anchor="form-notice").content.decode()
    assert text.index(SUMMARY) < text.index("<h1>") and "at least 20 days" in text.split("<h1>")[0]
    assert 'href="#id_deadline"' in text and 'id="id_deadline-error"' in text
    assert re.search(r'<input type="datetime-local" id="id_deadline"[^>]*aria-invalid="true"', text)
    assert ">市政三级</textarea>" in text and 'value="450000.00"' in text and 'name="weight_price" size="5" value="50"' in text
    assert 'value="scoring" checked' in text and 'value="yes" checked' in text
    assert 'id="id_security" name="security" value=""' in text  # emptied by the clerk: kept empty
    assert refresh(tw).stage == "registered"
    assert shown_once(clerk, page)


def test_a_refused_price_is_shown_at_its_field_never_kept_and_the_sealed_bid_stands(tw):
    issue_notice(tw)
    user, company = tw.bidders[0]
    client = browser(user)
    page = f"/work/transactions/{tw.tx.code}/tender/bid/"
    client.post(page, {"company": company.pk, "action": "register"})
    assert client.post(page, {"company": company.pk, "action": "price", "price": "438000.00",
                              "idempotency_key": "k1"}).status_code == 302
    response = client.post(page, {"company": company.pk, "action": "price", "price": "437999.999",
                                  "idempotency_key": "k2"})
    assert "price" not in client.session[prg.SESSION_KEY]["posted"]  # a price is kept nowhere on the server
    text = refused_to_page(client, response, page, anchor="form-price").content.decode()
    assert 'href="#id_price"' in text and 'id="id_price-error"' in text and "two decimal places" in text
    assert "437999.999" not in text
    assert [b.status for b in Bid.objects.filter(company=company)] == ["live"]
    assert shown_once(client, f"{page}?company={company.pk}")


def test_a_refused_score_is_shown_at_its_bid_s_form_and_the_saved_verdict_stays(tw):
    walk(tw, "opened", method="scoring")
    member = members(tw)[0]
    client = browser(member.user)
    page = f"/work/transactions/{tw.tx.code}/"
    assess = f"/work/transactions/{tw.tx.code}/tender/assess/"
    bid = Bid.objects.filter(bid_round__transaction=tw.tx, status="live").order_by("pk").first()
    assert client.post(assess, {"commitment": bid.commitment, "responsive": "yes", "reason": "方案可行",
                                "technical": "40", "commercial": "12"}).status_code == 302
    response = client.post(assess, {"commitment": bid.commitment, "responsive": "no", "reason": "工期不满足",
                                    "technical": "999", "commercial": "10"})
    form = f"assess_{bid.commitment[:16]}"
    text = refused_to_page(client, response, page, anchor=f"form-{form}").content.decode()
    assert f'href="#id_{form}_technical"' in text and f'id="id_{form}_technical-error"' in text
    assert re.search(rf'id="id_{form}_technical" name="technical" size="5" value="999" aria-invalid="true"', text)
    assert f'id="id_{form}_reason" name="reason" rows="1" required>工期不满足</textarea>' in text
    assessment = Assessment.objects.get(member=member, bid=bid)
    assert (assessment.responsive, assessment.reason) == (True, "方案可行")  # nothing half saved
    assert {s.criterion: s.points for s in Score.objects.filter(member=member, bid=bid)} == {
        "technical": 40, "commercial": 12}
    assert shown_once(client, page)


def test_a_refused_objection_and_a_refused_answer_keep_their_text_at_their_field(tw):
    issue_notice(tw)
    user, company = tw.bidders[0]
    client = browser(user)
    client.post(f"/work/transactions/{tw.tx.code}/tender/bid/", {"company": company.pk, "action": "register"})
    page = f"/work/transactions/{tw.tx.code}/"
    response = client.post(f"/work/transactions/{tw.tx.code}/tender/object/",
                           {"company": company.pk, "text": "技术参数指向特定品牌" * 1001})
    text = refused_to_page(client, response, page, anchor="form-object").content.decode()
    assert 'href="#id_object_text"' in text and 'id="id_object_text-error"' in text
    assert "技术参数指向特定品牌" * 1001 + "</textarea>" in text
    assert f'<option value="{company.pk}" selected>' in text
    assert client.post(f"/work/transactions/{tw.tx.code}/tender/object/",
                       {"company": company.pk, "text": "技术参数指向特定品牌"}).status_code == 302
    objection = Challenge.objects.get(transaction=tw.tx)
    clerk = browser(tw.world.clerk)
    response = clerk.post(f"/work/transactions/{tw.tx.code}/tender/answer/",
                          {"challenge": objection.pk, "answer": "\x07已修改"})
    form = f"answer_{objection.pk}"
    text = refused_to_page(clerk, response, page, anchor=f"form-{form}").content.decode()
    assert f'href="#id_{form}_text"' in text and f'id="id_{form}_text-error"' in text
    assert "control characters" in text
    objection.refresh_from_db()
    assert objection.answered_at is None
