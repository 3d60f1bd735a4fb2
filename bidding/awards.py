"""Award methods as strategies: pure functions from the opened offers and the panel's
verdicts or scores to a ranking (no Django; tests/bidding/test_awards.py).

* `lowest_responsive_price`: responsive offers within the budget, ascending price, ties by
  earlier arrival (inquiry; a tender's "lowest evaluated price").
* `comprehensive_scoring`: each member scores each offer per criterion on the scale the
  documents publish (the criterion's weight is its maximum); an offer's score per member
  is the sum of its criteria; the platform aggregates the members' totals (the mean, or
  with 7 or more members the mean after removing one highest and one lowest) and ranks up
  to N candidates, ties by price then arrival; a member's total that deviates from the
  others' mean by more than the published tolerance is flagged for the report.
* `highest_offer`: the highest offer at or above the reserve (asset sales).

An offer that did not open, or that the panel found not responsive, is never ranked.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Offer:
    key: object  # the bid's identity (its pk)
    price: Decimal | None  # None when the envelope did not open
    arrived: object  # anything orderable: the receipt time
    responsive: bool = True  # the panel's verdict (always False when not opened)


@dataclass(frozen=True)
class Ranked:
    key: object
    rank: int
    price: Decimal | None
    score: Decimal | None = None
    flags: tuple = field(default=())


def lowest_responsive_price(offers: Iterable[Offer], *, budget: Decimal | None = None) -> list[Ranked]:
    eligible = [o for o in offers if o.responsive and o.price is not None
                and (budget is None or o.price <= budget)]
    eligible.sort(key=lambda o: (o.price, o.arrived))
    return [Ranked(key=o.key, rank=i + 1, price=o.price) for i, o in enumerate(eligible)]


def highest_offer(offers: Iterable[Offer], *, reserve: Decimal) -> list[Ranked]:
    eligible = [o for o in offers if o.responsive and o.price is not None and o.price >= reserve]
    eligible.sort(key=lambda o: (-o.price, o.arrived))
    return [Ranked(key=o.key, rank=i + 1, price=o.price) for i, o in enumerate(eligible)]


def aggregate(totals: list[Decimal], *, trim_from: int = 7) -> Decimal:
    """The panel's score of one offer from its members' totals: the mean, or with
    `trim_from` or more members the mean after removing one highest and one lowest;
    rounded half up to two places."""
    values = sorted(totals)
    if not values:
        raise ValueError("no scores to aggregate")
    if len(values) >= trim_from:
        values = values[1:-1]
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def comprehensive_scoring(offers: Iterable[Offer], scores: Mapping, *, weights: Mapping[str, Decimal],
                          max_candidates: int, trim_from: int = 7,
                          deviation: Decimal = Decimal("20")) -> list[Ranked]:
    """`scores[(member, offer key, criterion)] = points`. Every member must have scored
    every criterion of every responsive offer (ValueError names the first missing)."""
    members = sorted({m for m, _k, _c in scores}, key=str)
    ranked = []
    for offer in offers:
        if not offer.responsive or offer.price is None:
            continue
        totals = {}
        for member in members:
            total = Decimal(0)
            for criterion, weight in weights.items():
                points = scores.get((member, offer.key, criterion))
                if points is None:
                    raise ValueError(f"member {member} has not scored {criterion} of offer {offer.key}")
                if not Decimal(0) <= points <= Decimal(weight):
                    raise ValueError(f"{criterion} is scored from 0 to {weight}, not {points}")
                total += points
            totals[member] = total
        if not totals:
            raise ValueError("nobody scored the offers")
        score = aggregate(list(totals.values()), trim_from=trim_from)
        flags = []
        for member, total in totals.items():
            others = [t for m, t in totals.items() if m != member]
            if others:
                mean = sum(others, Decimal(0)) / len(others)
                if abs(total - mean) > deviation:
                    flags.append(("deviates", member))
        ranked.append((offer, score, tuple(flags)))
    ranked.sort(key=lambda item: (-item[1], item[0].price, item[0].arrived))
    return [Ranked(key=o.key, rank=i + 1, price=o.price, score=s, flags=f)
            for i, (o, s, f) in enumerate(ranked[:max_candidates])]


def price_score(price: Decimal, lowest: Decimal, weight: Decimal) -> Decimal:
    """The common published price-score formula: the lowest evaluated price scores the full
    weight, another price `weight × lowest / price` (低价优先法), two places half up."""
    if price <= 0 or lowest <= 0:
        raise ValueError("prices are positive")
    return (Decimal(weight) * lowest / price).quantize(CENT, rounding=ROUND_HALF_UP)
