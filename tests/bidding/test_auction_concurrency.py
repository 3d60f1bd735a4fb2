"""The online auction under load: bidders all bidding in the last second before the
countdown ends, from threads against the service (real commits, the real clock).

What must hold: no accepted bid lost (each one the caller was told is in the database and
the ledger, in order), accepted prices strictly increasing by at least the increment, of
bids of the same amount exactly the first to reach the auction's lock accepted, a bid
after the end refused, the countdown's restarts as the ledger says, and the replay from
the ledger alone gives the same winner. 50 bidders on PostgreSQL (real row locks); a
lighter run of 10 on SQLite (its IMMEDIATE transactions serialise the writers)."""

import io
import json
import threading
import time
from contextlib import redirect_stdout
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from bidding.auction_replay import auctions_of, replay
from bidding.auction_verify import main as auction_verify
from bidding.models import Auction, AuctionBid
from bidding.services.auctions import auction_bid, auction_close, auction_open
from bidding.services.companies import company_register
from ledger.models import Entry
from ledger.sequencer import ledger_run_sequencer
from tests.factories import make_transaction, make_user, make_world
from tests.trading.asset_sale_world import uscc
from trading import clock
from trading.errors import DomainError, RuleViolation
from trading.models import Role

pytestmark = pytest.mark.usefixtures("ledger_transactional_db")
INCREMENT = Decimal("100.00")
START = Decimal("10000.00")


def scene(n):
    world = make_world()
    bidders = []
    for i in range(n):
        user = make_user(roles=[(Role.BIDDER, world.station, None)])
        bidders.append((user, company_register(user=user, uscc=uscc(i + 10), name=f"竞买公司{i}",
                                               contact_name="联系人", contact_phone="0591-87000000")))
    tx = make_transaction(world, stage="registered", type="asset_sale", amount="10000.00")
    from django.db import transaction as db_transaction

    with db_transaction.atomic():
        auction = auction_open(transaction=tx, companies=[c for _u, c in bidders], starting_price=START,
                               increment=INCREMENT, reserve_price=START, countdown_seconds=2, starts_at=clock.now(),
                               user=world.clerk, grace_seconds=1)
    return tx, auction, bidders


def run_last_second_rush(auction, bidders, attempts=3):
    """Each bidder waits until 0.4 s before the current end, then tries `attempts` bids of
    the current price plus the increment (a racing amount: others try the same)."""
    accepted, refused, errors = [], [], []
    lock = threading.Lock()
    barrier = threading.Barrier(len(bidders))

    def bidder(user, company):
        try:
            barrier.wait()
            end = Auction.objects.get(pk=auction.pk).ends_at
            time.sleep(max(0.0, (end - clock.now()).total_seconds() - 0.4))
            for _ in range(attempts):
                current = Auction.objects.get(pk=auction.pk).current_price
                amount = START if current is None else current + INCREMENT
                try:
                    bid = auction_bid(auction=auction, company=company, amount=amount, user=user)
                except RuleViolation as exc:
                    with lock:
                        refused.append((amount, exc.rule))
                else:
                    with lock:
                        accepted.append(bid)
        except DomainError as exc:  # any other refusal is a failure of the test
            errors.append(exc)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=bidder, args=pair) for pair in bidders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return accepted, refused, errors


def check(tx, auction, accepted, refused, errors, tmp_path):
    assert errors == []
    assert accepted, "somebody's bid was accepted"
    assert {r for _a, r in refused} <= {"auction.increment", "auction.already_leading", "auction.ended"}
    rows = list(AuctionBid.objects.filter(auction=auction).order_by("seq"))
    assert sorted(b.pk for b in accepted) == [b.pk for b in rows]  # none lost, none extra
    assert [b.seq for b in rows] == list(range(1, len(rows) + 1))
    amounts = [b.amount for b in rows]
    assert amounts[0] >= START and all(b - a >= INCREMENT for a, b in zip(amounts, amounts[1:], strict=False))
    assert all(b.accepted_at > a.accepted_at for a, b in zip(rows, rows[1:], strict=False))
    # Racing the same amount: exactly one accepted, the one that reached the lock first.
    tried = {}
    for amount, _rule in refused:
        tried[amount] = tried.get(amount, 0) + 1
    assert all(a in amounts or tried[a] > 0 for a in tried)
    # After the end: refused, even before the close.
    last = Auction.objects.get(pk=auction.pk)
    time.sleep(max(0.0, (last.ends_at - clock.now()).total_seconds() + 0.05))
    loser = next(b for b in auction.bidders.all() if b.pk != last.leader_id)
    with pytest.raises(RuleViolation) as late:
        auction_bid(auction=auction, company=loser.company, amount=last.current_price + 10 * INCREMENT,
                    user=loser.company.representations.first().user)
    assert late.value.rule == "auction.ended"
    time.sleep(last.grace_seconds + 0.05)
    ended = auction_close(auction=auction)
    assert ended.outcome == "sold"
    ledger_run_sequencer()
    # Every accepted bid in the ledger, in order; the replay reaches the same winner.
    entries = [json.loads(bytes(e.body)) for e in Entry.objects.filter(subject=tx.code).order_by("seq")]
    bids = [e["data"] for e in entries if e["kind"] == "auction.bid"]
    assert [(b["seq"], b["amount"]) for b in bids] == [(r.seq, f"{r.amount:.2f}") for r in rows]
    outcome = replay(auctions_of(entries, tx.code)[1])
    assert (outcome.winner, outcome.price) == (ended.leader.number, ended.current_price)
    # ...and so does the command a verifier runs on the export alone.
    client = Client()
    (tmp_path / "entries.jsonl").write_bytes(b"".join(bytes(e.body) + b"\n" for e in Entry.objects.order_by("seq")))
    out = io.StringIO()
    with redirect_stdout(out):
        status = auction_verify(["--entries", str(tmp_path / "entries.jsonl"), "--code", tx.code, "--workers", "1",
                                 "--key", client.get("/ledger/key").content.decode().strip()])
    assert status == 0, out.getvalue()
    assert f"winner bidder No. {ended.leader.number} at {ended.current_price:.2f}" in out.getvalue()


@pytest.mark.postgres
def test_fifty_bidders_in_the_last_second_on_postgresql(postgres_only, tmp_path):
    tx, auction, bidders = scene(50)
    accepted, refused, errors = run_last_second_rush(auction, bidders)
    check(tx, auction, accepted, refused, errors, tmp_path)


def test_ten_bidders_in_the_last_second(tmp_path):
    tx, auction, bidders = scene(10)
    accepted, refused, errors = run_last_second_rush(auction, bidders, attempts=2)
    check(tx, auction, accepted, refused, errors, tmp_path)


def test_a_countdown_restarted_by_a_bid_just_before_the_end(tmp_path):
    tx, auction, bidders = scene(2)
    (u0, c0), (u1, c1) = bidders
    first = auction_bid(auction=auction, company=c0, amount=START, user=u0)
    time.sleep(max(0.0, (first.ends_at - clock.now()).total_seconds() - 0.3))
    second = auction_bid(auction=auction, company=c1, amount=START + INCREMENT, user=u1)
    assert second.ends_at == second.accepted_at + timedelta(seconds=2) > first.ends_at
    assert Auction.objects.get(pk=auction.pk).ends_at == second.ends_at
