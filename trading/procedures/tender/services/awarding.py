"""Candidates, award and result: the ranked candidates are publicised within 3 days of the
report for at least 3 days (objections pause the award until answered); the tenderer
awards candidate No. 1; if it declines or is disqualified (the reason and a document
recorded) the next ranked candidate, or the round fails when none is left; the result is
published with the award notice to the winner, a result notice to every bidder, the
committee's names and every score sheet's digest."""

import hashlib

from django.utils.translation import gettext as _

from bidding.models import Award, Bid, ChallengeKind, Draw, DrawPurpose, PanelMember
from bidding.services import challenges
from bidding.services.draws import draw_reveal
from ledger.core.entry import format_ts
from trading import deadlines
from trading.errors import StageConflict
from trading.models import DocumentPurpose, Milestone, NoticeKind, Role
from trading.services.milestones import milestone_reach
from trading.services.notices import notice_publish
from trading.services.transactions import store_document
from trading.services.transitions import transaction_transition

from .. import params
from ..records import EvaluationMethod, FailureCause, TenderStage
from .bids import bidders, fail_round
from .common import find, local, param, round_of, source
from .evaluation import next_candidate_rank


def _award(tx) -> Award:
    return Award.objects.select_related("bid__company").get(transaction_id=tx.pk, round=tx.round)


def _candidate_line(tx, c) -> str:
    score = _(", score %(score)s") % {"score": c["score"]} if c.get("score") else ""
    return _("No. %(rank)d: %(company)s (%(uscc)s), price %(price)s yuan%(score)s") % {
        "rank": c["rank"], "company": c["company"], "uscc": c["uscc"], "price": f"{float(c['price']):,.2f}",
        "score": score}


