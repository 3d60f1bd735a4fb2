"""One ledger entry (LEDGER.md sections 2 and 3): its fields, its time stamps, its leaf hash.

`make_entry` builds an entry, `check_entry` checks every rule of section 2 that can be
checked on one entry alone (the rules that need its neighbours — seq order, the prev
chain, ts order, transition paths — belong to the log checker in ledger.verify), and
`leaf_hash` is the hash the chain and the Merkle tree are built from.
"""

import hashlib
import json
import re
from datetime import UTC, datetime

from .jcs import CanonicalError, check_value

__all__ = [
    "BIDS_CLOSED",
    "ENTRY_KEYS",
    "EntryError",
    "TRANSITION",
    "TRANSITION_TYPES",
    "TS_FORMAT",
    "ZERO_HASH_HEX",
    "check_entry",
    "format_ts",
    "leaf_hash",
    "make_entry",
    "parse_ts",
]

ZERO_HASH_HEX = "0" * 64
# In the order of the table in LEDGER.md section 2 (canonical bytes sort them anyway).
ENTRY_KEYS = ("v", "seq", "ts", "prev", "kind", "subject", "actor", "data")
ACTOR_KEYS = ("name", "role")
TRANSITION = "transition"
BIDS_CLOSED = "bids.closed"
TRANSITION_TYPES = frozenset({"inquiry", "tender", "asset_sale"})

# For strftime/strptime users; format_ts/parse_ts below are the strict versions.
TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_TS_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{6})Z")
_HEX64_RE = re.compile(r"[0-9a-f]{64}")


class EntryError(ValueError):
    """An entry that breaks a rule of LEDGER.md section 2; the message names the rule."""


def format_ts(dt: datetime) -> str:
    """An aware datetime as the ledger's UTC time stamp, `YYYY-MM-DDTHH:MM:SS.ffffffZ`."""
    if not isinstance(dt, datetime):
        raise TypeError(f"format_ts needs a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("format_ts needs an aware datetime; a naive one has no defined UTC time")
    u = dt.astimezone(UTC)
    # Written out by hand: strftime's %Y does not zero-pad years before 1000 everywhere.
    return (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}T"
        f"{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond:06d}Z"
    )


