"""Rounds of sealed offers: with the one qualified buyer (negotiated transfer: rounds until
an offer reaches the listing price, or the clerk ends it without a sale), or among two or
more when the notice chose sealed best offers (one round: the highest offer at or above
the reserve wins, bidding.awards.highest_offer). Each round is a `bidding.BidRound` of
the same procedure round (policy ONCE, admission the qualified buyers), its opening key
split among the clerk, a supervisor and the seller's representative; its closing is
ledgered (`bids.closed`) and its opening too (`bids.opened`)."""

from datetime import datetime

from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bidding.awards import Offer, highest_offer
from bidding.models import AdmissionMethod, Award, BidPolicy, OpeningRecord
from bidding.selectors_sealed import opening_records
from bidding.services.custodians import opening_key_create
from bidding.services.openings import bids_open
from bidding.services.rounds import round_admit, round_cancel, round_close, round_open
from ledger.core.entry import format_ts
from ledger.sequencer import ledger_checkpoint_now
from trading.errors import InvalidInput, RuleViolation
from trading.models import Milestone, Role, User
from trading.services.milestones import milestone_reach
from trading.services.transitions import transaction_transition
from trading.text import clean_id

from ..records import DealMethod
from .buyers import qualified_buyers
from .common import bid_round_of, local, param, round_of, yuan

OFFER_CLOSE_GRACE_SECONDS = 3


def in_negotiation(tx) -> bool:
    return round_of(tx).qualified_count == 1


def threshold(tx):
    """What an offer must reach: the listing price with one buyer, the reserve with more."""
    record = round_of(tx)
    return record.listing_price if in_negotiation(tx) else record.reserve_price


def asset_open_offers(*, code, user, deadline, supervisor, purchaser_rep, expected_stage=None):
    if not isinstance(deadline, datetime) or timezone.is_naive(deadline):
        raise InvalidInput(_("the offer deadline must be a date and time"), field="deadline")
    return transaction_transition(code=code, action="open_offers", user=user, expected_stage=expected_stage,
                                  deadline=deadline, supervisor=supervisor, purchaser_rep=purchaser_rep)


def _custodians(tx, user, supervisor, purchaser_rep):
    people = {}
    for field, value in (("supervisor", supervisor), ("purchaser_rep", purchaser_rep)):
        found = User.objects.filter(pk=clean_id(value, field=field)).first() if value not in (None, "") else None
        if found is None:
            raise InvalidInput(_("name the supervisor and the seller's representative who hold the opening key"),
                               field=field)
        people[field] = found
    return [(user, Role.CLERK), (people["supervisor"], Role.SUPERVISOR), (people["purchaser_rep"], Role.PURCHASER)]


def open_offers(tx, *, user, now, deadline, supervisor, purchaser_rep) -> dict:
    """The move's body: a new round of sealed offers for the qualified buyers."""
    if deadline <= now:
        raise RuleViolation(_("the offer deadline is in the future (now %(now)s)") % {"now": local(now)},
                            rule="asset_sale.offer_deadline")
    custodians = _custodians(tx, user, supervisor, purchaser_rep)
    bid_round = round_open(transaction=tx, opens_at=now, deadline=deadline, policy=BidPolicy.ONCE,
                           grace_seconds=OFFER_CLOSE_GRACE_SECONDS)
    round_admit(bid_round=bid_round, companies=[r.company for r in qualified_buyers(tx)],
                method=AdmissionMethod.REGISTRATION)
    key = opening_key_create(bid_round=bid_round, custodians=custodians, k=param(tx, "custodians_k"), user=user)
    return {"round": tx.round, "bid_round": bid_round.seq, "deadline": format_ts(deadline),
            "method": DealMethod.NEGOTIATION if in_negotiation(tx) else DealMethod.SEALED,
            "at_least": f"{threshold(tx):.2f}", "opening_public_key": bytes(key.public_key).hex()}


def close_offers(tx) -> dict:
    bid_round = bid_round_of(tx)
    commitments = round_close(bid_round=bid_round)
    return {"round": tx.round, "bid_round": bid_round.seq, "offers": len(commitments)}


