"""The online ascending auction among two or more qualified buyers, when the notice chose
it: bidding's procedure-neutral auction (bidding/services/auctions.py) opened with the
notice's terms (the listing price as the starting price, the increment, the reserve, the
countdown), closed by the clock after its end; the highest bid at or above the reserve
is the deal, else no sale."""

import math
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from bidding.models import Auction, Award
from bidding.services.auctions import (
    auction_cancel,
    auction_close,
    auction_open,
    auction_pause,
    auction_resume,
)
from ledger.core.entry import format_ts
from trading.errors import InvalidInput, RuleViolation
from trading.services.transitions import transaction_transition

from ..records import AssetSaleStage, DealMethod
from .buyers import qualified_buyers
from .common import round_of, yuan
from .offers import no_sale, record_deal

# A sandbox compresses the countdown with the rules' periods, but people still have to
# be able to bid: never below a minute of real time (docs/procedures/asset-sale.md).
SANDBOX_MIN_COUNTDOWN_SECONDS = 60
# How far ahead the clerk may schedule the start.
MAX_START_DELAY_DAYS = 30


def real_countdown(tx, seconds: int) -> int:
    factor = tx.time_factor or 1
    if factor == 1:
        return seconds
    return max(min(seconds, SANDBOX_MIN_COUNTDOWN_SECONDS), math.ceil(seconds / factor))


def auction_of(tx) -> Auction | None:
    return Auction.objects.filter(transaction_id=tx.pk, procedure_round=tx.round).first()


def asset_start_auction(*, code, user, starts_at=None, expected_stage=None):
    if starts_at is not None and (not isinstance(starts_at, datetime) or timezone.is_naive(starts_at)):
        raise InvalidInput(_("the auction's start must be a date and time"), field="starts_at")
    return transaction_transition(code=code, action="start_auction", user=user, expected_stage=expected_stage,
                                  starts_at=starts_at)


def start_auction(tx, *, user, now, starts_at=None) -> dict:
    record = round_of(tx)
    starts_at = starts_at or now
    if starts_at < now or (starts_at - now).days > MAX_START_DELAY_DAYS:
        raise RuleViolation(_("the auction starts now or within %(days)d days") % {"days": MAX_START_DELAY_DAYS},
                            rule="asset_sale.auction_start")
    auction = auction_open(transaction=tx, companies=[r.company for r in qualified_buyers(tx)],
                           starting_price=record.listing_price, increment=record.increment,
                           reserve_price=record.reserve_price,
                           countdown_seconds=real_countdown(tx, record.countdown_seconds), starts_at=starts_at,
                           user=user)
    return {"round": tx.round, "starts_at": format_ts(auction.starts_at), "ends_at": format_ts(auction.ends_at),
            "countdown_seconds": auction.countdown_seconds}


def close_auction_sold(tx, *, now) -> dict:
    auction = auction_close(auction=auction_of(tx))
    leader = auction.leader
    Award.objects.update_or_create(transaction_id=tx.pk, round=tx.round, defaults={
        "bid": None, "price": auction.current_price, "computed_at": now,
        "ranking": [{"rank": 1, "company": leader.company.name, "uscc": leader.company.uscc,
                     "price": f"{auction.current_price:.2f}", "bidder_number": leader.number}]})
    return record_deal(tx, now=now, company=leader.company, price=auction.current_price, method=DealMethod.AUCTION,
                       bidder=leader.number, bids=auction.bid_count)


def close_auction_unsold(tx, *, now) -> dict:
    auction = auction_close(auction=auction_of(tx))
    if auction.current_price is None:
        reason = _("no bid in the online auction")
    else:
        reason = _("the highest bid, %(price)s yuan, is below the reserve price of %(reserve)s yuan") % {
            "price": yuan(auction.current_price), "reserve": yuan(auction.reserve_price)}
    return no_sale(tx, reason=reason, bids=auction.bid_count)


def cancel_running_auction(tx) -> dict:
    auction = auction_of(tx)
    if auction is None or auction.ended_at is not None:
        return {}
    auction_cancel(auction=auction)
    return {"auction": "cancelled"}


def pause_running_auction(tx) -> dict:
    """A supervisor suspends the sale while its auction runs: the countdown stops."""
    auction = auction_of(tx)
    if tx.stage != AssetSaleStage.AUCTIONING or auction is None or auction.ended_at is not None:
        return {}
    auction_pause(auction=auction)
    return {"auction": "paused"}


def resume_paused_auction(tx) -> dict:
    """The sale resumes: its auction's countdown goes on with the time left at the pause."""
    auction = auction_of(tx)
    if auction is None or auction.paused_at is None or auction.ended_at is not None:
        return {}
    auction = auction_resume(auction=auction)
    return {"auction": "resumed", "auction_ends_at": format_ts(auction.ends_at)}
