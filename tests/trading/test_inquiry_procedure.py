"""The inquiry procedure, step by step through its services: the 13 computers end to end,
the terminated branches and a restart, the silence rule, challenges, and every guard at
its boundary."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bidding.models import Acceptance, Award, Bid, Draw, OpeningRecord, PanelMember
from ledger.models import Entry
from ledger.verify import LogChecker
from tests.trading.inquiry_world import (
    MONDAY,
    PASSPHRASES,
    PRICES,
    assess_all,
    custodian_share,
    form_group,
    issue_notice,
    make_inquiry_world,
    open_quotes,
    pass_deadline,
    settle,
    submit_quote,
    walk,
)
from trading import clock, workdays
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import Notice, Transaction
from trading.procedures.inquiry import services
from trading.procedures.inquiry.models import InquiryRound
from trading.procedures.inquiry.selectors import inquiry_overview
from trading.services.transitions import transaction_transition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def frozen():
    with clock.frozen_at(MONDAY):
        yield


@pytest.fixture
def iw(frozen):
    return make_inquiry_world()


def entries(code, kind=None):
    rows = Entry.objects.filter(subject=code).order_by("seq")
    if kind:
        rows = rows.filter(kind=kind)
    return [json.loads(bytes(e.body)) for e in rows]


def test_the_thirteen_computers_end_to_end(iw):
    tx = form_group(iw)
    assert tx.stage == "group_formed"
    assert PanelMember.objects.filter(transaction=tx).count() == 3
    tx = issue_notice(iw)
    assert tx.stage == "quoting" and tx.rule_set is not None
    notice_entry = [e for e in entries(tx.code, "transition") if e["data"]["action"] == "issue_notice"][0]
    assert notice_entry["data"]["rule_set"]["code"] == "inquiry-default"
    for index, price in enumerate(["76500.00", "74800.00", "77900.00"]):
        submit_quote(iw, index, price)
    tx = pass_deadline(iw)
    assert tx.stage == "quotes_closed"
    [closed] = entries(tx.code, "bids.closed")
    assert closed["data"]["count"] == 3
    assert closed["data"]["commitments"] == sorted(q.commitment for q in Bid.objects.filter(transaction=tx))
    tx = open_quotes(iw)
    assert tx.stage == "opened"
    assert sorted(r.price for r in OpeningRecord.objects.filter(opening__bid_round__transaction=tx)) == [
        pytest.approx(p) for p in sorted([74800, 76500, 77900])]
    assess_all(iw)
    tx = transaction_transition(code=tx.code, action="complete_evaluation", user=iw.world.clerk)
    award = Award.objects.get(transaction=tx)
    assert award.bid.company == iw.suppliers[1][1] and str(award.price) == "74800.00"
    tx = transaction_transition(code=tx.code, action="confirm_award", user=iw.world.purchaser)
    tx = transaction_transition(code=tx.code, action="publish_result", user=iw.world.clerk)
    assert tx.stage == "result_published"
    result = Notice.objects.get(transaction=tx, kind="result")
    assert "含运输、安装、税费及三年上门保修" in result.body  # the result carries the inquiry notice
    assert "专家1" in result.body or "专家2" in result.body or "专家3" in result.body or "专家4" in result.body
    assert Notice.objects.filter(transaction=tx, kind="award", addressee=iw.suppliers[1][1]).exists()
    assert Notice.objects.filter(transaction=tx, kind="outcome").count() == 3
    assert Draw.objects.get(transaction=tx, purpose="experts").revealed_at is not None
    clock.advance(InquiryRound.objects.get(transaction=tx, round=tx.round).challenge_until - clock.now() + timedelta(seconds=1))
    settle()
    tx = Transaction.objects.get(pk=tx.pk).as_procedure()
    assert tx.stage == "result_final"
    contract = SimpleUploadedFile("合同.pdf", b"%PDF-1.4 contract", content_type="application/pdf")
    tx = services.inquiry_record_contract(code=tx.code, user=iw.world.purchaser, amount="74800.00",
                                          signed_on=clock.now().date(), upload=contract)
    with pytest.raises(StageConflict, match="archived from: accepted"):  # the performance check comes first
        transaction_transition(code=tx.code, action="archive", user=iw.world.clerk)
    report = SimpleUploadedFile("验收报告.pdf", b"%PDF-1.4 acceptance", content_type="application/pdf")
    tx = services.inquiry_record_acceptance(code=tx.code, user=iw.world.purchaser, accepted_on=clock.now().date(),
                                            passed=True, remarks="", upload=report)
    assert tx.stage == "accepted"
    tx = transaction_transition(code=tx.code, action="archive", user=iw.world.clerk)
    assert tx.stage == "archived"
    public = inquiry_overview(tx, None)  # what was published stays published once archived
    assert public["award"].price == Decimal("74800.00") and len(public["opening_records"]) == 3 and public["group"]
    settle()
    checker = LogChecker()
    checker.add_many(bytes(e.body) for e in Entry.objects.order_by("seq"))
    moves = [(e["data"]["from"], e["data"]["to"]) for e in entries(tx.code, "transition")]
    assert moves[3:] == [
        ("registered", "group_formed"), ("group_formed", "notice_issued"), ("notice_issued", "quoting"),
        ("quoting", "quotes_closed"), ("quotes_closed", "opened"), ("opened", "evaluated"),
        ("evaluated", "awarded"), ("awarded", "result_published"), ("result_published", "result_final"),
        ("result_final", "contracted"), ("contracted", "accepted"), ("accepted", "archived")]
    acceptance = entries(tx.code, "transition")[-2]["data"]
    assert acceptance["passed"] is True and len(acceptance["document_sha256"]) == 64


def test_fewer_than_three_quotes_terminate_with_a_notice_and_restart_as_a_new_round(iw):
    form_group(iw)
    issue_notice(iw)
    submit_quote(iw, 0, "70000.00")
    submit_quote(iw, 1, "71000.00")
    tx = pass_deadline(iw)
    assert tx.stage == "terminated"
    assert "2" in tx.reason
    assert entries(tx.code, "bids.closed")[0]["data"]["count"] == 2
    assert Notice.objects.filter(transaction=tx, kind="termination").exists()
    restarted = transaction_transition(code=tx.code, action="restart", user=iw.world.clerk)
    assert restarted.stage == "registered" and restarted.round == 2


def test_a_clerk_termination_does_not_restart(iw):
    tx = transaction_transition(code=iw.tx.code, action="terminate", user=iw.world.clerk, reason="需求取消")
    with pytest.raises(RuleViolation):
        transaction_transition(code=tx.code, action="restart", user=iw.world.clerk)


def test_fewer_than_three_responsive_quotes_end_the_round(iw):
    walk(iw, "opened")
    assess_all(iw, {iw.suppliers[0][1].uscc: False})
    with pytest.raises(RuleViolation, match="3"):
        transaction_transition(code=iw.tx.code, action="complete_evaluation", user=iw.world.clerk)
    tx = transaction_transition(code=iw.tx.code, action="fail_evaluation", user=iw.world.clerk)
    assert tx.stage == "terminated"


def test_a_quote_above_budget_is_not_awarded(frozen):
    iw = make_inquiry_world(amount="75000.00")
    walk(iw, "opened")
    assess_all(iw)
    with pytest.raises(RuleViolation):
        transaction_transition(code=iw.tx.code, action="complete_evaluation", user=iw.world.clerk)


def test_silence_confirms_the_rules_result_after_five_working_days(iw):
    tx = walk(iw, "evaluated")
    confirm_by = InquiryRound.objects.get(transaction=tx, round=tx.round).confirm_by
    clock.advance(confirm_by - clock.now() - timedelta(seconds=1))
    settle()
    assert Transaction.objects.get(pk=tx.pk).stage == "evaluated"  # not yet
    clock.advance(timedelta(seconds=2))
    settle()
    tx = Transaction.objects.get(pk=tx.pk)
    assert tx.stage == "awarded"
    assert Award.objects.get(transaction=tx).confirmed_by_silence
    [silence] = [e for e in entries(tx.code, "transition") if e["data"]["action"] == "confirm_by_silence"]
    assert silence["actor"]["role"] == "system"


def test_a_challenge_suspends_the_contract_step_until_answered(iw):
    tx = walk(iw, "published")
    user, company = iw.suppliers[0]
    challenge = services.challenge_file(code=tx.code, user=user, company=company, text="成交供应商的显示器不符合参数要求")
    clock.advance(InquiryRound.objects.get(transaction=tx, round=tx.round).challenge_until - clock.now() + timedelta(seconds=1))
    settle()
    assert Transaction.objects.get(pk=tx.pk).stage == "result_published"  # waits for the answer
    with pytest.raises(RuleViolation):
        services.challenge_file(code=tx.code, user=user, company=company, text="again")  # period over
    services.challenge_answer(code=tx.code, user=iw.world.clerk, challenge_id=challenge.pk,
                              answer="经核查，显示器参数满足要求，质疑不成立。")
    settle()
    assert Transaction.objects.get(pk=tx.pk).stage == "result_final"
    kinds = [e["kind"] for e in entries(tx.code)]
    assert "challenge.filed" in kinds and "challenge.answered" in kinds


def test_deadline_one_working_day_short_is_refused_with_the_earliest_date(iw):
    form_group(iw)
    earliest = workdays.earliest_deadline(clock.now(), 3)
    with pytest.raises(RuleViolation) as refused:
        issue_notice(iw, deadline=earliest - timedelta(minutes=1))
    assert "3" in refused.value.message and refused.value.rule == "inquiry.quote_period"
    assert earliest.astimezone(MONDAY.tzinfo).strftime("%Y-%m-%d 00:00") in refused.value.message
    assert issue_notice(iw, deadline=earliest).stage == "quoting"


def test_a_holiday_in_between_moves_the_earliest_deadline(frozen):
    # 2026 National Day: the notice on Tuesday 29 September; 1-7 October are holidays.
    with clock.frozen_at(MONDAY.replace(month=9, day=29)):
        notice = clock.now()
        earliest = workdays.earliest_deadline(notice, 3)
        assert earliest.astimezone(MONDAY.tzinfo).date() > notice.date() + timedelta(days=7)


def test_fewer_than_three_invitees_are_refused(iw):
    form_group(iw)
    with pytest.raises(RuleViolation, match="3"):
        issue_notice(iw, invite=2)
    assert Transaction.objects.get(pk=iw.tx.pk).stage == "group_formed"


def test_an_even_group_is_refused(iw):
    services.inquiry_announce_expert_draw(code=iw.tx.code, user=iw.world.clerk, count=3)
    settle()
    with pytest.raises(RuleViolation, match="odd"):
        services.inquiry_form_group(code=iw.tx.code, user=iw.world.clerk, purchaser_reps=[iw.world.purchaser.pk])


def test_the_group_is_formed_only_after_the_draw_is_performed(iw):
    services.inquiry_announce_expert_draw(code=iw.tx.code, user=iw.world.clerk, count=3)
    with pytest.raises(RuleViolation):
        services.inquiry_form_group(code=iw.tx.code, user=iw.world.clerk)


def test_quotes_are_not_opened_with_one_custodian(iw):
    form_group(iw)
    issue_notice(iw)
    for index, price in enumerate(PRICES):
        submit_quote(iw, index, price)
    pass_deadline(iw)
    with pytest.raises(RuleViolation):
        services.inquiry_open_quotes(code=iw.tx.code, user=iw.world.clerk,
                                     shares=[custodian_share(iw.tx, iw.world.clerk, PASSPHRASES["clerk"])])
    assert Transaction.objects.get(pk=iw.tx.pk).stage == "quotes_closed"


def test_only_the_group_assesses_and_signed_reports_are_final(iw):
    walk(iw, "opened")
    record = OpeningRecord.objects.filter(opening__bid_round__transaction=iw.tx).first()
    from trading.errors import NotPermitted

    with pytest.raises(NotPermitted):
        services.assessment_record(code=iw.tx.code, user=iw.world.clerk, commitment=record.bid.commitment,
                                   responsive=True, reason="x")
    member = PanelMember.objects.filter(transaction=iw.tx).first()
    with pytest.raises(RuleViolation):
        services.report_sign(code=iw.tx.code, user=member.user)  # not everything assessed
    assess_all(iw)
    with pytest.raises(StageConflict):
        services.assessment_record(code=iw.tx.code, user=member.user, commitment=record.bid.commitment,
                                   responsive=False, reason="改主意")


def test_a_round_terminated_while_quoting_closes_its_bids_so_receipts_stay_checkable(iw):
    form_group(iw)
    issue_notice(iw)
    quote = submit_quote(iw, 0, "70000.00")
    tx = transaction_transition(code=iw.tx.code, action="terminate", user=iw.world.clerk, reason="采购需求变更")
    assert tx.stage == "terminated"
    settle()
    [closed] = entries(tx.code, "bids.closed")
    assert closed["data"]["commitments"] == [quote.commitment]
    terminate = [e for e in entries(tx.code, "transition") if e["data"]["action"] == "terminate"][0]
    assert terminate["data"]["quotes"] == 1


def test_a_suspended_round_keeps_its_count_secret_until_the_deadline(iw):
    from trading.procedures.inquiry.selectors import inquiry_overview

    form_group(iw)
    issue_notice(iw)
    submit_quote(iw, 0, "70000.00")
    tx = transaction_transition(code=iw.tx.code, action="suspend", user=iw.world.supervisor, reason="核查")
    assert inquiry_overview(tx, iw.world.clerk)["quote_count"] is None
    assert inquiry_overview(tx, iw.world.supervisor)["quote_count"] is None


def test_the_acceptance_is_checked_and_a_failed_one_says_why(iw):
    walk(iw, "published")
    clock.advance(InquiryRound.objects.get(transaction=iw.tx, round=iw.tx.round).challenge_until - clock.now() + timedelta(seconds=1))
    settle()
    signed = clock.now().date()
    services.inquiry_record_contract(code=iw.tx.code, user=iw.world.purchaser, amount="74800.00", signed_on=signed,
                                     upload=SimpleUploadedFile("合同.pdf", b"%PDF-1.4 c", content_type="application/pdf"))

    def report():
        return SimpleUploadedFile("验收报告.pdf", b"%PDF-1.4 a", content_type="application/pdf")

    def accept(**kwargs):
        values = {"accepted_on": signed, "passed": True, "remarks": "", "upload": report(), **kwargs}
        return services.inquiry_record_acceptance(code=iw.tx.code, user=kwargs.pop("user", iw.world.purchaser),
                                                  **{k: v for k, v in values.items() if k != "user"})

    with pytest.raises(InvalidInput, match="future"):
        accept(accepted_on=signed + timedelta(days=1))
    with pytest.raises(InvalidInput, match="before the contract"):
        accept(accepted_on=signed - timedelta(days=1))
    with pytest.raises(InvalidInput, match="acceptance remarks"):
        accept(passed=False)  # a failed acceptance says why
    with pytest.raises(InvalidInput, match="report"):
        accept(upload=None)
    with pytest.raises(InvalidInput, match="passed"):
        accept(passed="yes")
    with pytest.raises(NotPermitted):
        accept(user=iw.world.clerk)
    assert Transaction.objects.get(pk=iw.tx.pk).stage == "contracted"
    tx = accept(passed=False, remarks="两台显示器有坏点，已要求更换")
    d = Acceptance.objects.get(contract__transaction=tx)
    assert tx.stage == "accepted" and d.passed is False and "坏点" in d.remarks
    settle()
    data = entries(tx.code, "transition")[-1]["data"]
    assert data["passed"] is False and "坏点" not in json.dumps(data, ensure_ascii=False)  # the digest, not the words
