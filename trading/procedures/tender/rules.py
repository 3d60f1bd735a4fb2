"""The tender's rules that depend on the state of a transaction, as django-fsm conditions
of its moves (machine.py). Each names itself, its source and what is missing, so that the
pages can say why a move is not open yet, the clock performs a time-driven move only when
its rules hold, and `procedure_diagram` prints them.

A rule marked `stage_rule` guards the branch of a fork that is the exception (the round
fails for too few bids, every bid was rejected, no candidate is left) or the variant the
notice chose (one or two envelopes): failing it means "not this way from here" (409), and
the pages do not offer that move at all.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bidding.models import ChallengeKind
from bidding.selectors_sealed import opening_of
from bidding.services.challenges import open_challenges
from bidding.services.panels import experts_drawn as panel_experts_drawn
from bidding.services.rounds import closing_due
from trading import clock
from trading.rules import Rule

from . import params
from .records import BidSecurity
from .services.bids import complete_bid_count
from .services.common import bid_round_of, local, param, round_of, source
from .services.evaluation import candidates, next_candidate_rank, report_state, scores_missing


def _src(name):
    return lambda tx: source(tx, name)


def _count(tx):
    return complete_bid_count(tx)


bids_closing_due = Rule(
    code="tender.bid_deadline",
    text=gettext_lazy("bids close when the bid deadline has passed"),
    source=_src("bid_period_days"),
    check=lambda tx: bid_round_of(tx) is not None and closing_due(bid_round_of(tx)),
    detail=lambda tx: _("deadline %(deadline)s") % {"deadline": local(bid_round_of(tx).deadline)},
)

no_documents_objection = Rule(
    code="tender.objection_pauses",
    text=gettext_lazy("an objection to the documents waits for its answer: the clock is paused until then"),
    source=_src("objection_answer_days"),
    check=lambda tx: not open_challenges(tx, kind=ChallengeKind.DOCUMENTS).exists(),
)

enough_bids = Rule(
    code="tender.min_bids",
    text=lambda tx: _("at least %(min)d bids are needed to open them") % {"min": param(tx, "min_bids")},
    source=_src("min_bids"),
    check=lambda tx: _count(tx) >= param(tx, "min_bids"),
    detail=lambda tx: _("received: %(count)d") % {"count": _count(tx)},
)

too_few_bids = Rule(
    code="tender.too_few_bids",
    text=lambda tx: _("the round fails (流标) when fewer than %(min)d bids arrived") % {"min": param(tx, "min_bids")},
    source=_src("min_bids"),
    check=lambda tx: _count(tx) < param(tx, "min_bids"),
    detail=lambda tx: _("enough bids arrived (%(count)d): the tender goes on") % {"count": _count(tx)},
    stage_rule=True,
)

experts_drawn = Rule(
    code="tender.experts_drawn",
    text=gettext_lazy("the committee's experts are drawn at random from the station's expert pool, skipping "
                      "those tied to the purchaser or a bidder: announce the draw and wait for the next checkpoint"),
    source=_src("committee_min_size"),
    check=panel_experts_drawn,
)

one_envelope = Rule(
    code="tender.one_envelope",
    text=gettext_lazy("the bids open in one go when the documents have one envelope"),
    source=params.TWO_ENVELOPES,
    check=lambda tx: not round_of(tx).two_envelopes,
    stage_rule=True,
)

two_envelopes = Rule(
    code="tender.two_envelopes",
    text=gettext_lazy("the technical envelopes open first when the documents have two envelopes"),
    source=params.TWO_ENVELOPES,
    check=lambda tx: round_of(tx).two_envelopes,
    stage_rule=True,
)


def _part_open(tx, part):
    bid_round = bid_round_of(tx)
    return bid_round is not None and opening_of(bid_round, part) is not None


bids_closed_not_opened = Rule(
    code="tender.open_after_deadline",
    text=gettext_lazy("bids are opened only after the deadline, once they are closed"),
    source=_src("bid_period_days"),
    check=lambda tx: bid_round_of(tx) is not None and bid_round_of(tx).closed_at is not None
    and not any(_part_open(tx, part) for part in bid_round_of(tx).part_names),
)

technical_assessed = Rule(
    code="tender.technical_assessed",
    text=gettext_lazy("every member assesses every opened technical envelope before the prices are opened"),
    source=params.TWO_ENVELOPES,
    check=lambda tx: report_state(tx, part="technical")["missing"] == 0,
    detail=lambda tx: _("%(missing)d assessments missing") % {"missing": report_state(tx, part="technical")["missing"]},
)

no_opening_objection = Rule(
    code="tender.opening_objection",
    text=gettext_lazy("an objection at the opening is answered before the evaluation goes on"),
    source=params.BLR_44,
    check=lambda tx: not open_challenges(tx, kind=ChallengeKind.OPENING).exists(),
)


def _report(tx):
    return report_state(tx)


report_complete = Rule(
    code="tender.report_signed",
    text=gettext_lazy("the committee's report is complete when every member has assessed (and, for scoring, "
                      "scored) every opened bid and signed"),
    source=params.BL_40,
    check=lambda tx: not _report(tx)["missing"] and not _report(tx)["unsigned"] and not scores_missing(tx),
    detail=lambda tx: _("%(missing)d assessments and %(scores)d scores missing, not signed by: %(names)s")
    % {"missing": _report(tx)["missing"], "scores": scores_missing(tx),
       "names": ", ".join(_report(tx)["unsigned"]) or "—"},
)

report_signed = Rule(
    code="tender.report_signed",
    text=gettext_lazy("the committee signs its report before the round can fail for lack of acceptable bids"),
    source=params.BL_40,
    check=lambda tx: not _report(tx)["unsigned"],
    detail=lambda tx: _("not signed by: %(names)s") % {"names": ", ".join(_report(tx)["unsigned"])},
)

has_candidates = Rule(
    code="tender.candidates",
    text=gettext_lazy("an award needs at least one bid the committee found acceptable, within the maximum price"),
    source=params.BLR_51,
    check=lambda tx: len(candidates(tx)) >= 1,
    detail=lambda tx: _("none: the round fails instead (every bid rejected)"),
)

no_candidates = Rule(
    code="tender.all_rejected",
    text=gettext_lazy("the round fails when the committee rejected every bid"),
    source=params.BLR_51,
    check=lambda tx: not candidates(tx),
    detail=lambda tx: _("%(count)d candidates: complete the evaluation") % {"count": len(candidates(tx))},
    stage_rule=True,
)

publicity_over = Rule(
    code="tender.candidates_publicity",
    text=gettext_lazy("the award comes after the candidates' publicity period"),
    source=_src("candidates_publicity_days"),
    check=lambda tx: round_of(tx).publicity_until is not None and clock.now() >= round_of(tx).publicity_until,
    detail=lambda tx: _("the publicity runs until %(until)s") % {"until": local(round_of(tx).publicity_until)}
    if round_of(tx).publicity_until else "",
)

no_candidates_objection = Rule(
    code="tender.candidates_objection",
    text=gettext_lazy("an objection to the candidates waits for its answer: the award is suspended until then"),
    source=_src("candidates_publicity_days"),
    check=lambda tx: not open_challenges(tx, kind=ChallengeKind.CANDIDATES).exists(),
)

next_candidate = Rule(
    code="tender.next_candidate",
    text=gettext_lazy("when the awarded candidate declines or is disqualified, the next ranked candidate is "
                      "awarded"),
    source=params.BLR_55,
    check=lambda tx: next_candidate_rank(tx) is not None,
    detail=lambda tx: _("no candidate is left: the round fails and may be re-tendered"),
)

no_next_candidate = Rule(
    code="tender.no_candidate_left",
    text=gettext_lazy("the round fails when no ranked candidate is left"),
    source=params.BLR_55,
    check=lambda tx: next_candidate_rank(tx) is None,
    detail=lambda tx: _("candidate No. %(rank)d is next") % {"rank": next_candidate_rank(tx)},
    stage_rule=True,
)


def _unrefunded(tx):
    return list(BidSecurity.objects.filter(transaction_id=tx.pk, round=tx.round, refunded_on__isnull=True)
                .select_related("company"))


securities_refunded = Rule(
    code="tender.securities_refunded",
    text=gettext_lazy("every bid security is refunded before the acceptance"),
    source=_src("security_refund_days"),
    check=lambda tx: not _unrefunded(tx),
    detail=lambda tx: _("not refunded yet: %(names)s") % {"names": ", ".join(s.company.name for s in _unrefunded(tx))},
)

supervisor_report_filed = Rule(
    code="tender.written_report",
    text=gettext_lazy("the written report on the tender is filed with the supervisors before the acceptance"),
    source=_src("report_days"),
    check=lambda tx: bool(round_of(tx).supervisor_report_sha256),
    detail=lambda tx: _("due by %(date)s") % {"date": local(round_of(tx).report_due_by)}
    if round_of(tx).report_due_by else "",
)

failed_by_rule = Rule(
    code="tender.retender",
    text=gettext_lazy("a round that failed by the rules is re-tendered as a new round"),
    source=_src("min_bids"),
    check=lambda tx: bool(round_of(tx).failed_cause),
)

failed_again = Rule(
    code="tender.method_change",
    text=gettext_lazy("the method may change, with the approving body's recorded approval, only after a "
                      "re-tender failed too"),
    source=params.CONSTRUCTION_38,
    check=lambda tx: tx.round >= 2 and bool(round_of(tx).failed_cause),
    detail=lambda tx: _("this is round %(round)d: re-tender first") % {"round": tx.round},
)
