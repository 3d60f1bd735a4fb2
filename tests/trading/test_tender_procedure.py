"""The open tender, step by step through its services: the courtyard paving end to end
(lowest evaluated price, one envelope), comprehensive scoring with two envelopes,
clarifications and objections that move the deadline, failures and re-tendering, the
method change, the next candidate, and the guards at their boundaries."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bidding.models import Award, Bid, Draw, ExpertPoolEntry, OpeningRecord, PanelMember
from bidding.selectors_sealed import round_of, shares_still_needed
from bidding.services.companies import company_relations_set, identity_frozen_by, representative_add
from ledger.models import Entry, PendingEntry
from ledger.verify import LogChecker
from tests.factories import make_user
from tests.trading.tender_world import (
    MONDAY,
    assess_all,
    bid,
    evaluate,
    fast_scrypt,  # noqa: F401  (autouse)
    form_committee,
    issue_notice,
    make_tender_world,
    members,
    open_next,
    pass_deadline,
    past_publicity,
    refresh,
    register,
    score_all,
    settle,
    sign_all,
    walk,
)
from trading import clock
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import Notice, Transaction
from trading.procedures.tender.models import TenderRound
from trading.procedures.tender.selectors import tender_overview
from trading.procedures.tender.services import (
    after_result,
    awarding,
    bids,
    changes,
    evaluation,
    opening,
)
from trading.procedures.tender.services.notice import tender_issue_notice
from trading.selectors import todos_for
from trading.services.transitions import transaction_transition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def frozen():
    with clock.frozen_at(MONDAY):
        yield


@pytest.fixture
def tw(frozen):
    return make_tender_world()


def entries(code, kind=None):
    rows = [json.loads(bytes(e.body)) for e in Entry.objects.filter(subject=code).order_by("seq")]
    rows += [json.loads(p) for p in PendingEntry.objects.order_by("id").values_list("payload", flat=True)]
    rows = [e for e in rows if e["subject"] == code]
    return [e for e in rows if kind is None or e["kind"] == kind]


def upload(name="文件.pdf", content=None):
    content = content or f"%PDF-1.4 {name} {clock.now().isoformat()}".encode()
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def today():
    return clock.now().astimezone(MONDAY.tzinfo).date()


def test_the_courtyard_paving_end_to_end(tw):
    tx = issue_notice(tw, max_price="450000.00")
    assert tx.stage == "tendering" and tx.rule_set.code == "tender-default"
    notice_entry = [e for e in entries(tx.code, "transition") if e["data"]["action"] == "issue_notice"][0]
    assert notice_entry["data"]["security"] == "9000.00" and notice_entry["data"]["max_price"] == "450000.00"
    for index in range(4):
        bid(tw, index)
    bid(tw, 0, "436000.00")  # a replacement: the first bid is superseded
    bids.tender_bid_withdraw(code=tx.code, user=tw.bidders[3][0], company=tw.bidders[3][1])
    tx = pass_deadline(tw)
    assert tx.stage == "bids_closed"
    [closed] = entries(tx.code, "bids.closed")
    accepted = sorted(Bid.objects.filter(transaction=tx).values_list("commitment", flat=True))
    live = sorted(Bid.objects.filter(transaction=tx, status="live").values_list("commitment", flat=True))
    # Every receipt is listed (LEDGER.md section 6); the replaced and withdrawn ones are named.
    assert closed["data"]["commitments"] == accepted and closed["data"]["count"] == 5
    assert len(closed["data"]["replaced"]) == 1 and len(closed["data"]["withdrawn"]) == 1
    not_opened = set(closed["data"]["replaced"]) | set(closed["data"]["withdrawn"])
    assert sorted(set(accepted) - not_opened) == live and len(live) == 3
    for _user, company in tw.bidders[:3]:
        after_result.tender_record_security(code=tx.code, user=tw.world.clerk, company=company.pk,
                                            amount="9000.00", method="transfer", received_on=today())
    tx = form_committee(tw)
    assert tx.stage == "committee_formed" and len(members(tw)) == 5
    tx = open_next(tw)
    assert tx.stage == "opened"
    assert sorted(r.price for r in OpeningRecord.objects.filter(opening__bid_round=round_of(tx))) == [
        Decimal("421500.00"), Decimal("436000.00"), Decimal("447900.00")]
    tx = evaluate(tw)
    assert tx.stage == "evaluated"
    award = Award.objects.get(transaction=tx)
    assert award.bid.company == tw.bidders[1][1] and [c["rank"] for c in award.ranking] == [1, 2, 3]
    evaluated = entries(tx.code, "transition")[-1]["data"]
    assert len(evaluated["report_sha256"]) == 64 and [s["seat"] for s in evaluated["score_sheets"]] == [1, 2, 3, 4, 5]
    assert "示范县" not in json.dumps(evaluated, ensure_ascii=False)  # the candidates wait for their notice
    tx = transaction_transition(code=tx.code, action="publish_candidates", user=tw.world.clerk)
    assert Notice.objects.filter(transaction=tx, kind="candidates").count() == 1
    with pytest.raises(RuleViolation, match="publicity"):
        transaction_transition(code=tx.code, action="award", user=tw.world.purchaser)
    past_publicity(tw)
    tx = transaction_transition(code=tx.code, action="award", user=tw.world.purchaser)
    tx = transaction_transition(code=tx.code, action="publish_result", user=tw.world.clerk)
    assert tx.stage == "result_published"
    result = Notice.objects.get(transaction=tx, kind="result")
    assert all(m.user.ledger_name() in result.body for m in members(tw))
    assert Notice.objects.filter(transaction=tx, kind="award", addressee=tw.bidders[1][1]).exists()
    assert Notice.objects.filter(transaction=tx, kind="outcome").count() == 2
    assert Draw.objects.get(transaction=tx, purpose="experts").revealed_at is not None
    tx = after_result.tender_record_contract(code=tx.code, user=tw.world.purchaser, amount="421500.00",
                                             signed_on=today(), upload=upload("合同.pdf"))
    assert tx.stage == "contracted"
    with pytest.raises(RuleViolation, match="refunded"):
        after_result.tender_record_acceptance(code=tx.code, user=tw.world.purchaser, accepted_on=today(), passed=True,
                                              remarks="", upload=upload("验收.pdf"))
    clock.advance(timedelta(days=6))  # one refund comes after the 5 days: flagged late
    for index, (_u, company) in enumerate(tw.bidders[:3]):
        when = today() if index == 2 else today() - timedelta(days=3)
        after_result.tender_refund_security(code=tx.code, user=tw.world.clerk, company=company.pk, refunded_on=when)
    refunds = entries(tx.code, "security.refunded")
    assert [bool(e["data"].get("late")) for e in refunds] == [False, False, True]
    with pytest.raises(RuleViolation, match="written report"):
        after_result.tender_record_acceptance(code=tx.code, user=tw.world.purchaser, accepted_on=today(), passed=True,
                                              remarks="", upload=upload("验收.pdf"))
    after_result.tender_file_report(code=tx.code, user=tw.world.purchaser, upload=upload("书面报告.pdf"))
    tx = after_result.tender_record_acceptance(code=tx.code, user=tw.world.purchaser, accepted_on=today(), passed=True,
                                               remarks="", upload=upload("验收.pdf"))
    tx = transaction_transition(code=tx.code, action="archive", user=tw.world.clerk)
    assert tx.stage == "archived"
    settle()
    checker = LogChecker()
    checker.add_many(bytes(e.body) for e in Entry.objects.order_by("seq"))
    moves = [(e["data"]["from"], e["data"]["to"]) for e in entries(tx.code, "transition")]
    assert moves[3:] == [
        ("registered", "tendering"), ("tendering", "bids_closed"), ("bids_closed", "committee_formed"),
        ("committee_formed", "opened"), ("opened", "evaluated"), ("evaluated", "candidates_published"),
        ("candidates_published", "awarded"), ("awarded", "result_published"), ("result_published", "contracted"),
        ("contracted", "accepted"), ("accepted", "archived")]
    assert len(entries(tx.code, "security.recorded")) == 3 and len(entries(tx.code, "tender.report_filed")) == 1


def test_comprehensive_scoring_with_two_envelopes(tw):
    issue_notice(tw, method="scoring", two_envelopes=True)
    for index in range(4):
        bid(tw, index)
    pass_deadline(tw)
    form_committee(tw, experts=7)
    tx = open_next(tw)
    assert tx.stage == "technical_opened"
    technical = OpeningRecord.objects.filter(opening__part="technical")
    assert technical.count() == 4 and all(len(r.content_sha256) == 64 and r.price is None for r in technical)
    with pytest.raises(RuleViolation, match="technical envelope"):
        open_next(tw)
    assess_all(tw, {tw.bidders[3][1].uscc: False}, part="technical")
    tx = open_next(tw)
    assert tx.stage == "opened"
    prices = {r.bid.company_id: r for r in OpeningRecord.objects.filter(opening__part="price")}
    failed = prices[tw.bidders[3][1].pk]
    assert failed.outcome == "unopened" and failed.price is None and failed.reason == opening.NOT_PASSED
    assess_all(tw)
    with pytest.raises(RuleViolation, match="score technical"):
        sign_all(tw)
    with pytest.raises(InvalidInput, match="computed by the platform"):
        evaluation.tender_score(code=tx.code, user=members(tw)[0].user, commitment=prices[tw.bidders[0][1].pk].bid
                                .commitment, criterion="price", points="40")
    score_all(tw, technical={tw.bidders[2][1].uscc: "45"})
    # One member far from the others on bidder 1: flagged in the report.
    odd = members(tw)[0]
    evaluation.tender_score(code=tx.code, user=odd.user, commitment=prices[tw.bidders[0][1].pk].bid.commitment,
                            criterion="technical", points="0")
    sign_all(tw)
    tx = transaction_transition(code=tx.code, action="complete_evaluation", user=tw.world.clerk)
    award = Award.objects.get(transaction=tx)
    ranking = award.ranking
    assert len(ranking) == 3
    # Price scores: lowest 421500 -> 40; technical 45 for bidder 3 makes up for its price.
    by_uscc = {c["uscc"]: c for c in ranking}
    assert by_uscc[tw.bidders[1][1].uscc]["score"] == "92.00"
    assert ranking[0]["uscc"] == tw.bidders[2][1].uscc
    assert by_uscc[tw.bidders[0][1].uscc]["flags"] == [1]
    assert entries(tx.code, "transition")[-1]["data"]["deviating_seats"] == [1]


def test_fewer_than_three_bids_fail_the_round_and_a_retender_starts_round_two(tw):
    issue_notice(tw)
    bid(tw, 0)
    bid(tw, 1)
    register(tw, 2)  # registered but did not bid
    tx = pass_deadline(tw)
    assert tx.stage == "failed" and TenderRound.objects.get(transaction=tx).failed_cause == "too_few_bids"
    assert Notice.objects.filter(transaction=tx, kind="failure").exists()
    with pytest.raises(RuleViolation, match="re-tender first"):
        after_result.tender_change_method(code=tx.code, user=tw.world.purchaser, reason="改为竞争性谈判",
                                          upload=upload("批复.pdf"))
    tx = transaction_transition(code=tx.code, action="retender", user=tw.world.clerk)
    assert (tx.stage, tx.round) == ("registered", 2)
    issue_notice(tw)
    bid(tw, 0)
    tx = pass_deadline(tw)
    assert tx.stage == "failed" and tx.round == 2
    with pytest.raises(InvalidInput, match="approval"):
        after_result.tender_change_method(code=tx.code, user=tw.world.purchaser, reason="改为竞争性谈判", upload=None)
    tx = after_result.tender_change_method(code=tx.code, user=tw.world.purchaser, reason="经县发改局批准改为竞争性谈判",
                                           upload=upload("批复.pdf"))
    assert tx.stage == "terminated" and "new transaction" in tx.reason
    last = entries(tx.code, "transition")[-1]["data"]
    assert last["action"] == "change_method" and len(last["approval_sha256"]) == 64


def test_a_failed_round_asks_no_custodian_for_its_share(tw):
    """流标 at the close: the round is never opened, so neither the home page's prompt nor
    the to-do list asks the custodians for their shares, and its bids freeze nothing."""
    issue_notice(tw)
    bid(tw, 0)
    bid(tw, 1)
    assert pass_deadline(tw).stage == "failed"
    for custodian in (tw.world.clerk, tw.world.supervisor):
        assert shares_still_needed(custodian) == []
        assert not [t for t in todos_for(custodian) if "custodian" in str(t.label)]
    assert identity_frozen_by(tw.bidders[0][1]) == []


def test_a_late_clarification_moves_the_deadline_and_unconfirmed_bids_are_not_opened(tw):
    tx = issue_notice(tw)
    for index in range(4):
        bid(tw, index)
    first_deadline = round_of(tx).deadline
    clock.advance(first_deadline - clock.now() - timedelta(days=10))
    changes.tender_clarify(code=tx.code, user=tw.world.clerk, text="排水沟长度更正为130米")
    bid_round = round_of(tx)
    assert bid_round.deadline > first_deadline and bid_round.documents_version == 2
    [moved] = entries(tx.code, "bids.round_changed")
    assert moved["data"]["cause"] == "clarification" and moved["data"]["documents_version"] == 2
    assert entries(tx.code, "notice.changed")
    assert Notice.objects.filter(transaction=tx, kind="clarification", addressee__isnull=False).count() == 4
    bids.tender_bid_confirm(code=tx.code, user=tw.bidders[0][0], company=tw.bidders[0][1])
    bid(tw, 1, "420000.00")  # replaced under the new documents
    bids.tender_bid_confirm(code=tx.code, user=tw.bidders[2][0], company=tw.bidders[2][1])
    pass_deadline(tw)
    form_committee(tw)
    open_next(tw)
    records = {r.bid.company_id: r for r in OpeningRecord.objects.filter(opening__bid_round=round_of(tx))}
    assert records[tw.bidders[3][1].pk].outcome == "unopened"
    assert records[tw.bidders[3][1].pk].reason == "not confirmed after the documents changed"
    assert str(records[tw.bidders[1][1].pk].price) == "420000.00"


def test_an_objection_to_the_documents_pauses_the_closing_and_moves_the_deadline(tw):
    tx = issue_notice(tw)
    for index in range(3):
        bid(tw, index)
    user, company = tw.bidders[0]
    objection = changes.tender_object_documents(code=tx.code, user=user, company=company, text="工期要求不合理")
    filed = [e for e in entries(tx.code, "challenge.filed")][0]
    assert "supplier" not in filed["data"] and company.name not in json.dumps(filed, ensure_ascii=False)
    deadline = round_of(tx).deadline
    clock.advance(deadline - clock.now() + timedelta(minutes=1))
    settle()
    assert refresh(tw).stage == "tendering"  # paused: the closing waits for the answer
    answered = changes.tender_answer_objection(code=tx.code, user=tw.world.clerk, challenge_id=objection.pk,
                                               answer="工期依据同类工程确定，维持不变")
    entry = entries(tx.code, "challenge.answered")[-1]["data"]
    assert entry["late"] is True  # answered after the 3 days
    assert round_of(tx).deadline == deadline + (answered.answered_at - answered.filed_at)
    assert company.name not in Notice.objects.get(transaction=tx, kind="challenge_answer").body
    clock.advance(round_of(tx).deadline - clock.now() - timedelta(days=9))
    with pytest.raises(RuleViolation, match="ended") as late:
        changes.tender_object_documents(code=tx.code, user=user, company=company, text="再次异议")
    assert late.value.rule == "tender.objection_period"
    assert pass_deadline(tw).stage == "bids_closed"


def test_a_declining_first_candidate_passes_the_award_to_the_next_then_none_is_left(tw):
    tx = walk(tw, "result")
    with pytest.raises(InvalidInput, match="file"):
        awarding.tender_pass_over(code=tx.code, user=tw.world.purchaser, action="pass_to_next", reason="放弃中标",
                                  upload=None)
    tx = awarding.tender_pass_over(code=tx.code, user=tw.world.purchaser, action="pass_to_next",
                                   reason="第一中标候选人书面放弃中标", upload=upload("放弃函.pdf"))
    assert tx.stage == "awarded" and TenderRound.objects.get(transaction=tx).award_rank == 2
    assert Award.objects.get(transaction=tx).bid.company == tw.bidders[0][1]
    for _rank in (3,):
        tx = awarding.tender_pass_over(code=tx.code, user=tw.world.purchaser, action="pass_to_next",
                                       reason="被查实弄虚作假", upload=upload(f"处理决定{_rank}.pdf"))
    with pytest.raises(RuleViolation, match="no candidate is left"):
        awarding.tender_pass_over(code=tx.code, user=tw.world.purchaser, action="pass_to_next", reason="放弃",
                                  upload=upload("放弃函3.pdf"))
    tx = awarding.tender_pass_over(code=tx.code, user=tw.world.purchaser, action="fail_award", reason="放弃",
                                   upload=upload("放弃函3.pdf"))
    assert tx.stage == "failed" and TenderRound.objects.get(transaction=tx).failed_cause == "no_candidate_left"


def test_every_bid_rejected_fails_the_round(tw):
    tx = walk(tw, "opened")
    assess_all(tw, {company.uscc: False for _u, company in tw.bidders})
    with pytest.raises(RuleViolation, match="not signed by"):
        transaction_transition(code=tx.code, action="complete_evaluation", user=tw.world.clerk)
    with pytest.raises(RuleViolation, match="signs its report"):
        transaction_transition(code=tx.code, action="reject_all", user=tw.world.clerk)
    sign_all(tw)
    tx = transaction_transition(code=tx.code, action="reject_all", user=tw.world.clerk)
    assert tx.stage == "failed" and TenderRound.objects.get(transaction=tx).failed_cause == "all_rejected"


def test_guards_name_their_rules(tw):
    tx = tw.tx
    now = clock.now()
    with pytest.raises(RuleViolation, match="at least 20 days") as refused:
        tender_issue_notice(code=tx.code, user=tw.world.clerk, deadline=now + timedelta(days=19),
                            documents_until=now + timedelta(days=6), method="lowest_price", qualifications="资质",
                            supervisor=tw.world.supervisor.pk, purchaser_rep=tw.world.purchaser.pk)
    assert refused.value.rule == "tender.bid_period"
    with pytest.raises(RuleViolation, match="2/100"):
        tender_issue_notice(code=tx.code, user=tw.world.clerk, deadline=now + timedelta(days=21),
                            documents_until=now + timedelta(days=6), method="lowest_price", qualifications="资质",
                            security_amount="9200.01", supervisor=tw.world.supervisor.pk,
                            purchaser_rep=tw.world.purchaser.pk)
    with pytest.raises(RuleViolation, match="at least 5 days"):
        tender_issue_notice(code=tx.code, user=tw.world.clerk, deadline=now + timedelta(days=21),
                            documents_until=now + timedelta(days=4), method="lowest_price", qualifications="资质",
                            supervisor=tw.world.supervisor.pk, purchaser_rep=tw.world.purchaser.pk)
    with pytest.raises(InvalidInput, match="add up to 100"):
        tender_issue_notice(code=tx.code, user=tw.world.clerk, deadline=now + timedelta(days=21),
                            documents_until=now + timedelta(days=6), method="scoring", qualifications="资质",
                            weights={"price": "50", "technical": "40", "commercial": "20"},
                            supervisor=tw.world.supervisor.pk, purchaser_rep=tw.world.purchaser.pk)
    with pytest.raises(NotPermitted):
        tender_issue_notice(code=tx.code, user=tw.world.purchaser, deadline=now + timedelta(days=21),
                            documents_until=now + timedelta(days=6), method="lowest_price", qualifications="资质",
                            supervisor=tw.world.supervisor.pk, purchaser_rep=tw.world.purchaser.pk)
    tx = issue_notice(tw)
    with pytest.raises(NotPermitted):
        bids.tender_register(code=tx.code, user=tw.bidders[0][0], company=tw.bidders[1][1])
    with pytest.raises(NotPermitted, match="not invited|registered|admitted"):
        bids.tender_bid_price(code=tx.code, user=tw.bidders[0][0], company=tw.bidders[0][1], price="1.00")
    clock.advance(timedelta(days=7))
    with pytest.raises(RuleViolation, match="registering has closed") as late:
        register(tw, 0)
    assert late.value.rule == "tender.documents_period"


def test_a_bid_after_the_deadline_is_refused_and_the_closing_is_the_clock_s(tw):
    tx = issue_notice(tw)
    for index in range(3):
        register(tw, index)
        bid(tw, index)
    clock.advance(round_of(tx).deadline - clock.now())
    with pytest.raises(RuleViolation, match="deadline"):
        bid(tw, 0, "1.00")
    with pytest.raises(NotPermitted):
        transaction_transition(code=tx.code, action="close_bids", user=tw.world.clerk)
    assert refresh(tw).stage == "tendering"
    assert pass_deadline(tw).stage == "bids_closed"
    assert Transaction.objects.get(pk=tx.pk).stage == "bids_closed"
    assert PanelMember.objects.count() == 0


def test_a_representative_added_later_cannot_replace_or_withdraw_the_company_s_bid(tw):
    """Issue 8, finding 4, in a round where bids may be replaced and withdrawn."""
    issue_notice(tw)
    original, company = tw.bidders[0]
    first = bid(tw, 0)
    clock.advance(timedelta(minutes=5))
    newcomer = make_user("newcomer", full_name="新来的代表")
    representative_add(company=company, user=newcomer)
    tw.bidders[0] = (newcomer, company)
    with pytest.raises(RuleViolation) as refused:
        bid(tw, 0, "400000.00")
    assert refused.value.rule == "sealed.represented_at_offer"
    with pytest.raises(InvalidInput, match="no offer to withdraw"):
        bids.tender_bid_withdraw(code=tw.tx.code, user=newcomer, company=company)
    assert Bid.objects.get(commitment=first.commitment).status == "live"
    tw.bidders[0] = (original, company)
    replaced = bid(tw, 0, "400000.00")  # the one who bid may still replace it
    assert Bid.objects.get(commitment=first.commitment).status == "superseded" and replaced.status == "live"


def test_a_related_bidder_is_refused_at_submission_naming_the_rule(tw):
    (a_user, a), (b_user, b) = tw.bidders[:2]
    company_relations_set(company=b, user=b_user, legal_representative="", controlled_by=a.uscc)
    issue_notice(tw)
    bid(tw, 0)
    with pytest.raises(RuleViolation, match="art. 34") as refused:
        bid(tw, 1)
    assert refused.value.rule == "sealed.related_parties" and a.name not in refused.value.message


def test_the_draw_skips_experts_tied_to_a_bidder_and_the_committee_is_secret_until_the_result(tw):
    entry = ExpertPoolEntry.objects.filter(station=tw.world.station).first()
    ExpertPoolEntry.objects.filter(pk=entry.pk).update(employer=tw.bidders[0][1].name)
    walk(tw, "closed")
    form_committee(tw)
    draw = Draw.objects.get(transaction=tw.tx)
    assert {"number": entry.number, "reason": "employer_is_party"} in draw.excluded
    assert entry.user_id not in [m.user_id for m in members(tw)]
    assert tender_overview(tw.tx, None)["committee"] is None
    assert tender_overview(tw.tx, tw.bidders[0][0])["committee"] is None
    assert tender_overview(tw.tx, tw.world.supervisor)["committee"]


def test_objections_at_the_opening_and_to_the_candidates_pause_the_next_step(tw):
    tx = walk(tw, "opened")
    user, company = tw.bidders[0]
    objection = opening.tender_object_opening(code=tx.code, user=user, company=company, text="开标记录有误")
    assert entries(tx.code, "challenge.filed")[-1]["data"]["kind"] == "opening"
    assess_all(tw)
    sign_all(tw)
    with pytest.raises(RuleViolation, match="objection at the opening"):
        transaction_transition(code=tx.code, action="complete_evaluation", user=tw.world.clerk)
    changes.tender_answer_objection(code=tx.code, user=tw.world.clerk, challenge_id=objection.pk, answer="记录无误")
    tx = transaction_transition(code=tx.code, action="complete_evaluation", user=tw.world.clerk)
    tx = transaction_transition(code=tx.code, action="publish_candidates", user=tw.world.clerk)
    later = awarding.tender_object_candidates(code=tx.code, user=user, company=company, text="第一候选人业绩造假")
    past_publicity(tw)
    with pytest.raises(RuleViolation, match="objection to the candidates"):
        transaction_transition(code=tx.code, action="award", user=tw.world.purchaser)
    changes.tender_answer_objection(code=tx.code, user=tw.world.clerk, challenge_id=later.pk, answer="经核查属实性无误")
    assert transaction_transition(code=tx.code, action="award", user=tw.world.purchaser).stage == "awarded"
    with pytest.raises(StageConflict):
        awarding.tender_object_candidates(code=tx.code, user=user, company=company, text="再议")


def test_securities_wait_for_the_close_and_a_late_written_report_is_flagged(tw):
    tx = issue_notice(tw)
    bid(tw, 0)
    with pytest.raises(StageConflict):
        after_result.tender_record_security(code=tx.code, user=tw.world.clerk, company=tw.bidders[0][1].pk,
                                            amount="9000.00", method="transfer", received_on=today())
    for index in (1, 2):
        bid(tw, index)
    pass_deadline(tw)
    with pytest.raises(NotPermitted):
        after_result.tender_record_security(code=tx.code, user=tw.world.purchaser, company=tw.bidders[0][1].pk,
                                            amount="9000.00", method="transfer", received_on=today())
    security = after_result.tender_record_security(code=tx.code, user=tw.world.clerk, company=tw.bidders[0][1].pk,
                                                   amount="8000.00", method="guarantee", received_on=today())
    assert entries(tx.code, "security.recorded")[-1]["data"]["short"] is True and security.amount == Decimal("8000")
    form_committee(tw)
    open_next(tw)
    evaluate(tw)
    transaction_transition(code=tx.code, action="publish_candidates", user=tw.world.clerk)
    past_publicity(tw)
    transaction_transition(code=tx.code, action="award", user=tw.world.purchaser)
    clock.advance(timedelta(days=16))
    after_result.tender_file_report(code=tx.code, user=tw.world.purchaser, upload=upload("书面报告.pdf"))
    report = entries(tx.code, "tender.report_filed")[-1]["data"]
    assert report["late"] is True and len(report["document_sha256"]) == 64
    with pytest.raises(InvalidInput, match="filed already"):
        after_result.tender_file_report(code=tx.code, user=tw.world.purchaser, upload=upload("书面报告2.pdf"))


def test_a_tender_terminated_while_receiving_bids_closes_its_round_so_receipts_stay_checkable(tw):
    tx = issue_notice(tw)
    placed = bid(tw, 0)
    tx = transaction_transition(code=tx.code, action="terminate", user=tw.world.clerk, reason="项目取消")
    assert tx.stage == "terminated"
    [closed] = entries(tx.code, "bids.closed")
    assert closed["data"]["commitments"] == [placed.commitment]
    assert entries(tx.code, "transition")[-1]["data"]["envelopes"] == 1
    with pytest.raises(StageConflict):
        transaction_transition(code=tx.code, action="retender", user=tw.world.clerk)
