"""Checkpoint and bid-receipt texts (LEDGER.md sections 5 and 6), the bodies of signed notes.

A checkpoint is the C2SP tlog-checkpoint text (https://c2sp.org/tlog-checkpoint): origin,
tree size, base64 root hash, optional extension lines. A bid receipt is the station's
signed promise that a sealed bid's commitment will be listed in the transaction's
`bids.closed` entry. Both are formatted and parsed strictly here; signing and opening
them is ledger.core.note's job.
"""

import base64
import binascii
import re
from datetime import datetime
from typing import NamedTuple

from .entry import format_ts, parse_ts
from .note import is_valid_name

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "RECEIPT_SUFFIX",
    "Receipt",
    "format_checkpoint",
    "format_receipt",
    "parse_checkpoint",
    "parse_receipt",
]

RECEIPT_SUFFIX = " bid receipt"
_SIZE_RE = re.compile(r"0|[1-9][0-9]*")
_HEX64_RE = re.compile(r"[0-9a-f]{64}")
_CONTROL_RE = re.compile(r"[\x00-\x1f]")


class CheckpointError(ValueError):
    """A checkpoint or receipt text that is not exactly in its published form."""


class Checkpoint(NamedTuple):
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


class Receipt(NamedTuple):
    origin: str
    subject: str  # the transaction code
    commitment: str  # lowercase hex SHA-256 of the sealed envelope
    received_at: str  # in the form of an entry's ts; parse_ts gives the datetime


def format_checkpoint(origin: str, size: int, root: bytes, extensions=()) -> str:
    """The checkpoint note text, ending in a newline."""
    if not isinstance(origin, str) or not origin or _CONTROL_RE.search(origin):
        raise CheckpointError(f"checkpoint origin must be a non-empty single line, got {origin!r}")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise CheckpointError(f"tree size must be a non-negative integer, got {size!r}")
    root = bytes(root)
    if len(root) != 32:
        raise CheckpointError("the root hash is 32 bytes")
    extensions = tuple(extensions)
    for line in extensions:
        if not isinstance(line, str) or not line or _CONTROL_RE.search(line):
            raise CheckpointError(f"extension lines must be non-empty single lines, got {line!r}")
    lines = [origin, str(size), base64.b64encode(root).decode("ascii"), *extensions]
    return "".join(line + "\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint note text (as open_note returns it); CheckpointError if malformed."""
    lines = _lines(text, "checkpoint")
    if len(lines) < 3:
        raise CheckpointError("a checkpoint has at least three lines: origin, tree size, root hash")
    origin, size, root, *extensions = lines
    if not origin:
        raise CheckpointError("checkpoint origin is empty")
    if not _SIZE_RE.fullmatch(size):
        raise CheckpointError(f"checkpoint tree size {size!r} is not a decimal number without leading zeros")
    root_bytes = _b64decode(root)
    if root_bytes is None or len(root_bytes) != 32:
        raise CheckpointError(f"checkpoint root {root!r} is not the standard base64 of 32 bytes")
    for line in extensions:
        if not line:
            raise CheckpointError("checkpoint extension lines must not be empty")
    return Checkpoint(origin, int(size), root_bytes, tuple(extensions))


def format_receipt(origin: str, transaction_code: str, commitment_hex: str, received_at: str | datetime) -> str:
    """The bid receipt note text; received_at is a ledger time stamp or an aware datetime."""
    _check_origin(origin)
    _check_code(transaction_code)
    _check_commitment(commitment_hex)
    if isinstance(received_at, datetime):
        received_at = format_ts(received_at)
    _check_time(received_at)
    return f"{origin}{RECEIPT_SUFFIX}\n{transaction_code}\n{commitment_hex}\n{received_at}\n"


def parse_receipt(text: str) -> Receipt:
    """Parse a bid receipt note text; CheckpointError if it is not exactly in that form."""
    lines = _lines(text, "receipt")
    if len(lines) != 4:
        raise CheckpointError(f"a bid receipt has exactly four lines, not {len(lines)}")
    head, code, commitment, received_at = lines
    if not head.endswith(RECEIPT_SUFFIX):
        raise CheckpointError(f"the first line of a bid receipt is '<origin>{RECEIPT_SUFFIX}'")
    origin = head[: -len(RECEIPT_SUFFIX)]
    _check_origin(origin)
    _check_code(code)
    _check_commitment(commitment)
    _check_time(received_at)
    return Receipt(origin, code, commitment, received_at)


def _lines(text: str, what: str) -> list[str]:
    if not isinstance(text, str) or not text.endswith("\n"):
        raise CheckpointError(f"a {what} text ends with a newline")
    if _CONTROL_RE.search(text.replace("\n", "")):
        raise CheckpointError(f"a {what} text holds no control characters")
    return text[:-1].split("\n")


def _check_origin(origin: str) -> None:
    # A receipt's origin is the signing key's name (LEDGER.md section 6), so it follows the
    # key-name rules. (A checkpoint's origin need only be a non-empty line, as C2SP says;
    # the verifier checks that it is the key's name.)
    if not is_valid_name(origin):
        raise CheckpointError(f"origin {origin!r} must be a valid key name: non-empty, no spaces, no '+'")


def _check_code(code: str) -> None:
    if not isinstance(code, str) or not code or _CONTROL_RE.search(code):
        raise CheckpointError(f"transaction code must be a non-empty single line, got {code!r}")


def _check_commitment(commitment: str) -> None:
    if not isinstance(commitment, str) or not _HEX64_RE.fullmatch(commitment):
        raise CheckpointError(f"a commitment is 64 lowercase hex digits, got {commitment!r}")


def _check_time(received_at: str) -> None:
    try:
        parse_ts(received_at)
    except ValueError as exc:
        raise CheckpointError(f"received at: {exc}") from None


def _b64decode(s: str) -> bytes | None:
    try:
        b = base64.b64decode(s.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return b if base64.b64encode(b).decode("ascii") == s else None
