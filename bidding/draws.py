"""Draws anyone can check: the published algorithm (docs/draws.md) as small pure functions.

Commit, then draw, then reveal. The inputs of a draw (the eligible pool numbers, those
recused and why, how many to draw, 32 random bytes of salt) are fixed and committed to by
their SHA-256 in a `draw.announced` ledger entry. The seed (version 2) hashes the root of
the first signed checkpoint that covers that entry with the transaction code, the
commitment and the salt: nobody knew that root when the inputs were fixed, and nobody
but the station knows the salt until the reveal, so nobody can compute the draw before
it. The selection is an unbiased draw without replacement driven by SHA-256 of the seed.
When secrecy ends the inputs are revealed in `draw.revealed` and anyone can recompute
every step. Version 1 (a seed without the salt, which anyone could compute as soon as the
checkpoint was signed) is kept only to check draws made with it.

Standard library and the ledger's pure core only: no Django, so `python -m
bidding.draw_verify` runs on a downloaded export with nothing else installed.
"""

import hashlib
import re
import secrets

from ledger.core.jcs import CanonicalError, canonical_bytes

__all__ = [
    "DRAW_VERSION",
    "SEED_PREFIX_V1",
    "SEED_PREFIX_V2",
    "VERSIONS",
    "DrawError",
    "check_inputs",
    "compute_commitment",
    "compute_seed",
    "draw_inputs",
    "new_salt",
    "seed_v1",
    "seed_v2",
    "select",
    "uniform_index",
]

DRAW_VERSION = 2  # what new draws use
VERSIONS = (1, 2)  # what can be checked
SEED_PREFIX_V1 = b"station-draw/v1\n"
SEED_PREFIX_V2 = b"station-draw/v2\n"
INPUT_KEYS = frozenset({"v", "code", "round", "purpose", "count", "candidates", "excluded", "salt"})
_SPACE = 1 << 256  # SHA-256 outputs, read as big-endian integers, are uniform on [0, 2**256)
_HEX64 = re.compile(r"[0-9a-f]{64}")


class DrawError(ValueError):
    """Draw inputs that are not in their published form; the message says what is wrong."""


def new_salt() -> str:
    """32 random bytes from the operating system, as 64 lowercase hex digits."""
    return secrets.token_hex(32)


def draw_inputs(*, code: str, round: int, purpose: str, count: int, candidates, excluded, salt: str,
                v: int = DRAW_VERSION) -> dict:
    """The committed object: candidates sorted, excluded sorted by number (then reason)."""
    if not all(isinstance(e, dict) for e in excluded):
        raise DrawError('excluded is a list of {"number", "reason"} objects')
    inputs = {
        "v": v,
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
    if type(inputs["v"]) is not int or inputs["v"] not in VERSIONS:
        raise DrawError(f"draw inputs version {inputs['v']!r} is not one of {list(VERSIONS)}")
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


def _root_and_commitment(root, commitment) -> bytes:
    root = bytes(root)
    if len(root) != 32:
        raise DrawError("a checkpoint root is 32 bytes")
    if not isinstance(commitment, str) or not _HEX64.fullmatch(commitment):
        raise DrawError("a commitment is 64 lowercase hex digits")
    return root


def seed_v1(root: bytes, code: str, commitment: str) -> bytes:
    """Version 1, for checking old draws only: SHA-256("station-draw/v1\\n" || checkpoint
    root (32 bytes) || code || "\\n" || commitment hex). Everything in it is public once the
    checkpoint is signed, so anyone could compute the draw then (issue 8)."""
    root = _root_and_commitment(root, commitment)
    return hashlib.sha256(SEED_PREFIX_V1 + root + code.encode("utf-8") + b"\n" + commitment.encode("ascii")).digest()


def seed_v2(root: bytes, code: str, commitment: str, salt: str) -> bytes:
    """SHA-256("station-draw/v2\\n" || checkpoint root (32 bytes) || code (UTF-8) || "\\n" ||
    commitment (64 ASCII hex digits) || salt (its 32 bytes, the hex decoded)).

    The salt is secret until `draw.revealed`: before that, the public root, code and
    commitment leave 2**256 possible seeds."""
    root = _root_and_commitment(root, commitment)
    if not isinstance(salt, str) or not _HEX64.fullmatch(salt):
        raise DrawError("salt is 32 bytes as 64 lowercase hex digits")
    return hashlib.sha256(SEED_PREFIX_V2 + root + code.encode("utf-8") + b"\n" + commitment.encode("ascii")
                          + bytes.fromhex(salt)).digest()


def compute_seed(root: bytes, inputs: dict) -> bytes:
    """The seed of the draw committed to by `inputs`, from the root of the first checkpoint
    covering its announcement, by the algorithm its version names."""
    commitment = compute_commitment(inputs)
    if inputs["v"] == 1:
        return seed_v1(root, inputs["code"], commitment)
    return seed_v2(root, inputs["code"], commitment, inputs["salt"])


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
