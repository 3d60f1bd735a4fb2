"""The auction replay (bidding/auction_replay.py) on entries made by hand: a good auction
gives its winner; each broken rule is named with its seq."""

import copy
from decimal import Decimal

import pytest

from bidding.auction_replay import ReplayError, replay

T = "2026-12-07T01:00:%02d.000000Z"


def auction():
    opened = {"seq": 10, "kind": "auction.opened", "data": {
        "round": 1, "starting_price": "1000.00", "increment": "100.00", "reserve_price": "1100.00",
        "countdown_seconds": 5, "grace_seconds": 2, "starts_at": T % 0, "ends_at": T % 5, "bidders": [101, 202]}}
    bids = [
        {"seq": 11, "kind": "auction.bid", "data": {"round": 1, "seq": 1, "bidder": 101, "amount": "1000.00",
                                                    "received_at": T % 3, "accepted_at": T % 3, "ends_at": T % 8}},
        {"seq": 12, "kind": "auction.bid", "data": {"round": 1, "seq": 2, "bidder": 202, "amount": "1100.00",
                                                    "received_at": T % 7, "accepted_at": T % 7, "ends_at": T % 12}},
    ]
    ended = {"seq": 13, "kind": "auction.ended", "data": {"round": 1, "bids": 2, "ends_at": T % 12,
                                                          "closed_at": T % 14, "outcome": "sold", "bidder": 202,
                                                          "price": "1100.00"}}
    return [opened, *bids, ended]


def test_a_good_auction_replays_to_its_winner():
    outcome = replay(auction())
    assert (outcome.outcome, outcome.winner, outcome.price, outcome.bids) == ("sold", 202, Decimal("1100.00"), 2)


@pytest.mark.parametrize("change, message", [
    (lambda e: e[2]["data"].update(amount="1050.00"), "below 1100.00"),
    (lambda e: e[2]["data"].update(received_at=T % 9, accepted_at=T % 9, ends_at=T % 14), "outside the auction"),
    (lambda e: e[2]["data"].update(ends_at=T % 30), "countdown restarts"),
    (lambda e: e[2]["data"].update(bidder=101), "raised its own leading bid"),
    (lambda e: e[2]["data"].update(seq=3), "does not follow"),
    (lambda e: e[3]["data"].update(bidder=101), "the winner is bidder 202"),
    (lambda e: e[3]["data"].update(outcome="no_sale"), "give 'sold'"),
    (lambda e: e.pop(1), "missing or repeated"),
])
def test_each_broken_rule_is_named(change, message):
    entries = copy.deepcopy(auction())
    change(entries)
    with pytest.raises(ReplayError, match=message):
        replay(entries)


def paused_auction():
    """The auction above, paused at :04 (one second of the countdown left) and resumed at
    :30: the end moves from :08 to :34; the second bid comes at :33."""
    opened, first, second, ended = auction()
    paused = {"seq": 12, "kind": "auction.paused", "data": {"round": 1, "paused_at": T % 4, "ends_at": T % 8}}
    resumed = {"seq": 13, "kind": "auction.resumed", "data": {"round": 1, "resumed_at": T % 30,
                                                              "starts_at": T % 0, "ends_at": T % 34}}
    second["seq"] = 14
    second["data"].update(received_at=T % 33, accepted_at=T % 33, ends_at=T % 38)
    ended.update(seq=15)
    ended["data"].update(ends_at=T % 38, closed_at=T % 40)
    return [opened, first, paused, resumed, second, ended]


def test_a_paused_auction_replays_with_the_countdown_given_back():
    outcome = replay(paused_auction())
    assert (outcome.outcome, outcome.winner, outcome.bids) == ("sold", 202, 2)


@pytest.mark.parametrize("change, message", [
    (lambda e: e[3]["data"].update(ends_at=T % 50), "the countdown left at the pause is given back"),
    (lambda e: e[2]["data"].update(ends_at=T % 5), "the pause names the end"),
    (lambda e: e.pop(3), "accepted while the auction was paused"),
    (lambda e: e.pop(2), "resumes without a pause"),
    (lambda e: e[3]["data"].update(resumed_at=T % 2), "before the pause"),
])
def test_each_broken_pause_rule_is_named(change, message):
    entries = copy.deepcopy(paused_auction())
    change(entries)
    with pytest.raises(ReplayError, match=message):
        replay(entries)
