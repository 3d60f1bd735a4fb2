"""The online ascending auction (bidding/models/auctions.py): open it for the admitted
parties, accept bids, close it after the end.

Correctness under concurrency: a bid reads the server's clock when it reaches this
service (`received_at`: what decides "before the end"), then takes the auction's row lock
(SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers
the same way). Under the lock it is judged against the auction as the bids before it left
it: accepted only if at least the current price plus the increment (the starting price
for the first), from a bidder not already leading, received before the current end. The
order in which bids take the lock is their order of arrival at the server: two bids of
the same amount, the first wins and the second is refused. An accepted bid gets its
acceptance time (strictly after the previous one's), restarts the countdown (the new end
is its acceptance plus the countdown) and is ledgered (`auction.bid`) in the same
database transaction. The close waits `grace_seconds` after the end, so that a bid that
arrived before the end but waited for the lock is taken in (and restarts the countdown).
"""

import re
import secrets
from datetime import timedelta

from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ledger.core.entry import format_ts
from ledger.recording import actor as ledger_actor
from ledger.recording import ledger_record
from trading import clock
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import Role, Transaction
from trading.money import parse_yuan

from .. import live
from ..models import Auction, AuctionBid, AuctionBidder, AuctionOutcome, Company
from ..selectors_sealed import representing_since

AUCTION_RULES = gettext_lazy("online auction rules: fixed increment, a countdown restarting on each accepted bid, "
                             "the highest bid at or above the reserve wins (DOMAIN.md §3)")
IDEMPOTENCY_KEY_RE = re.compile(r"[\x21-\x7e]{1,100}")
MICROSECOND = timedelta(microseconds=1)


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _numbers(count: int) -> list[int]:
    """Distinct random bidder numbers (3 digits while there are few bidders)."""
    low, high = (100, 999) if count <= 300 else (1000, 9999)
    numbers = set()
    while len(numbers) < count:
        numbers.add(low + secrets.randbelow(high - low + 1))
    return list(numbers)


def auction_open(*, transaction, companies, starting_price, increment, reserve_price, countdown_seconds,
                 starts_at, user=None, grace_seconds=2) -> Auction:
    """An auction of the transaction's current round for `companies` (in the caller's
    database transaction): each gets a random number; `auction.opened` publishes the
    terms, the start, the first end and the numbers (not who holds them)."""
    companies = list(companies)
    if not companies or not all(isinstance(c, Company) for c in companies) or \
            len({c.pk for c in companies}) != len(companies):
        raise InvalidInput(_("an auction is opened for two or more different admitted parties"), field="companies")
    if countdown_seconds <= 0 or increment <= 0 or starting_price <= 0:
        raise InvalidInput(_("an auction has a positive starting price, increment and countdown"))
    now = clock.now()
    starts_at = max(starts_at, now)
    auction = Auction.objects.create(
        transaction_id=transaction.pk, procedure_round=transaction.round, starting_price=starting_price,
        increment=increment, reserve_price=reserve_price, countdown_seconds=countdown_seconds,
        grace_seconds=grace_seconds, starts_at=starts_at, ends_at=starts_at + timedelta(seconds=countdown_seconds),
        created_at=now)
    numbers = _numbers(len(companies))
    AuctionBidder.objects.bulk_create([AuctionBidder(auction=auction, company=c, number=n, admitted_at=now)
                                       for c, n in zip(companies, numbers, strict=True)])
    ledger_record(kind="auction.opened", subject=transaction.code,
                  actor=ledger_actor(Role.CLERK, user.ledger_name()) if user else ledger_actor("system", "platform"),
                  data={"round": transaction.round, "starting_price": f"{starting_price:.2f}",
                        "increment": f"{increment:.2f}", "reserve_price": f"{reserve_price:.2f}",
                        "countdown_seconds": countdown_seconds, "grace_seconds": grace_seconds,
                        "starts_at": format_ts(auction.starts_at), "ends_at": format_ts(auction.ends_at),
                        "bidders": sorted(numbers)})
    db_transaction.on_commit(lambda: live.auction_changed(auction.pk))
    return auction


def _clean_key(value) -> str:
    key = (value or "").strip() if isinstance(value, str) else ""
    if key and not IDEMPOTENCY_KEY_RE.fullmatch(key):
        raise InvalidInput(_("an idempotency key is 1 to 100 printable ASCII characters without spaces"),
                           field="idempotency_key")
    return key