def parse_ts(s: str) -> datetime:
    """The aware UTC datetime of a ledger time stamp; ValueError unless exactly in that form."""
    if not isinstance(s, str):
        raise ValueError(f"a time stamp must be a string, got {type(s).__name__}")
    m = _TS_RE.fullmatch(s)
    if m is None:
        raise ValueError(f"time stamp {_show(s)} is not of the form YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        return datetime(*map(int, m.groups()), tzinfo=UTC)
    except ValueError:
        raise ValueError(f"time stamp {_show(s)} is not a valid date and time") from None


def leaf_hash(body: bytes) -> bytes:
    """SHA-256(0x00 || canonical bytes): the RFC 9162 leaf hash of one entry (32 bytes)."""
    return hashlib.sha256(b"\x00" + body).digest()


def make_entry(*, seq: int, ts: str, prev: str, kind: str, subject: str, actor: dict, data: dict) -> dict:
    """The entry with these fields and `v` 1; EntryError if it would break section 2."""
    entry = {
        "v": 1,
        "seq": seq,
        "ts": ts,
        "prev": prev,
        "kind": kind,
        "subject": subject,
        "actor": actor,
        "data": data,
    }
    check_entry(entry)
    return entry


def check_entry(obj) -> None:
    """Raise EntryError unless `obj` (a parsed entry) keeps every rule of section 2 by itself."""
    if type(obj) is not dict:
        raise EntryError(f"an entry must be a JSON object, got {_type(obj)}")
    missing = [key for key in ENTRY_KEYS if key not in obj]
    if missing:
        raise EntryError(f"entry has no {_keys(missing)} (an entry has exactly the eight {_keys(ENTRY_KEYS)})")
    extra = [key for key in obj if key not in ENTRY_KEYS]
    if extra:
        raise EntryError(f"entry has unexpected {_keys(extra)} (an entry has exactly the eight {_keys(ENTRY_KEYS)})")

    if not (_is_int(obj["v"]) and obj["v"] == 1):
        raise EntryError(f"v must be the integer 1, got {_show(obj['v'])}")
    if not (_is_int(obj["seq"]) and obj["seq"] >= 0):
        raise EntryError(f"seq must be a non-negative integer, got {_show(obj['seq'])}")
    ts = obj["ts"]
    if not isinstance(ts, str):
        raise EntryError(f"ts must be a string, got {_show(ts)}")
    try:
        parse_ts(ts)
    except ValueError as exc:
        raise EntryError(f"ts: {exc}") from None
    prev = obj["prev"]
    if not (isinstance(prev, str) and _HEX64_RE.fullmatch(prev)):
        raise EntryError(f"prev must be 64 lowercase hex digits, got {_show(prev)}")
    for key in ("kind", "subject"):
        if not isinstance(obj[key], str):
            raise EntryError(f"{key} must be a string, got {_show(obj[key])}")

    actor = obj["actor"]
    if type(actor) is not dict:
        raise EntryError(f'actor must be an object {{"role": ..., "name": ...}}, got {_show(actor)}')
    if sorted(actor, key=str) != list(ACTOR_KEYS):
        raise EntryError(f"actor must have exactly the keys \"name\" and \"role\", got {_keys(actor)}")
    for key in ACTOR_KEYS:
        if not isinstance(actor[key], str):
            raise EntryError(f"actor.{key} must be a string, got {_show(actor[key])}")

    data = obj["data"]
    if type(data) is not dict:
        raise EntryError(f"data must be an object, got {_show(data)}")
    if obj["kind"] == TRANSITION:
        _check_transition(data)
    elif obj["kind"] == BIDS_CLOSED:
        _check_bids_closed(data)

    # Last, the value space of section 2 (no floats, ASCII keys, integers below 2**53, NFC).
    try:
        check_value(obj)
    except CanonicalError as exc:
        raise EntryError(str(exc)) from None


def _check_transition(data: dict) -> None:
    for key in ("type", "action", "from", "to"):
        if key not in data:
            raise EntryError(f'a transition\'s data must have "{key}" (it has {_keys(data)})')
    if not (isinstance(data["type"], str) and data["type"] in TRANSITION_TYPES):
        allowed = ", ".join(sorted(TRANSITION_TYPES))
        raise EntryError(f"data.type must be one of {allowed}; got {_show(data['type'])}")
    if not isinstance(data["action"], str):
        raise EntryError(f"data.action must be a string, got {_show(data['action'])}")
    if not (data["from"] is None or isinstance(data["from"], str)):
        raise EntryError(f"data.from must be a string or null, got {_show(data['from'])}")
    if not isinstance(data["to"], str):
        raise EntryError(f"data.to must be a string, got {_show(data['to'])}")


def _check_bids_closed(data: dict) -> None:
    for key in ("count", "commitments"):
        if key not in data:
            raise EntryError(f'a bids.closed entry\'s data must have "{key}"')
    count, commitments = data["count"], data["commitments"]
    if not (_is_int(count) and count >= 0):
        raise EntryError(f"data.count must be a non-negative integer, got {_show(count)}")
    if type(commitments) is not list:
        raise EntryError(f"data.commitments must be a list, got {_show(commitments)}")
    for i, c in enumerate(commitments):
        if not (isinstance(c, str) and _HEX64_RE.fullmatch(c)):
            raise EntryError(f"data.commitments[{i}] must be 64 lowercase hex digits, got {_show(c)}")
    for i in range(1, len(commitments)):
        if commitments[i - 1] == commitments[i]:
            raise EntryError(f"data.commitments[{i}] repeats the commitment before it")
        if commitments[i - 1] > commitments[i]:
            raise EntryError(f"data.commitments is not sorted: [{i - 1}] comes after [{i}]")
    if count != len(commitments):
        raise EntryError(f"data.count is {count} but data.commitments lists {len(commitments)}")


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _type(x) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(x), "null" if x is None else type(x).__name__
    )


def _show(x, limit: int = 80) -> str:
    try:
        s = json.dumps(x, ensure_ascii=False)
    except (TypeError, ValueError):
        s = repr(x)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _keys(keys) -> str:
    names = [json.dumps(k) if isinstance(k, str) else repr(k) for k in keys]
    if not names:
        return "no keys"
    return ("key " if len(names) == 1 else "keys ") + ", ".join(names)
