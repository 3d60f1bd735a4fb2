"""The inquiry's rules that depend on the state of a transaction, as django-fsm conditions
of its moves (machine.py). Each names itself, its source and what is missing, so that the
pages can say why a move is not open yet, the clock performs a time-driven move only when
its rules hold, and `procedure_diagram` prints them.

A rule marked `stage_rule` guards the branch of a fork that is the exception (e.g. ending
the round for too few responsive quotes): failing it means "not this way from here" (409)
and the pages do not offer that move at all; the main way (complete the evaluation) is
shown as closed with its reason until its rules hold.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bidding.selectors_sealed import opening_of
from bidding.services.challenges import open_challenges
from bidding.services.evaluation import report_state
from bidding.services.panels import experts_drawn
from bidding.services.rounds import closing_due
from trading import clock
from trading.rules import Rule

from .services.common import bid_round_of, local, param, round_of, source
from .services.evaluation import ranking, verdicts
from .services.quotes import quote_count

GPL_40_REPORT = gettext_lazy("政府采购法第四十条; 财政部令第74号")


def _src(name):
    return lambda tx: source(tx, name)


def _round_time(name):
    def when(tx):
        return getattr(round_of(tx), name)
    return when


def _passed(when):
    def check(tx):
        moment = when(tx)
        return moment is not None and clock.now() >= moment
    return check


experts_drawn_first = Rule(
    code="inquiry.experts_drawn",
    text=gettext_lazy("the inquiry group's experts are drawn at random from the station's expert pool before the "
                      "group is formed: announce the draw and wait for the next checkpoint"),
    source=_src("group_min_size"),
    check=experts_drawn,
)

quoting_opens = Rule(
    code="inquiry.quoting_opens",
    text=gettext_lazy("quoting opens when the notice says"),
    source=_src("quote_period_working_days"),
    check=lambda tx: bid_round_of(tx) is not None and clock.now() >= bid_round_of(tx).opens_at,
)

quotes_closing_due = Rule(
    code="inquiry.quote_deadline",
    text=gettext_lazy("quotes close when the quote deadline has passed"),
    source=_src("quote_period_working_days"),
    check=lambda tx: bid_round_of(tx) is not None and closing_due(bid_round_of(tx)),
    detail=lambda tx: _("deadline %(deadline)s") % {"deadline": local(bid_round_of(tx).deadline)},
)

enough_quotes = Rule(
    code="inquiry.min_quotes",
    text=lambda tx: _("at least %(min)d quotes are needed to go on") % {"min": param(tx, "min_quotes")},
    source=_src("min_quotes"),
    check=lambda tx: quote_count(tx) >= param(tx, "min_quotes"),
    detail=lambda tx: _("received: %(count)d") % {"count": quote_count(tx)},
)

too_few_quotes = Rule(
    code="inquiry.too_few_quotes",
    text=lambda tx: _("the round ends when fewer than %(min)d quotes arrived") % {"min": param(tx, "min_quotes")},
    source=_src("min_quotes"),
    check=lambda tx: quote_count(tx) < param(tx, "min_quotes"),
    detail=lambda tx: _("enough quotes arrived (%(count)d): the inquiry goes on") % {"count": quote_count(tx)},
    stage_rule=True,
)

quotes_deadline_passed = Rule(
    code="inquiry.open_after_deadline",
    text=gettext_lazy("quotes are opened only after the deadline, once they are closed"),
    source=_src("quote_period_working_days"),
    check=lambda tx: bid_round_of(tx) is not None and bid_round_of(tx).closed_at is not None
    and opening_of(bid_round_of(tx)) is None,
)


def _report(tx):
    return report_state(*verdicts(tx))


report_complete = Rule(
    code="inquiry.report_signed",
    text=gettext_lazy("the group's report is complete when every member has assessed every opened quote and "
                      "signed"),
    source=GPL_40_REPORT,
    check=lambda tx: not _report(tx)["missing"] and not _report(tx)["unsigned"],
    detail=lambda tx: _("%(missing)d assessments missing, not signed by: %(names)s")
    % {"missing": _report(tx)["missing"], "names": ", ".join(_report(tx)["unsigned"]) or "—"},
)

report_signed = Rule(
    code="inquiry.report_signed",
    text=gettext_lazy("the group signs its report before the round can end for lack of responsive quotes"),
    source=GPL_40_REPORT,
    check=lambda tx: not _report(tx)["unsigned"],
    detail=lambda tx: _("not signed by: %(names)s") % {"names": ", ".join(_report(tx)["unsigned"])},
)

enough_responsive = Rule(
    code="inquiry.min_responsive",
    text=lambda tx: _("at least %(min)d responsive quotes within budget are needed for an award")
    % {"min": param(tx, "min_responsive")},
    source=_src("min_responsive"),
    check=lambda tx: len(ranking(tx)) >= param(tx, "min_responsive"),
    detail=lambda tx: _("there are %(count)d: terminate the round instead") % {"count": len(ranking(tx))},
)

too_few_responsive = Rule(
    code="inquiry.too_few_responsive",
    text=lambda tx: _("the round ends for lack of responsive quotes when fewer than %(min)d are responsive "
                      "within budget") % {"min": param(tx, "min_responsive")},
    source=_src("min_responsive"),
    check=lambda tx: len(ranking(tx)) < param(tx, "min_responsive"),
    detail=lambda tx: _("there are %(count)d responsive quotes within budget: complete the evaluation")
    % {"count": len(ranking(tx))},
    stage_rule=True,
)

confirm_period_over = Rule(
    code="inquiry.silence",
    text=gettext_lazy("silence confirms the award once the purchaser's period to confirm is over"),
    source=_src("confirm_working_days"),
    check=_passed(_round_time("confirm_by")),
    detail=lambda tx: _("after %(date)s") % {"date": local(round_of(tx).confirm_by)},
)

challenge_period_over = Rule(
    code="inquiry.challenge_period",
    text=gettext_lazy("the result becomes final when the challenge period is over"),
    source=_src("challenge_working_days"),
    check=_passed(_round_time("challenge_until")),
    detail=lambda tx: _("the challenge period runs until %(until)s") % {"until": local(round_of(tx).challenge_until)},
)

no_open_challenge = Rule(
    code="inquiry.challenge_open",
    text=gettext_lazy("a challenge waits for its answer: the contract step is suspended until then"),
    source=_src("challenge_working_days"),
    check=lambda tx: not open_challenges(tx).exists(),
)

terminated_by_rule = Rule(
    code="inquiry.restart",
    text=gettext_lazy("only a round ended by the quote rules restarts; a termination for other reasons ends the "
                      "transaction"),
    source=_src("min_quotes"),
    check=lambda tx: round_of(tx).terminated_by_rule,
)
