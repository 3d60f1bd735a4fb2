"""What anyone may see of an online auction, live: the terms, the current price, the
countdown, the history of accepted bids by bidder number (never who holds a number:
that stays with the bidder itself, the station's clerks and the supervisors), the
server's time. One read for the live page, its event stream and the API."""

from ledger.core.entry import format_ts
from trading import clock

from .models import Auction, AuctionBid, AuctionBidder

HISTORY = 30  # the latest accepted bids a live update carries


def auction_by_id(auction_id) -> Auction | None:
    return Auction.objects.filter(pk=auction_id).first()


def auction_version(auction_id) -> int | None:
    return Auction.objects.filter(pk=auction_id).values_list("version", flat=True).first()


def auction_status(auction, now=None) -> str:
    now = now or clock.now()
    if auction.ended_at is not None:
        return "ended"
    if auction.paused_at is not None:
        return "suspended"  # the procedure is suspended: no bids, the countdown stopped
    if now < auction.starts_at:
        return "scheduled"
    if now < auction.ends_at:
        return "running"
    return "closing"  # the end has passed; the close comes after the grace


def auction_state(auction: Auction) -> dict:
    """The public state of the auction (JSON-ready: amounts as strings, times as UTC)."""
    now = clock.now()
    bids = list(AuctionBid.objects.filter(auction=auction).select_related("bidder")
                .order_by("-seq")[:HISTORY])
    leader = AuctionBidder.objects.filter(pk=auction.leader_id).values_list("number", flat=True).first()
    minimum = auction.starting_price if auction.current_price is None else auction.current_price + auction.increment
    return {
        "version": auction.version,
        "status": auction_status(auction, now),
        "server_now": format_ts(now),
        "starts_at": format_ts(auction.starts_at),
        "ends_at": format_ts(auction.ends_at),
        "countdown_seconds": auction.countdown_seconds,
        "starting_price": f"{auction.starting_price:.2f}",
        "increment": f"{auction.increment:.2f}",
        "reserve_price": f"{auction.reserve_price:.2f}",
        "current_price": f"{auction.current_price:.2f}" if auction.current_price is not None else None,
        "next_minimum": f"{minimum:.2f}",
        "bid_count": auction.bid_count,
        "leader": leader,
        "outcome": auction.outcome or None,
        "history": [{"seq": b.seq, "bidder": b.bidder.number, "amount": f"{b.amount:.2f}",
                     "accepted_at": format_ts(b.accepted_at)} for b in bids],
    }


def bidder_of(auction, user):
    """The auction's bidders that `user` represents (its own numbers)."""
    if auction is None or user is None or not user.is_authenticated:
        return []
    return list(AuctionBidder.objects.filter(auction=auction, company__representations__user=user)
                .select_related("company"))