def asset_open_sealed_offers(*, code, user, shares, expected_stage=None):
    return transaction_transition(code=code, action="open_sealed_offers", user=user, expected_stage=expected_stage,
                                  shares=list(shares))


def open_sealed_offers(tx, *, user, shares=()) -> dict:
    bid_round = bid_round_of(tx)
    opening = bids_open(bid_round=bid_round, shares=shares, opened_by=user)
    milestone_reach(tx, Milestone.BIDS_OPENED)
    records = OpeningRecord.objects.filter(opening=opening)
    return {"round": tx.round, "bid_round": bid_round.seq,
            "opened": records.filter(outcome=OpeningRecord.OPENED).count(),
            "failed": records.filter(outcome=OpeningRecord.FAILED).count()}


def ranking(tx):
    """Opened offers of the latest round at or above the threshold, highest first (ties:
    earlier arrival)."""
    bid_round = bid_round_of(tx)
    if bid_round is None:
        return []
    offers = [Offer(key=r.bid, price=r.price, arrived=(r.bid.received_at, r.bid.pk), responsive=r.opened)
              for r in opening_records(bid_round)]
    return highest_offer(offers, reserve=threshold(tx))


def best_offer_reaches(tx) -> bool:
    return bool(ranking(tx))


def award_best_offer(tx, *, now) -> dict:
    ranked = ranking(tx)
    winner = ranked[0]
    bid = winner.key
    method = DealMethod.NEGOTIATION if in_negotiation(tx) else DealMethod.SEALED
    Award.objects.update_or_create(transaction_id=tx.pk, round=tx.round, defaults={
        "bid": bid, "price": winner.price, "computed_at": now,
        "ranking": [{"rank": r.rank, "company": r.key.bidder_name, "uscc": r.key.bidder_uscc,
                     "price": f"{r.price:.2f}", "commitment": r.key.commitment} for r in ranked]})
    return record_deal(tx, now=now, company=bid.company, price=winner.price, method=method,
                       bid_round=bid_round_of(tx).seq, commitment=bid.commitment)


def record_deal(tx, *, now, company, price, method, **extra) -> dict:
    """The deal (成交): its buyer and price, by the rules' computation."""
    record = round_of(tx)
    record.buyer, record.price, record.deal_method, record.deal_at = company, price, method, now
    record.save()
    milestone_reach(tx, Milestone.AWARDED, at=now)
    # LEDGER.md section 5: a checkpoint at every award; the confirmation quotes it.
    db_transaction.on_commit(ledger_checkpoint_now)
    return {"round": tx.round, "method": method, "buyer": company.name, "uscc": company.uscc,
            "price": f"{price:.2f}", "appraised_value": f"{record.appraised_value:.2f}",
            "reserve_price": f"{record.reserve_price:.2f}", **extra}


def negotiate_again(tx) -> dict:
    bid_round = bid_round_of(tx)
    prices = [r.price for r in opening_records(bid_round) if r.opened]
    return {"round": tx.round, "bid_round": bid_round.seq, "best_offer": f"{max(prices):.2f}" if prices else None,
            "at_least": f"{threshold(tx):.2f}"}


def fail_offers(tx, *, now) -> dict:
    reason = _("no sealed offer reached the reserve price of %(reserve)s yuan") % {"reserve": yuan(threshold(tx))}
    return no_sale(tx, reason=reason, bid_round=bid_round_of(tx).seq)


def no_sale(tx, *, reason, **extra) -> dict:
    record = round_of(tx)
    record.no_sale_reason = reason
    record.save(update_fields=["no_sale_reason"])
    tx.reason = reason
    return {"round": tx.round, "reason": reason, **extra}


def end_negotiation(tx, *, reason) -> dict:
    return no_sale(tx, reason=reason)


def cancel_open_round(tx) -> dict:
    """Terminated while offers are received: the round closes now (its receipts stay
    checkable)."""
    bid_round = bid_round_of(tx)
    if bid_round is None or bid_round.closed_at is not None:
        return {}
    return {"offers": len(round_cancel(bid_round=bid_round))}
