"""Replay an online auction from its ledger entries alone (pure: no Django, no database).

The entries of one auction, in log order: `auction.opened` (the terms, the start, the
first end, the bidders' numbers), one `auction.bid` per accepted bid (seq, bidder
number, amount, the server's received and accepted times, the end it set) and
`auction.ended` (the outcome). `replay` checks every rule the server applied, in the
order of the log, and computes the outcome again:

* a bid's seq follows the previous one; its bidder is one of the auction's numbers and
  is not the one already leading;
* the first bid is at least the starting price, every later one at least the previous
  plus the increment (so prices strictly increase by at least the increment);
* it was received at or after the start and before the end in force when it came, by the
  server's clock; it was accepted after it was received and after the previous bid;
* the end it set is its acceptance plus the countdown (the countdown restarts);
* the end entry names the last end, the number of bids, and the outcome: the highest bid
  wins if it is at or above the reserve, else no sale; it was closed after the end;
* a supervisor's suspension pauses the auction (`auction.paused`: the moment and the end
  then in force) and its resumption gives the countdown back (`auction.resumed`): the
  start and the end move by the pause's length if the pause came before them; no bid
  is accepted while it is paused.

docs/procedures/asset-sale.md ("The live auction") and docs/ledger.md describe the entries.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

OPENED, BID, ENDED = "auction.opened", "auction.bid", "auction.ended"
PAUSED, RESUMED = "auction.paused", "auction.resumed"
KINDS = (OPENED, BID, ENDED, PAUSED, RESUMED)


class ReplayError(ValueError):
    """The entries break a rule of the auction; the message names the seq and the rule."""


@dataclass
class Outcome:
    round: int
    bids: int = 0
    outcome: str | None = None  # "sold", "no_sale", "cancelled"; None while running
    winner: int | None = None  # the bidder number
    price: Decimal | None = None
    ends_at: datetime | None = None
    history: list = field(default_factory=list)  # (seq, bidder, amount)


def parse_ts(text) -> datetime:
    if not isinstance(text, str):
        raise ValueError(f"not a time: {text!r}")
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def parse_money(text) -> Decimal:
    if not isinstance(text, str):
        raise ValueError(f"not an amount: {text!r}")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")) or value <= 0:
        raise ValueError(f"not an amount in yuan with two decimals: {text!r}")
    return value


def replay(entries: list[dict]) -> Outcome:
    """The outcome of one auction from its entries in log order (ReplayError if a rule is
    broken)."""
    if not entries or entries[0].get("kind") != OPENED:
        raise ReplayError("an auction starts with its auction.opened entry")
    opened = entries[0]
    d = opened["data"]
    try:
        start, end = parse_ts(d["starts_at"]), parse_ts(d["ends_at"])
        countdown = timedelta(seconds=int(d["countdown_seconds"]))
        starting, increment, reserve = (parse_money(d[k]) for k in ("starting_price", "increment", "reserve_price"))
        numbers = set(d["bidders"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ReplayError(f"seq {opened['seq']}: auction.opened lacks or garbles a term: {exc}") from None
    if end != start + countdown:
        raise ReplayError(f"seq {opened['seq']}: the first end is the start plus the countdown")
    result = Outcome(round=d.get("round"), ends_at=end)
    current = leader = last_accepted = paused_at = None
    for entry in entries[1:]:
        seq, kind, b = entry["seq"], entry["kind"], entry["data"]
        if result.outcome is not None:
            raise ReplayError(f"seq {seq}: {kind} after the auction ended")
        if kind == OPENED:
            raise ReplayError(f"seq {seq}: the auction of round {result.round} is opened twice")
        if kind == ENDED:
            _ended(result, entry, reserve, current, leader)
            continue
        if kind == PAUSED:
            paused_at = _paused(result, entry, paused_at, last_accepted)
            continue
        if kind == RESUMED:
            start = _resumed(result, entry, paused_at, start)
            paused_at = None
            continue
        if paused_at is not None:
            raise ReplayError(f"seq {seq}: a bid accepted while the auction was paused (since {_ts(paused_at)})")
        try:
            number, amount = b["bidder"], parse_money(b["amount"])
            received, accepted, new_end = parse_ts(b["received_at"]), parse_ts(b["accepted_at"]), parse_ts(b["ends_at"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ReplayError(f"seq {seq}: auction.bid lacks or garbles a field: {exc}") from None
        if b.get("seq") != result.bids + 1:
            raise ReplayError(f"seq {seq}: bid number {b.get('seq')!r} does not follow {result.bids}: a bid is "
                              "missing or repeated")
        if number not in numbers:
            raise ReplayError(f"seq {seq}: bidder {number!r} is not admitted to this auction")
        if number == leader:
            raise ReplayError(f"seq {seq}: bidder {number} raised its own leading bid")
        minimum = starting if current is None else current + increment
        if amount < minimum:
            raise ReplayError(f"seq {seq}: {amount} is below {minimum}: the first bid is at least the starting "
                              "price, a later one at least the previous plus the increment")
        if received < start or received >= result.ends_at:
            raise ReplayError(f"seq {seq}: received at {b['received_at']}, outside the auction "
                              f"({_ts(start)} until the end then in force, {_ts(result.ends_at)})")
        if accepted < received or (last_accepted is not None and accepted <= last_accepted):
            raise ReplayError(f"seq {seq}: accepted at {b['accepted_at']}: after its arrival and after the "
                              "previous bid")
        if new_end != accepted + countdown:
            raise ReplayError(f"seq {seq}: the end it set, {b['ends_at']}, is not its acceptance plus the "
                              f"countdown ({d['countdown_seconds']} s): the countdown restarts on every bid")
        current, leader, last_accepted, result.ends_at = amount, number, accepted, new_end
        result.bids += 1
        result.history.append((b["seq"], number, amount))
    return result


def _paused(result, entry, paused_at, last_accepted) -> datetime:
    seq, p = entry["seq"], entry["data"]
    if paused_at is not None:
        raise ReplayError(f"seq {seq}: the auction is paused twice without a resumption")
    try:
        moment = parse_ts(p["paused_at"])
    except (KeyError, ValueError) as exc:
        raise ReplayError(f"seq {seq}: auction.paused lacks or garbles paused_at: {exc}") from None
    if p.get("ends_at") != _ts(result.ends_at):
        raise ReplayError(f"seq {seq}: the pause names the end {p.get('ends_at')!r}; the bids set "
                          f"{_ts(result.ends_at)}")
    if last_accepted is not None and moment < last_accepted:
        raise ReplayError(f"seq {seq}: paused at {p['paused_at']}, before the last accepted bid")
    return moment


def _resumed(result, entry, paused_at, start) -> datetime:
    """The start and the end in force after a resumption (checked against the entry)."""
    seq, r = entry["seq"], entry["data"]
    if paused_at is None:
        raise ReplayError(f"seq {seq}: the auction resumes without a pause")
    try:
        moment = parse_ts(r["resumed_at"])
    except (KeyError, ValueError) as exc:
        raise ReplayError(f"seq {seq}: auction.resumed lacks or garbles resumed_at: {exc}") from None
    if moment < paused_at:
        raise ReplayError(f"seq {seq}: resumed at {r['resumed_at']}, before the pause {_ts(paused_at)}")
    length = moment - paused_at
    new_start = start + length if paused_at < start else start
    new_end = result.ends_at + length if paused_at < result.ends_at else result.ends_at
    if r.get("starts_at") != _ts(new_start) or r.get("ends_at") != _ts(new_end):
        raise ReplayError(f"seq {seq}: after a pause of {length.total_seconds():.3f} s the auction runs "
                          f"{_ts(new_start)} to {_ts(new_end)}, not {r.get('starts_at')!r} to "
                          f"{r.get('ends_at')!r}: the countdown left at the pause is given back, no more")
    result.ends_at = new_end
    return new_start


def _ended(result, entry, reserve, current, leader):
    seq, e = entry["seq"], entry["data"]
    if e.get("bids") != result.bids:
        raise ReplayError(f"seq {seq}: the end counts {e.get('bids')!r} bids, the log holds {result.bids}")
    if e.get("ends_at") != _ts(result.ends_at):
        raise ReplayError(f"seq {seq}: the end names {e.get('ends_at')!r}, the bids set {_ts(result.ends_at)}")
    outcome = e.get("outcome")
    if outcome == "cancelled":
        result.outcome = outcome
        return
    try:
        closed = parse_ts(e["closed_at"])
    except (KeyError, ValueError) as exc:
        raise ReplayError(f"seq {seq}: auction.ended lacks closed_at: {exc}") from None
    if closed < result.ends_at:
        raise ReplayError(f"seq {seq}: closed at {e['closed_at']}, before the end {_ts(result.ends_at)}")
    expected = "sold" if current is not None and current >= reserve else "no_sale"
    if outcome != expected:
        raise ReplayError(f"seq {seq}: the outcome is {outcome!r}; the bids and the reserve give {expected!r}")
    if expected == "sold" and (e.get("bidder") != leader or e.get("price") != f"{current:.2f}"):
        raise ReplayError(f"seq {seq}: the winner is bidder {leader} at {current:.2f}, not "
                          f"{e.get('bidder')!r} at {e.get('price')!r}")
    result.outcome = outcome
    if expected == "sold":
        result.winner, result.price = leader, current


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def auctions_of(entries, code: str) -> dict[int, list[dict]]:
    """The auction entries of transaction `code`, by round, in log order."""
    found: dict[int, list[dict]] = {}
    for entry in entries:
        if entry.get("subject") == code and entry.get("kind") in KINDS:
            found.setdefault(entry["data"].get("round"), []).append(entry)
    return found
