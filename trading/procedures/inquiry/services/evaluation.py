"""The group's evaluation: each member assesses each opened quote (responsive or not, with
a reason) and signs the report; the award is computed by the rule: the lowest-priced
responsive quote within the budget (bidding/awards.py). An envelope that did not open is
not responsive; the procedure goes on by its rules."""

from django.utils.translation import gettext as _

from bidding.models import Award
from bidding.services import evaluation
from ledger.core.entry import format_ts
from trading import deadlines
from trading.models import Milestone
from trading.services.milestones import milestone_reach

from .common import bid_round_of, find, param, round_of, source
from .quotes import terminate_by_rule


def verdicts(tx):
    """(members, rows) of the current round, budget applied (see bidding.services.evaluation)."""
    bid_round = bid_round_of(tx)
    if bid_round is None:
        return [], []
    return evaluation.panel_verdicts(tx, bid_round, budget=tx.amount)


def ranking(tx):
    """Responsive quotes within budget, ascending price (ties: earlier receipt first)."""
    _members, rows = verdicts(tx)
    return evaluation.rank_lowest_price(rows, budget=tx.amount)


def assessment_record(*, code, user, commitment, responsive, reason):
    tx = find(code)
    return evaluation.assessment_record(transaction=tx, bid_round=bid_round_of(tx), user=user, commitment=commitment,
                                        responsive=responsive, reason=reason)


def report_sign(*, code, user, dissent=""):
    tx = find(code)
    return evaluation.report_sign(transaction=tx, bid_round=bid_round_of(tx), user=user, dissent=dissent,
                                  budget=tx.amount)


def complete_evaluation(tx, *, now) -> dict:
    members, rows = verdicts(tx)
    ranked = evaluation.rank_lowest_price(rows, budget=tx.amount)
    winner = ranked[0]
    Award.objects.update_or_create(transaction_id=tx.pk, round=tx.round, defaults={
        "bid": winner["bid"], "price": winner["price"], "computed_at": now,
        "ranking": [{"rank": i + 1, "company": r["name"], "uscc": r["uscc"], "price": f"{r['price']:.2f}",
                     "commitment": r["bid"].commitment} for i, r in enumerate(ranked)],
    })
    record = round_of(tx)
    record.evaluated_at = now
    record.confirm_by = deadlines.within_working_days(tx, now, param(tx, "confirm_working_days"))
    record.save()
    milestone_reach(tx, Milestone.EVALUATED, at=now)
    return {"round": tx.round, "responsive_within_budget": len(ranked),
            "report_sha256": evaluation.report_digest(tx, bid_round_of(tx), members, rows),
            "confirm_by": format_ts(record.confirm_by)}


def fail_evaluation(tx, *, now, user) -> dict:
    ranked = ranking(tx)
    minimum = param(tx, "min_responsive")
    milestone_reach(tx, Milestone.EVALUATED, at=now)
    reason = _("fewer than %(min)d responsive quotes within budget (there are %(count)d); %(source)s") % {
        "min": minimum, "count": len(ranked), "source": source(tx, "min_responsive")}
    return terminate_by_rule(tx, reason, now=now, user=user, responsive_within_budget=len(ranked))