def publish_candidates(tx, *, now, user) -> dict:
    record = round_of(tx)
    award = _award(tx)
    record.candidates_published_at = now
    record.publicity_until = deadlines.at_least_days(tx, now, param(tx, "candidates_publicity_days"))
    record.save()
    lines = [
        _("Open tender %(code)s %(title)s, round %(round)d: the evaluation committee's ranked candidates")
        % {"code": tx.code, "title": tx.title, "round": tx.round},
        *[_candidate_line(tx, c) for c in award.ranking],
        _("Evaluation method: %(method)s; report SHA-256 %(sha)s")
        % {"method": EvaluationMethod(record.method).label, "sha": record.report_sha256},
        _("Publicised until %(until)s. A bidder may object until then; the award waits for the answer (%(source)s).")
        % {"until": local(record.publicity_until), "source": source(tx, "candidates_publicity_days")},
    ]
    notice = notice_publish(tx, kind=NoticeKind.CANDIDATES, user=user, now=now,
                            title=_("Candidates notice: %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code},
                            body="\n".join(lines))
    data = {"round": tx.round, "notice_sha256": notice.sha256, "publicity_until": format_ts(record.publicity_until),
            "candidates": [{k: c[k] for k in ("rank", "company", "uscc", "price", "score")} for c in award.ranking]}
    if record.candidates_due_by and now > record.candidates_due_by:
        data["late"] = True  # a warning sign: publicised after the rule's period
    return data


def tender_object_candidates(*, code, user, company, text):
    """A bidder objects to the candidates during their publicity; the award waits."""
    tx = find(code)
    if tx.stage != TenderStage.CANDIDATES_PUBLISHED:
        raise StageConflict(_("objections to the candidates are raised while they are publicised"), stage=tx.stage)
    return challenges.challenge_file(transaction=tx, user=user, company=company, text=text,
                                     until=round_of(tx).publicity_until, eligible=bidders(tx),
                                     kind=ChallengeKind.CANDIDATES, period_rule="tender.candidates_publicity",
                                     period_source=source(tx, "candidates_publicity_days"))


def _award_to(tx, award, rank, *, now, user) -> dict:
    candidate = next(c for c in award.ranking if c["rank"] == rank)
    bid = Bid.objects.select_related("company", "opening_record").get(commitment=candidate["commitment"])
    award.bid, award.price = bid, bid.opening_record.price
    award.confirmed_at, award.confirmed_by = now, user
    award.save()
    record = round_of(tx)
    record.award_rank = rank
    record.awarded_at = record.awarded_at or now
    record.result_published_at = None
    record.save()
    return {"rank": rank, "supplier": bid.bidder_name, "uscc": bid.bidder_uscc, "price": f"{award.price:.2f}"}


def award(tx, *, now, user) -> dict:
    data = _award_to(tx, _award(tx), 1, now=now, user=user)
    record = round_of(tx)
    record.report_due_by = deadlines.within_days(tx, now, param(tx, "report_days"))
    record.save(update_fields=["report_due_by"])
    milestone_reach(tx, Milestone.AWARDED, at=now)
    return {"round": tx.round, **data, "report_due_by": format_ts(record.report_due_by)}


def _passed_over(tx, *, user, reason, upload) -> dict:
    """Record why the awarded candidate is passed over, with its document."""
    award_now = _award(tx)
    document = store_document(transaction=tx, user=user, upload=upload, purpose=DocumentPurpose.OTHER,
                              role=Role.PURCHASER)
    entry = {"rank": round_of(tx).award_rank, "supplier": award_now.bid.bidder_name,
             "uscc": award_now.bid.bidder_uscc, "reason": reason, "document_sha256": document.sha256}
    record = round_of(tx)
    record.passed_over = [*record.passed_over, entry]
    record.save(update_fields=["passed_over"])
    return {**entry, "reason_sha256": hashlib.sha256(reason.encode()).hexdigest()}


def tender_pass_over(*, code, user, action, reason, upload, expected_stage=None):
    """The purchaser records that the awarded candidate declined or is disqualified
    (`pass_to_next`), or that none is left (`fail_award`)."""
    return transaction_transition(code=code, action=action, user=user, reason=reason, upload=upload,
                                  expected_stage=expected_stage)


def pass_to_next(tx, *, now, user, reason, upload) -> dict:
    over = _passed_over(tx, user=user, reason=reason, upload=upload)
    data = _award_to(tx, _award(tx), next_candidate_rank(tx), now=now, user=user)
    return {"round": tx.round, "passed_over": {k: over[k] for k in ("rank", "supplier", "uscc", "document_sha256",
                                                                     "reason_sha256")},
            "rule": params.BLR_55, **data}


def fail_award(tx, *, now, user, reason, upload) -> dict:
    over = _passed_over(tx, user=user, reason=reason, upload=upload)
    text = _("candidate No. %(rank)d (%(supplier)s) was passed over and no ranked candidate is left; %(source)s") % {
        "rank": over["rank"], "supplier": over["supplier"], "source": params.BLR_55}
    return fail_round(tx, FailureCause.NO_CANDIDATE_LEFT, text, now=now, user=user,
                      passed_over={k: over[k] for k in ("rank", "supplier", "uscc", "document_sha256")})


def committee(tx) -> list:
    return list(PanelMember.objects.filter(transaction_id=tx.pk, round=tx.round).select_related("user")
                .order_by("pk"))


def publish_result(tx, *, now, user) -> dict:
    record = round_of(tx)
    award_now = _award(tx)
    winner = award_now.bid.company
    members = committee(tx)
    record.result_published_at = now
    record.contract_due_by = deadlines.within_days(tx, now, param(tx, "contract_days"))
    record.save()
    milestone_reach(tx, Milestone.RESULT_PUBLISHED, at=now)
    sheets = {sheet["seat"]: sheet["sha256"] for sheet in record.score_sheets}
    lines = [
        _("Open tender %(code)s %(title)s, round %(round)d: result") % {"code": tx.code, "title": tx.title,
                                                                         "round": tx.round},
        _("Winning bidder: %(company)s (%(uscc)s), price %(price)s yuan (candidate No. %(rank)d)")
        % {"company": award_now.bid.bidder_name, "uscc": award_now.bid.bidder_uscc,
           "price": f"{award_now.price:,.2f}", "rank": record.award_rank},
        _("Candidates:"), *["  " + _candidate_line(tx, c) for c in award_now.ranking],
    ]
    for over in record.passed_over:
        lines.append(_("Candidate No. %(rank)d %(supplier)s passed over: %(reason)s (document SHA-256 %(sha)s)")
                     % {"rank": over["rank"], "supplier": over["supplier"], "reason": over["reason"],
                        "sha": over["document_sha256"]})
    lines += [_("Evaluation report SHA-256 %(sha)s. The evaluation committee, with each member's score sheet "
                "SHA-256:") % {"sha": record.report_sha256}]
    lines += [f"  {i + 1}. {m.user.ledger_name()} ({m.get_role_display()}) {sheets.get(i + 1, '')}"
              for i, m in enumerate(members)]
    lines.append(_("The contract is signed within %(days)d days, by %(date)s.")
                 % {"days": param(tx, "contract_days"), "date": local(record.contract_due_by)})
    notice = notice_publish(tx, kind=NoticeKind.RESULT, user=user, now=now,
                            title=_("Result notice: %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code},
                            body="\n".join(lines))
    notice_publish(tx, kind=NoticeKind.AWARD, user=user, now=now, addressee=winner,
                   title=_("Award notice (中标通知书): %(code)s") % {"code": tx.code},
                   body=_("%(company)s is awarded the open tender %(code)s %(title)s at %(price)s yuan. The contract "
                          "is signed within %(days)d days, by %(date)s (%(source)s).")
                   % {"company": winner.name, "code": tx.code, "title": tx.title, "price": f"{award_now.price:,.2f}",
                      "days": param(tx, "contract_days"), "date": local(record.contract_due_by),
                      "source": params.BL_45})
    for company in bidders(tx):
        if company == winner:
            continue
        notice_publish(tx, kind=NoticeKind.OUTCOME, user=user, now=now, addressee=company,
                       title=_("Result of %(code)s") % {"code": tx.code},
                       body=_("%(company)s is not awarded the open tender %(code)s. It went to %(winner)s at "
                              "%(price)s yuan. Your bid security is refunded within %(days)d days of the contract.")
                       % {"company": company.name, "code": tx.code, "winner": award_now.bid.bidder_name,
                          "price": f"{award_now.price:,.2f}", "days": param(tx, "security_refund_days")})
    draw = Draw.objects.filter(transaction_id=tx.pk, round=tx.round, purpose=DrawPurpose.EXPERTS).first()
    if draw is not None and draw.performed_at and not draw.revealed_at:
        draw_reveal(draw=draw)  # the committee is public with the result
    return {"round": tx.round, "result_sha256": notice.sha256, "supplier": award_now.bid.bidder_name,
            "uscc": award_now.bid.bidder_uscc, "price": f"{award_now.price:.2f}", "rank": record.award_rank,
            "committee": [{"seat": i + 1, "name": m.user.ledger_name(), "role": m.role,
                           "score_sheet_sha256": sheets.get(i + 1)} for i, m in enumerate(members)],
            "contract_due_by": format_ts(record.contract_due_by)}
