"""An envelope nobody can open does not block the award (issue 8, finding 1).

The attack: an invited supplier submits 560 random bytes through the API. The opening
records it as failed, the members assess the quotes that opened and sign, and then
completing the evaluation answered 500 (the report's digest read the votes of a quote
that has none), so the award could never be made. A failed envelope is not responsive and
needs no assessment: the procedure goes on by its rules, to the award or, with too few
responsive quotes, to the end of the round. What can be refused without opening it (an
HPKE encapsulated key that gives no shared secret, RFC 9180 section 7.1.4) is refused at
submission."""

import base64
import hashlib

import pytest
from django.test import Client
from django.utils.translation import gettext as _
from django.utils.translation import override
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bidding.models import Award, Bid, OpeningRecord, PanelMember
from bidding.services.openings import reason_label
from tests.trading.inquiry_world import (
    MONDAY,
    PRICES,
    assess_all,
    form_group,
    issue_notice,
    make_inquiry_world,
    open_quotes,
    pass_deadline,
    submit_quote,
)
from trading import clock
from trading.errors import RuleViolation
from trading.models import Notice, NoticeKind, Transaction
from trading.procedures.inquiry import services
from trading.services.transitions import transaction_transition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# 560 bytes that look random: their first 32 bytes are a usable X25519 public key (as for
# all but a handful of values), so nothing refuses them before the opening.
GARBAGE = hashlib.shake_256(b"issue 8: 560 random bytes").digest(560)
LOW_ORDER_KEYS = {
    "all zero": bytes(32),
    "one": b"\x01" + bytes(31),
    "a point of order 8": bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
    "p - 1": bytes.fromhex("ec" + "ff" * 30 + "7f"),
}


@pytest.fixture
def iw():
    with clock.frozen_at(MONDAY):
        iw = make_inquiry_world()
        form_group(iw)
        issue_notice(iw)
        yield iw


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def post_envelope(iw, index, envelope):
    user, company = iw.suppliers[index]
    return api(user).post(f"/api/v1/transactions/{iw.tx.code}/quotes/",
                          {"supplier": company.uscc, "envelope": base64.b64encode(envelope).decode()}, format="json")


def opened_with_garbage(iw, good):
    for index in range(good):
        submit_quote(iw, index, PRICES[index])
    assert post_envelope(iw, 3, GARBAGE).status_code == 201
    pass_deadline(iw)
    open_quotes(iw)
    failed = OpeningRecord.objects.get(bid__company=iw.suppliers[3][1])
    assert failed.outcome == "failed" and failed.price is None and failed.reason
    member = PanelMember.objects.filter(transaction=iw.tx).first()
    with pytest.raises(RuleViolation) as refused:  # nothing to assess in it
        services.assessment_record(code=iw.tx.code, user=member.user, commitment=failed.bid.commitment,
                                   responsive=True, reason="满足要求")
    assert refused.value.rule == "evaluation.assess_opened"
    assess_all(iw)  # every member assesses the quotes that opened, and signs
    return failed


def test_a_random_envelope_fails_at_the_opening_and_the_lowest_opened_quote_is_awarded(iw):
    failed = opened_with_garbage(iw, good=3)
    clerk = iw.world.clerk
    for path in (f"/work/transactions/{iw.tx.code}/", f"/work/transactions/{iw.tx.code}/inquiry/comparison/",
                 f"/work/transactions/{iw.tx.code}/inquiry/comparison/?format=csv"):
        client = Client()
        client.force_login(clerk)
        assert client.get(path).status_code == 200, path
    for path in (f"/api/v1/transactions/{iw.tx.code}/inquiry/", f"/api/v1/transactions/{iw.tx.code}/inquiry/comparison/"):
        assert api(clerk).get(path).status_code == 200, path
    response = api(clerk).post(f"/api/v1/transactions/{iw.tx.code}/actions/complete_evaluation/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == "evaluated"
    award = Award.objects.get(transaction=iw.tx)
    assert award.bid.company == iw.suppliers[1][1] and str(award.price) == "74800.00"
    assert [r["price"] for r in award.ranking] == ["74800.00", "76500.00", "77900.00"]
    transaction_transition(code=iw.tx.code, action="confirm_award", user=iw.world.purchaser)
    tx = transaction_transition(code=iw.tx.code, action="publish_result", user=clerk)
    result = Notice.objects.get(transaction=tx, kind=NoticeKind.RESULT)
    [line] = [ln for ln in result.body.splitlines() if failed.bid.bidder_uscc in ln]
    # Notices are in the station's language (zh-hans), the reason included.
    with override("zh-hans"):
        expected = _("did not decrypt, not responsive: %(reason)s") % {"reason": reason_label(failed.reason)}
    assert expected in line and failed.reason not in line


def test_two_good_quotes_and_a_random_envelope_end_the_round_by_the_rule(iw):
    opened_with_garbage(iw, good=2)
    assert Bid.objects.filter(transaction=iw.tx).count() == 3  # enough quotes arrived to open
    clerk = iw.world.clerk
    response = api(clerk).post(f"/api/v1/transactions/{iw.tx.code}/actions/complete_evaluation/", {}, format="json")
    assert response.status_code == 422, response.content
    assert response.json()["error"]["details"]["rule"] == "inquiry.min_responsive"
    with pytest.raises(RuleViolation) as refused:
        transaction_transition(code=iw.tx.code, action="complete_evaluation", user=clerk)
    assert refused.value.rule == "inquiry.min_responsive" and "2" in refused.value.message.split(":")[-1]
    tx = transaction_transition(code=iw.tx.code, action="fail_evaluation", user=clerk)
    assert tx.stage == "terminated" and "2" in tx.reason and "财政部令第74号第五十一条" in tx.reason
    assert Notice.objects.filter(transaction=tx, kind=NoticeKind.TERMINATION).exists()
    assert transaction_transition(code=tx.code, action="restart", user=clerk).round == 2


@pytest.mark.parametrize("name", LOW_ORDER_KEYS)
def test_an_envelope_whose_encapsulated_key_gives_no_shared_secret_is_refused_at_submission(iw, name):
    envelope = LOW_ORDER_KEYS[name] + GARBAGE[32:]
    response = post_envelope(iw, 0, envelope)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and "RFC 9180" in error["message"]
    assert not Bid.objects.exists()
    assert post_envelope(iw, 0, GARBAGE).status_code == 201  # the supplier may still send one quote
    assert Transaction.objects.get(pk=iw.tx.pk).stage == "quoting"
