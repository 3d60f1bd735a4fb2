"""The opening (开标): with k custodians' shares the clerk opens the bids after the
deadline; the opening record is published and ledgered (`bids.opened`).

With two envelopes the technical envelopes open first (each holds the SHA-256 of its
bidder's technical documents, which are then shown to the committee); the committee
assesses them; the price envelopes open only for the bids that passed, the others recorded
as not opened with the reason. A bid sealed before the last change of the documents and not
confirmed since is recorded as not opened at every part. Objections at the opening are
recorded with their answers; the evaluation waits for them."""

from django.utils.translation import gettext as _

from bidding.models import Bid, BidStatus, ChallengeKind, Opening, OpeningRecord
from bidding.selectors_sealed import opening_of
from bidding.services import challenges
from bidding.services.openings import bids_open
from trading import deadlines
from trading.errors import StageConflict
from trading.models import Milestone
from trading.selectors import transition_marked
from trading.services.milestones import milestone_reach
from trading.services.transitions import transaction_transition

from .. import params
from ..records import TenderStage
from .bids import bidders
from .common import bid_round_of, find
from .evaluation import verdicts

# The reasons a price envelope is not opened, in English in the records and the ledger.
NOT_PASSED = "did not pass the technical evaluation"
NO_TECHNICAL = "no technical envelope was opened for this bid"


def tender_open(*, code, user, shares, expected_stage=None):
    """The clerk opens the next envelopes with k custodians' shares: [(user, share bytes)]."""
    tx = find(code)
    move = transition_marked(tx, "opens_bids")
    if move is None:
        raise StageConflict(_("%(code)s is at stage “%(stage)s”: bids are opened after they are closed and the "
                              "committee is formed") % {"code": tx.code, "stage": tx.stage_label()}, stage=tx.stage)
    return transaction_transition(code=tx.code, action=move.name, user=user, expected_stage=expected_stage,
                                  shares=list(shares))


def _counts(opening) -> dict:
    records = OpeningRecord.objects.filter(opening=opening)
    return {outcome: records.filter(outcome=outcome).count()
            for outcome in (OpeningRecord.OPENED, OpeningRecord.FAILED, OpeningRecord.UNOPENED)}


def open_bids(tx, *, user, shares=()) -> dict:
    opening = bids_open(bid_round=bid_round_of(tx), shares=shares, opened_by=user, part="offer")
    milestone_reach(tx, Milestone.BIDS_OPENED)
    return {"round": tx.round, **_counts(opening)}


def open_technical(tx, *, user, shares=()) -> dict:
    opening = bids_open(bid_round=bid_round_of(tx), shares=shares, opened_by=user, part="technical",
                        content="documents")
    return {"round": tx.round, "part": "technical", **_counts(opening)}


def withheld_prices(tx) -> dict:
    """{price bid pk: reason} of the price envelopes not to open: the bid did not pass the
    technical evaluation (the committee's majority), or its technical envelope did not open."""
    bid_round = bid_round_of(tx)
    _members, rows = verdicts(tx, part="technical")
    passed = {row["bid"].company_id for row in rows if row["responsive"]}
    technical_opened = {row["bid"].company_id for row in rows if row["opened"]}
    withheld = {}
    for bid in Bid.objects.filter(bid_round=bid_round, part="price", status=BidStatus.LIVE):
        if bid.company_id not in technical_opened:
            withheld[bid.pk] = NO_TECHNICAL
        elif bid.company_id not in passed:
            withheld[bid.pk] = NOT_PASSED
    return withheld


def open_prices(tx, *, user, shares=()) -> dict:
    opening = bids_open(bid_round=bid_round_of(tx), shares=shares, opened_by=user, part="price",
                        withhold=withheld_prices(tx))
    milestone_reach(tx, Milestone.BIDS_OPENED)
    return {"round": tx.round, "part": "price", **_counts(opening)}


def first_opening(tx) -> Opening | None:
    bid_round = bid_round_of(tx)
    if bid_round is None:
        return None
    return opening_of(bid_round, bid_round.part_names[0])


def opening_objection_until(tx):
    """Objections at the opening are raised the day of the opening (招标投标法实施条例第
    四十四条 says on the spot; the platform gives one day)."""
    opening = first_opening(tx)
    return deadlines.within_days(tx, opening.opened_at, 1) if opening else None


def tender_object_opening(*, code, user, company, text):
    tx = find(code)
    until = opening_objection_until(tx)
    if tx.stage not in (TenderStage.TECHNICAL_OPENED, TenderStage.OPENED) or until is None:
        raise StageConflict(_("objections at the opening are raised once the bids are opened"), stage=tx.stage)
    return challenges.challenge_file(transaction=tx, user=user, company=company, text=text, until=until,
                                     eligible=bidders(tx), kind=ChallengeKind.OPENING,
                                     period_rule="tender.opening_objection", period_source=params.BLR_44)