def auction_bid(*, auction, company, amount, user, idempotency_key: str = "") -> AuctionBid:
    """Accept the bid of `company` (represented by `user`) or refuse it naming the rule.
    The same idempotency key with the same amount returns the bid already accepted."""
    received = clock.now()
    amount = parse_yuan(amount, field=_("bid"))
    key = _clean_key(idempotency_key)
    if not key or not AuctionBid.objects.filter(auction_id=auction.pk, bidder__company=company,
                                                idempotency_key=key).exists():
        # Prices only go up: a bid already below the minimum is refused without queueing
        # for the lock (when 50 bidders race one amount, most are refused here). A replay
        # of an accepted bid (same key) is answered under the lock below.
        current = Auction.objects.filter(pk=auction.pk).values_list("current_price", "increment").first()
        if current and current[0] is not None and amount < current[0] + current[1]:
            _too_low(Auction.objects.get(pk=auction.pk), amount)
    with db_transaction.atomic():
        auction = Auction.objects.select_for_update().filter(pk=auction.pk).first()
        if auction is None:
            raise InvalidInput(_("no such auction"))
        if representing_since(user, company) is None:
            raise NotPermitted(_("you do not represent %(company)s") % {"company": company.name})
        bidder = AuctionBidder.objects.filter(auction=auction, company=company).first()
        if bidder is None:
            raise NotPermitted(_("%(company)s is not admitted to this auction") % {"company": company.name})
        if key:
            replay = AuctionBid.objects.filter(bidder=bidder, idempotency_key=key).first()
            if replay is not None:
                if replay.amount != amount:
                    raise InvalidInput(_("this idempotency key was used for a bid of %(amount)s yuan; use a new "
                                         "key for a new bid") % {"amount": f"{replay.amount:,.2f}"},
                                       field="idempotency_key")
                replay.replayed = True
                return replay
        if auction.ended_at is not None:
            raise RuleViolation(_("the auction has ended (%(source)s)") % {"source": AUCTION_RULES},
                                rule="auction.ended")
        tx = Transaction.objects.get(pk=auction.transaction_id).as_procedure()
        if not tx.is_live() or auction.paused_at is not None:  # suspended by a supervisor, or ended
            raise StageConflict(_("%(code)s is at stage “%(stage)s”: no bids are received now")
                                % {"code": tx.code, "stage": tx.stage_label()}, stage=tx.stage)
        if received < auction.starts_at:
            raise RuleViolation(_("the auction starts at %(start)s (%(source)s)")
                                % {"start": _local(auction.starts_at), "source": AUCTION_RULES},
                                rule="auction.not_started")
        if received >= auction.ends_at:
            raise RuleViolation(_("the auction ended at %(end)s; your bid reached the server at %(received)s "
                                  "(%(source)s)") % {"end": _local(auction.ends_at), "received": _local(received),
                                                     "source": AUCTION_RULES}, rule="auction.ended")
        if auction.leader_id == bidder.pk:
            raise RuleViolation(_("your bid of %(amount)s yuan is already the highest: wait for another bid "
                                  "(%(source)s)") % {"amount": f"{auction.current_price:,.2f}",
                                                     "source": AUCTION_RULES}, rule="auction.already_leading")
        _too_low(auction, amount)
        last = AuctionBid.objects.filter(auction=auction).order_by("-seq").values_list("accepted_at", flat=True).first()
        accepted = clock.now()
        if last is not None and accepted <= last:
            accepted = last + MICROSECOND
        accepted = max(accepted, received)
        bid = AuctionBid.objects.create(
            auction=auction, bidder=bidder, seq=auction.bid_count + 1, amount=amount, received_at=received,
            accepted_at=accepted, ends_at=accepted + timedelta(seconds=auction.countdown_seconds),
            submitted_by=user, idempotency_key=key)
        Auction.objects.filter(pk=auction.pk).update(current_price=amount, leader=bidder, bid_count=bid.seq,
                                                    ends_at=bid.ends_at, version=auction.version + 1)
        ledger_record(kind="auction.bid", subject=tx.code, actor=ledger_actor("bidder", f"No. {bidder.number}"),
                      data={"round": auction.procedure_round, "seq": bid.seq, "bidder": bidder.number,
                            "amount": f"{amount:.2f}", "received_at": format_ts(received),
                            "accepted_at": format_ts(accepted), "ends_at": format_ts(bid.ends_at)})
        db_transaction.on_commit(lambda: live.auction_changed(auction.pk))
    bid.replayed = False
    return bid


def _too_low(auction, amount):
    """Refuse `amount` if it is below the auction's minimum now (auction.increment)."""
    minimum = auction.starting_price if auction.current_price is None else auction.current_price + auction.increment
    if amount < minimum:
        raise RuleViolation(_("a bid is at least %(minimum)s yuan now (%(what)s); given %(amount)s (%(source)s)")
                            % {"minimum": f"{minimum:,.2f}", "amount": f"{amount:,.2f}",
                               "what": _("the starting price") if auction.current_price is None else
                               _("the current price %(price)s plus the increment %(increment)s")
                               % {"price": f"{auction.current_price:,.2f}", "increment": f"{auction.increment:,.2f}"},
                               "source": AUCTION_RULES}, rule="auction.increment")


