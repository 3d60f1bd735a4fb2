"""Canonical bytes: byte-identical to RFC 8785 (the rfc8785 package) on LEDGER.md's value space."""

import math
import unicodedata
from decimal import Decimal

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.core.jcs import MAX_SAFE_INTEGER, CanonicalError, canonical_bytes

# Characters JSON escapes or that trip serializers: C0 controls, quote, backslash, solidus,
# DEL, the line and paragraph separators, astral and CJK characters, a precomposed letter.
TRICKY = [*map(chr, range(0x20)), '"', "\\", "/", "\x7f", "\u2028", "\u2029", "\ufeff", "\uffff", "😀", "\U0010ffff", "中", "é", "ǅ"]

nfc_text = st.text(
    alphabet=st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(TRICKY)), max_size=30
).map(lambda s: unicodedata.normalize("NFC", s))
ascii_keys = st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=8)
safe_ints = st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
json_values = st.recursive(
    st.none() | st.booleans() | safe_ints | nfc_text,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(ascii_keys, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=800, deadline=None)
@given(json_values)
def test_canonical_bytes_equal_rfc8785_on_the_allowed_values(value):
    assert canonical_bytes(value) == rfc8785.dumps(value)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(ascii_keys, safe_ints, min_size=2, max_size=12))
def test_keys_are_sorted_as_rfc8785_sorts_them(obj):
    assert canonical_bytes(obj) == rfc8785.dumps(obj)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"b": 1, "a": [True, False, None]}, b'{"a":[true,false,null],"b":1}'),
        ("\x00\x08\t\n\x0c\r\x1f", b'"\\u0000\\b\\t\\n\\f\\r\\u001f"'),
        ('"\\/', b'"\\"\\\\/"'),
        ("\x7f\u2028\u2029", "\"\x7f\u2028\u2029\"".encode()),
        ("😀中", '"😀中"'.encode()),
        (MAX_SAFE_INTEGER, b"9007199254740991"),
        (-MAX_SAFE_INTEGER, b"-9007199254740991"),
        ({"": 0, "A": 1, "_": 2, "a": 3, "~": 4}, b'{"":0,"A":1,"_":2,"a":3,"~":4}'),
    ],
)
def test_known_serialisations(value, expected):
    assert canonical_bytes(value) == expected == rfc8785.dumps(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"data": {"price": 1.5}}, "data.price: floating-point numbers are not allowed"),
        (1.0, "value: floating-point numbers are not allowed"),
        (math.nan, "floating-point"),
        ({"x": [1, math.inf]}, "x[1]: floating-point"),
        ({"amount": Decimal("1.00")}, "amount: Decimal is not allowed"),
        (2**53, "outside"),
        (-(2**53), "outside"),
        ({"n": [10**20]}, "n[0]: integer 100000000000000000000 is outside"),
        ({1: "x"}, "object keys must be strings"),
        ({"clé": 1}, '["clé"]: object keys must be ASCII'),
        ({"a": "\ud800"}, "a: text contains a lone surrogate"),
        ({"note": "e\u0301"}, "note: text is not in Unicode NFC"),
        ({"note": "\u212b"}, "not in Unicode NFC"),  # ANGSTROM SIGN, NFC is U+00C5
        ((1, 2), "unsupported type tuple"),
        ({"s": {1, 2}}, "s: unsupported type set"),
        (b"bytes", "unsupported type bytes"),
        (object(), "unsupported type object"),
    ],
)
def test_values_outside_the_format_are_refused_naming_the_path(value, message):
    with pytest.raises(CanonicalError, match=None) as exc:
        canonical_bytes(value)
    assert message in str(exc.value)


def test_a_cycle_is_refused():
    loop = {"a": []}
    loop["a"].append(loop)
    with pytest.raises(CanonicalError, match="circular reference"):
        canonical_bytes(loop)


def test_the_same_list_twice_is_not_a_cycle():
    shared = [1, 2]
    assert canonical_bytes({"a": shared, "b": shared}) == b'{"a":[1,2],"b":[1,2]}'


def test_canonical_error_is_a_value_error():
    assert issubclass(CanonicalError, ValueError)
