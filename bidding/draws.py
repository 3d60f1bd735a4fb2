"""Draws anyone can check: the published algorithm (docs/draws.md) as small pure functions.

Commit, then draw, then reveal. The inputs of a draw (the eligible pool numbers, those
recused and why, how many to draw, 32 random bytes of salt) are fixed and committed to by
their SHA-256 in a `draw.announced` ledger entry. The seed is the root hash of the first
signed checkpoint that covers that entry, hashed with the transaction code and the
commitment: nobody knew that root when the inputs were fixed. The selection is an
unbiased draw without replacement driven by SHA-256 of the seed. When secrecy ends the
inputs are revealed in `draw.revealed` and anyone can recompute every step.

Standard library and the ledger's pure core only: no Django, so `python -m
bidding.draw_verify` runs on a downloaded export with nothing else installed.
"""

import hashlib
import re
import secrets

from ledger.core.jcs import CanonicalError, canonical_bytes

__all__ = [
    "DRAW_VERSION",
    "SEED_PREFIX",
    "DrawError",
    "check_inputs",
    "compute_commitment",
    "compute_seed",
    "draw_inputs",
    "new_salt",
    "select",
    "uniform_index",
]

DRAW_VERSION = 1
SEED_PREFIX = b"station-draw/v1\n"
INPUT_KEYS = frozenset({"v", "code", "round", "purpose", "count", "candidates", "excluded", "salt"})
_SPACE = 1 << 256  # SHA-256 outputs, read as big-endian integers, are uniform on [0, 2**256)
_HEX64 = re.compile(r"[0-9a-f]{64}")


class DrawError(ValueError):
    """Draw inputs that are not in their published form; the message says what is wrong."""


def new_salt() -> str:
    """32 random bytes from the operating system, as 64 lowercase hex digits."""
    return secrets.token_hex(32)


def draw_inputs(*, code: str, round: int, purpose: str, count: int, candidates, excluded, salt: str) -> dict:
    """The committed object: candidates sorted, excluded sorted by number (then reason)."""
    if not all(isinstance(e, dict) for e in excluded):
        raise DrawError('excluded is a list of {"number", "reason"} objects')
    inputs = {
        "v": DRAW_VERSION,
        "code": code,
        "round": round,
        "purpose": purpose,
        "count": count,
        "candidates": sorted(candidates),
        "excluded": sorted(
            ({"number": e.get("number"), "reason": e.get("reason")} for e in excluded),
            key=lambda e: (str(e["number"]), str(e["reason"])),
        ),
        "salt": salt,
    }
    check_inputs(inputs)
    return inputs


def check_inputs(inputs) -> None:
    """DrawError unless `inputs` is a committed object in its published form."""
    if not isinstance(inputs, dict) or set(inputs) != INPUT_KEYS:
        keys = sorted(inputs) if isinstance(inputs, dict) else type(inputs).__name__
        raise DrawError(f"draw inputs have exactly the keys {sorted(INPUT_KEYS)}, got {keys}")
    if inputs["v"] != DRAW_VERSION or type(inputs["v"]) is not int:
        raise DrawError(f"draw inputs version {inputs['v']!r} is not {DRAW_VERSION}")
    for key in ("code", "purpose"):
        if not isinstance(inputs[key], str) or not inputs[key]:
            raise DrawError(f"{key} is a non-empty string")
    for key in ("round", "count"):
        if type(inputs[key]) is not int or inputs[key] < 1:
            raise DrawError(f"{key} is a positive integer, got {inputs[key]!r}")
    candidates, excluded = inputs["candidates"], inputs["excluded"]
    if not isinstance(candidates, list) or not all(isinstance(c, str) and c for c in candidates):
        raise DrawError("candidates is a list of pool numbers (non-empty strings)")
    if candidates != sorted(set(candidates)):
        raise DrawError("candidates are sorted and listed once each")
    if not isinstance(excluded, list) or not all(
        isinstance(e, dict) and set(e) == {"number", "reason"}
        and isinstance(e["number"], str) and e["number"] and isinstance(e["reason"], str) and e["reason"]
        for e in excluded
    ):
        raise DrawError('excluded is a list of {"number", "reason"} objects with non-empty strings')
    numbers = [e["number"] for e in excluded]
    if excluded != sorted(excluded, key=lambda e: (e["number"], e["reason"])) or len(set(numbers)) != len(numbers):
        raise DrawError("excluded is sorted by number and names each number once")
    if set(numbers) & set(candidates):
        raise DrawError(f"a recused number is not a candidate: {sorted(set(numbers) & set(candidates))}")
    if inputs["count"] > len(candidates):
        raise DrawError(f"count {inputs['count']} is more than the {len(candidates)} candidates")
    if not isinstance(inputs["salt"], str) or not _HEX64.fullmatch(inputs["salt"]):
        raise DrawError("salt is 32 bytes as 64 lowercase hex digits")
    try:
        canonical_bytes(inputs)
    except CanonicalError as exc:  # e.g. text not in NFC
        raise DrawError(f"draw inputs are not canonical JSON: {exc}") from None


def compute_commitment(inputs: dict) -> str:
    """SHA-256 (lowercase hex) of the RFC 8785 canonical JSON of the inputs."""
    check_inputs(inputs)
    return hashlib.sha256(canonical_bytes(inputs)).hexdigest()


def compute_seed(root: bytes, code: str, commitment: str) -> bytes:
    """SHA-256("station-draw/v1\\n" || checkpoint root (32 bytes) || code || "\\n" || commitment hex)."""
    root = bytes(root)
    if len(root) != 32:
        raise DrawError("a checkpoint root is 32 bytes")
    if not isinstance(commitment, str) or not _HEX64.fullmatch(commitment):
        raise DrawError("a commitment is 64 lowercase hex digits")
    return hashlib.sha256(SEED_PREFIX + root + code.encode("utf-8") + b"\n" + commitment.encode("ascii")).digest()


def uniform_index(value: int, n: int) -> int | None:
    """`value mod n` if `value` (a 256-bit number) lies below the largest multiple of n
    that fits in 2**256, else None: rejecting the top values leaves every index
    exactly equally likely (no modulo bias)."""
    if n < 1:
        raise DrawError("nothing to choose from")
    return value % n if value < _SPACE - _SPACE % n else None


def _value(seed: bytes, i: int, attempt: int) -> int:
    block = seed + i.to_bytes(4, "big") + attempt.to_bytes(4, "big")
    return int.from_bytes(hashlib.sha256(block).digest(), "big")


def select(seed: bytes, candidates, count: int) -> list[str]:
    """Draw `count` of `candidates` without replacement, in the order drawn.

    For i = 0 .. count-1: from the sorted list of those not yet drawn (n of them), take
    SHA-256(seed || i || attempt) (4-byte big-endian counters, attempt from 0) as an
    integer and keep the first attempt that `uniform_index` accepts; it names the index.
    """
    seed = bytes(seed)
    if len(seed) != 32:
        raise DrawError("a seed is 32 bytes")
    remaining = sorted(candidates)
    if len(set(remaining)) != len(remaining):
        raise DrawError("candidates are listed once each")
    if type(count) is not int or not 0 <= count <= len(remaining):
        raise DrawError(f"cannot draw {count!r} of {len(remaining)} candidates")
    drawn = []
    for i in range(count):
        attempt = 0
        while (index := uniform_index(_value(seed, i, attempt), len(remaining))) is None:
            attempt += 1
        drawn.append(remaining.pop(index))
    return drawn