def closing_due(auction, now=None) -> bool:
    now = now or clock.now()
    return auction.ended_at is None and auction.paused_at is None and \
        now >= auction.ends_at + timedelta(seconds=auction.grace_seconds)


def auction_pause(*, auction) -> Auction:
    """The procedure is suspended while the auction runs: no bid is accepted and the
    countdown stops. `auction.paused` records the moment and the end then in force; the
    time left (none once the end has passed) is given back on resumption."""
    with db_transaction.atomic():
        auction = Auction.objects.select_for_update().get(pk=auction.pk)
        if auction.ended_at is not None or auction.paused_at is not None:
            return auction
        now = clock.now()
        auction.paused_at, auction.version = now, auction.version + 1
        auction.save(update_fields=["paused_at", "version"])
        tx = Transaction.objects.only("code").get(pk=auction.transaction_id)
        ledger_record(kind="auction.paused", subject=tx.code, actor=ledger_actor("system", "platform"),
                      data={"round": auction.procedure_round, "paused_at": format_ts(now),
                            "ends_at": format_ts(auction.ends_at)})
        db_transaction.on_commit(lambda: live.auction_changed(auction.pk))
        return auction


def auction_resume(*, auction) -> Auction:
    """The procedure resumes: the countdown goes on with what was left at the pause, so
    the end (and the start, if the pause came before it) moves by the pause's length; a
    pause that came after the end gives nothing back, and the auction closes at once.
    `auction.resumed` records the moment, the start and the end now in force."""
    with db_transaction.atomic():
        auction = Auction.objects.select_for_update().get(pk=auction.pk)
        if auction.ended_at is not None or auction.paused_at is None:
            return auction
        now = clock.now()
        paused_for = now - auction.paused_at
        if auction.paused_at < auction.starts_at:
            auction.starts_at += paused_for
        if auction.paused_at < auction.ends_at:
            auction.ends_at += paused_for
        auction.paused_at, auction.version = None, auction.version + 1
        auction.save(update_fields=["paused_at", "starts_at", "ends_at", "version"])
        tx = Transaction.objects.only("code").get(pk=auction.transaction_id)
        ledger_record(kind="auction.resumed", subject=tx.code, actor=ledger_actor("system", "platform"),
                      data={"round": auction.procedure_round, "resumed_at": format_ts(now),
                            "starts_at": format_ts(auction.starts_at), "ends_at": format_ts(auction.ends_at)})
        db_transaction.on_commit(lambda: live.auction_changed(auction.pk))
        return auction


def auction_close(*, auction) -> Auction:
    """After the end and its grace (the procedure's closing move, inside its transaction):
    the highest bid at or above the reserve wins, else no sale; `auction.ended`."""
    with db_transaction.atomic():
        auction = Auction.objects.select_for_update().get(pk=auction.pk)
        if auction.ended_at is not None:
            raise StageConflict(_("this auction has ended already"))
        if not closing_due(auction):
            raise RuleViolation(_("the auction closes after its end, %(end)s (%(source)s)")
                                % {"end": _local(auction.ends_at), "source": AUCTION_RULES}, rule="auction.running")
        sold = auction.current_price is not None and auction.current_price >= auction.reserve_price
        return _end(auction, AuctionOutcome.SOLD if sold else AuctionOutcome.NO_SALE)


def auction_cancel(*, auction) -> Auction:
    """The procedure ended while the auction ran (terminated): it ends now, no sale."""
    with db_transaction.atomic():
        auction = Auction.objects.select_for_update().get(pk=auction.pk)
        if auction.ended_at is not None:
            return auction
        return _end(auction, AuctionOutcome.CANCELLED)


def _end(auction, outcome) -> Auction:
    now = clock.now()
    auction.ended_at, auction.outcome, auction.version = now, outcome, auction.version + 1
    auction.save(update_fields=["ended_at", "outcome", "version"])
    data = {"round": auction.procedure_round, "bids": auction.bid_count, "ends_at": format_ts(auction.ends_at),
            "closed_at": format_ts(now), "outcome": outcome}
    if outcome == AuctionOutcome.SOLD:
        data.update(bidder=auction.leader.number, price=f"{auction.current_price:.2f}")
    tx = Transaction.objects.only("code").get(pk=auction.transaction_id)
    ledger_record(kind="auction.ended", subject=tx.code, actor=ledger_actor("system", "scheduler"), data=data)
    db_transaction.on_commit(lambda: live.auction_changed(auction.pk))
    return auction
