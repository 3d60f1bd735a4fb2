"""Quoting, the deadline and the opening: the bodies of the moves that open and close the
round of sealed quotes, terminate it when too few arrived, and open them with the
custodians' shares; and what the procedure does when it is terminated while quoting."""

from django.utils.translation import gettext as _

from bidding.models import Draw, DrawPurpose, OpeningRecord
from bidding.selectors_sealed import live_bid_count
from bidding.services.draws import draw_reveal
from bidding.services.openings import bids_open
from bidding.services.rounds import round_cancel, round_close
from ledger.core.entry import format_ts
from trading.models import Milestone, NoticeKind
from trading.services.milestones import milestone_reach
from trading.services.notices import notice_publish, official_language
from trading.services.transitions import transaction_transition

from .common import bid_round_of, param, round_of, source


def open_quoting(tx) -> dict:
    return {"quote_deadline": format_ts(bid_round_of(tx).deadline)}


def quote_count(tx) -> int:
    bid_round = bid_round_of(tx)
    return live_bid_count(bid_round) if bid_round else 0


def close_quotes(tx) -> dict:
    bid_round = bid_round_of(tx)
    commitments = round_close(bid_round=bid_round)
    return {"round": tx.round, "quotes": len(commitments), "deadline": format_ts(bid_round.deadline)}


def fail_quotes(tx, *, now) -> dict:
    commitments = round_close(bid_round=bid_round_of(tx), to_open=False)
    minimum = param(tx, "min_quotes")
    reason = _("fewer than %(min)d quotes arrived by the deadline (received: %(count)d); %(source)s") % {
        "min": minimum, "count": len(commitments), "source": source(tx, "min_quotes")}
    return terminate_by_rule(tx, reason, now=now, quotes=len(commitments))


def terminate_by_rule(tx, reason, *, now, user=None, **extra) -> dict:
    """The round ends by the quote rules: termination notice; the inquiry may restart."""
    tx.reason = reason
    record = round_of(tx)
    record.terminated_by_rule = True
    record.save(update_fields=["terminated_by_rule"])
    with official_language():
        notice_publish(tx, kind=NoticeKind.TERMINATION, user=user, now=now,
                       title=_("Termination notice: %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code},
                       body=_("The inquiry %(code)s, round %(round)d, is terminated: %(reason)s. It may restart as a "
                              "new round.") % {"code": tx.code, "round": tx.round, "reason": reason})
    return {"round": tx.round, "reason": reason, **extra}


def on_termination(tx) -> dict:
    """Terminated (or suspended and terminated) while quoting: the round's quotes close now,
    so `bids.closed` lists what was received and every receipt stays checkable."""
    bid_round = bid_round_of(tx)
    if bid_round is None or bid_round.closed_at is not None:
        return {}
    commitments = round_cancel(bid_round=bid_round)
    return {"round": tx.round, "quotes": len(commitments)}


def inquiry_open_quotes(*, code, user, shares, expected_stage=None):
    """The clerk opens the quotes with k custodians' shares: [(user, share bytes), ...]."""
    return transaction_transition(code=code, action="open_quotes", user=user, expected_stage=expected_stage,
                                  shares=list(shares))


def open_quotes(tx, *, user, shares=()) -> dict:
    bid_round = bid_round_of(tx)
    opening = bids_open(bid_round=bid_round, shares=shares, opened_by=user)
    milestone_reach(tx, Milestone.BIDS_OPENED)
    draw = Draw.objects.filter(transaction_id=tx.pk, round=tx.round, purpose=DrawPurpose.SUPPLIERS).first()
    if draw is not None and draw.performed_at and not draw.revealed_at:
        draw_reveal(draw=draw)  # invitees are no longer secret
    records = OpeningRecord.objects.filter(opening=opening)
    return {"round": tx.round, "opened": records.filter(outcome=OpeningRecord.OPENED).count(),
            "failed": records.filter(outcome=OpeningRecord.FAILED).count()}
