"""One line by itself, the reference: what an entry's line in an export must be.

`_check_line` parses one line, re-serialises it and compares (RFC 8785), and checks every
rule of LEDGER.md section 2 that one entry must keep; it returns the facts about the line
that the checks of later entries need (ledger/verify/checker.py). The fast path
(ledger/verify/fast.py) asks it about every line it cannot prove by itself. Also the two
errors of the verifier: VerifyError (the log is bad) and UsageError (the command is).
"""

import json
from typing import NamedTuple

from ledger.core.entry import BIDS_CLOSED, TRANSITION, EntryError, check_entry
from ledger.core.jcs import CanonicalError, canonical_bytes

_ZERO_PREV = b"0" * 64
_NULL = b"null"
_TRANSITION_TOKEN = b'"transition"'
_BIDS_CLOSED_TOKEN = b'"bids.closed"'


class VerifyError(Exception):
    """The first problem found in a log: `seq` of the bad entry (None if none applies) and why."""

    def __init__(self, seq: int | None, message: str):
        super().__init__(seq, message)
        self.seq = seq
        self.message = message

    def __str__(self):
        return self.message if self.seq is None else f"seq {self.seq}: {self.message}"


class UsageError(Exception):
    """A command-line mistake: a missing file, a key that is not a verifier key (exit 2)."""


# Facts about one accepted line that the chain checks need, as raw canonical bytes: the
# from, to, kind and subject as JSON string tokens (b'"draft"', or b"null" for from), prev
# and ts as they are written, seq in decimal, and a bids.closed entry's commitments as the
# bytes inside its list. The fast path reads the very same bytes out of the line.
class _Facts(NamedTuple):
    frm: bytes
    to: bytes
    extra: bytes
    kind: bytes
    prev: bytes
    seq: bytes
    subject: bytes
    ts: bytes


class _LineError(ValueError):
    pass


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


def _token(s: str) -> bytes:
    # A string's canonical JSON token (what canonical_bytes writes for it).
    return json.dumps(s, ensure_ascii=False).encode("utf-8")


def _check_line(body: bytes) -> tuple[dict, _Facts]:
    """Parse one line and check everything it must satisfy by itself; _LineError if not."""
    if body.endswith(b"\r"):
        raise _LineError("the line ends with a carriage return (CRLF); lines must end with LF only")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _LineError(f"the line is not valid UTF-8 (byte {exc.start})") from None
    try:
        obj = json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        raise _LineError(f"the line has the key {json.dumps(exc.args[0])} twice") from None
    except ValueError as exc:
        raise _LineError(f"the line is not valid JSON ({exc})") from None
    try:
        canonical = canonical_bytes(obj)
    except CanonicalError as exc:
        raise _LineError(str(exc)) from None
    if canonical != body:
        at = next((i for i, (a, b) in enumerate(zip(canonical, body, strict=False)) if a != b), None)
        at = min(len(canonical), len(body)) if at is None else at
        raise _LineError(f"the line is not in canonical form (RFC 8785): it differs from its canonical bytes at byte {at}")
    try:
        check_entry(obj)
    except EntryError as exc:
        raise _LineError(str(exc)) from None
    data, kind = obj["data"], obj["kind"]
    frm = to = extra = b""
    if kind == TRANSITION:
        frm = _NULL if data["from"] is None else _token(data["from"])
        to = _token(data["to"])
    elif kind == BIDS_CLOSED:
        extra = b",".join(_token(c) for c in data["commitments"])
    facts = _Facts(
        frm, to, extra, _token(kind), obj["prev"].encode(), b"%d" % obj["seq"], _token(obj["subject"]), obj["ts"].encode()
    )
    return obj, facts


def _commitments(extra: bytes) -> list[str]:
    return extra[1:-1].decode("ascii").split('","') if extra else []


def _name(token: bytes) -> str:
    return json.dumps(json.loads(token), ensure_ascii=False)
