"""Canonical bytes of ledger values: RFC 8785 (JCS) on the value space LEDGER.md allows.

LEDGER.md section 2 restricts entries to objects with ASCII keys, arrays, strings, booleans,
null and integers below 2**53 in absolute value, with text already in Unicode NFC. On that
space the standard library's JSON encoder (sorted keys, no whitespace, no ASCII escaping)
writes exactly the RFC 8785 bytes: keys are ASCII so code-unit order is code-point order,
integers print as ECMAScript would, and both escape only `"`, `\\` and the C0 controls, in the
same way. So this module checks that a value lies in that space and then lets the C encoder
do the writing. The tests prove byte-identity with the `rfc8785` package by property tests.
"""

import json
import unicodedata
from decimal import Decimal

__all__ = ["CanonicalError", "MAX_SAFE_INTEGER", "canonical_bytes", "check_value"]

# The largest integer an IEEE double holds exactly (RFC 8785 section 3.2.2.3 via I-JSON).
MAX_SAFE_INTEGER = 2**53 - 1

_encode = json.JSONEncoder(
    ensure_ascii=False,
    separators=(",", ":"),
    sort_keys=True,
    allow_nan=False,
    check_circular=False,  # check_value has already refused cycles
).encode


class CanonicalError(ValueError):
    """A value outside what LEDGER.md allows; the message names the JSON path."""


def canonical_bytes(value) -> bytes:
    """The RFC 8785 serialization of `value`, UTF-8 encoded.

    Raises CanonicalError for anything LEDGER.md does not allow, naming the path:
    floats and Decimals, integers of 2**53 or more in absolute value, non-string or
    non-ASCII keys, lone surrogates, text that is not NFC, and any other type.
    Non-NFC text is refused rather than normalised: normalising happens once, where
    text is first accepted, never at hashing time.
    """
    check_value(value)
    return _encode(value).encode("utf-8")


def check_value(value, path: str = "") -> None:
    """Raise CanonicalError unless `value` lies in the value space of LEDGER.md."""
    _check(value, path, set())


def _join(path: str, key: str) -> str:
    if key.isidentifier() and key.isascii():
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _where(path: str) -> str:
    return path or "value"


def _check(value, path: str, open_containers: set) -> None:
    # Exact types for containers: the encoder would accept tuples (and call a dict
    # subclass's own items()), so anything but a plain dict or list is refused.
    kind = type(value)
    if value is None or value is True or value is False:
        return
    if kind is str or isinstance(value, str):
        _check_text(value, path)
        return
    if isinstance(value, float):
        raise CanonicalError(f"{_where(path)}: floating-point numbers are not allowed")
    if isinstance(value, int):  # bool was handled above; int subclasses print as ints
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalError(
                f"{_where(path)}: integer {value} is outside ±(2**53 - 1); "
                "write large numbers as decimal strings"
            )
        return
    if kind is dict or kind is list:
        if id(value) in open_containers:
            raise CanonicalError(f"{_where(path)}: circular reference")
        open_containers.add(id(value))
        if kind is dict:
            for key, item in value.items():
                if not isinstance(key, str):
                    raise CanonicalError(
                        f"{_where(path)}: object keys must be strings, got {type(key).__name__} {key!r}"
                    )
                if not key.isascii():
                    raise CanonicalError(f"{_join(path, key)}: object keys must be ASCII")
                _check(item, _join(path, key), open_containers)
        else:
            for index, item in enumerate(value):
                _check(item, f"{path}[{index}]", open_containers)
        open_containers.discard(id(value))
        return
    if isinstance(value, Decimal):
        raise CanonicalError(
            f"{_where(path)}: Decimal is not allowed; write money as a string with two "
            'fraction digits, e.g. "128000.00"'
        )
    raise CanonicalError(f"{_where(path)}: unsupported type {kind.__name__}")


def _check_text(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalError(f"{_where(path)}: text contains a lone surrogate") from None
    if not unicodedata.is_normalized("NFC", text):
        raise CanonicalError(
            f"{_where(path)}: text is not in Unicode NFC (normalise it where it is first accepted)"
        )
