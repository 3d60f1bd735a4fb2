"""Quote envelopes (bidding/crypto.py): HPKE (RFC 9180) to the opening key, bound to the
log's origin and the transaction, one size whatever the price, and an opening that names
precisely why an envelope is not a valid quote. Pure: runs without Django."""

import json
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from bidding import crypto

ORIGIN = "trading.localhost/ledger"
CODE = "JY-2026-0001"
SUPPLIER = "91320100000000001X"


@pytest.fixture(scope="module")
def key():
    return X25519PrivateKey.generate()


def public(key):
    return crypto.public_key_bytes(key)


def seal(key, price="76500.00", **kw):
    args = {"origin": ORIGIN, "code": CODE, "supplier": SUPPLIER, "price": price, **kw}
    return crypto.seal_quote(public(key), **args)


def raw_envelope(key, plaintext: bytes, *, origin=ORIGIN, code=CODE) -> bytes:
    """An envelope holding any plaintext, padded to the quote size (what a careless or
    malicious sealer could send)."""
    padded = plaintext + b" " * (crypto.QUOTE_PLAINTEXT_SIZE - len(plaintext))
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    return crypto.SUITE.encrypt(padded, X25519PublicKey.from_public_bytes(public(key)),
                                crypto.quote_info(origin, code))


def test_a_sealed_quote_opens_with_the_key_and_gives_back_supplier_and_price(key):
    content = crypto.open_quote(seal(key), key, origin=ORIGIN, code=CODE, supplier=SUPPLIER)
    assert content == crypto.QuoteContent(transaction=CODE, supplier=SUPPLIER, price=Decimal("76500.00"))


@settings(max_examples=60, deadline=None)
@given(cents=st.integers(min_value=1, max_value=99999999999999))
def test_every_price_round_trips_and_every_envelope_has_the_same_length(cents):
    key = X25519PrivateKey.generate()
    price = Decimal(cents) / 100
    envelope = seal(key, price=f"{price:.2f}")
    assert len(envelope) == crypto.ENVELOPE_SIZE
    assert crypto.open_quote(envelope, key, origin=ORIGIN, code=CODE, supplier=SUPPLIER).price == price


def test_envelope_length_says_nothing_about_price_supplier_or_code(key):
    sizes = {len(seal(key, price=p)) for p in ("0.01", "9.99", "123456.78", "999999999999.99")}
    sizes |= {len(seal(key, code="JY-2026-" + "9" * 50)), len(seal(key, supplier="9" * 18))}
    assert sizes == {crypto.ENVELOPE_SIZE} == {32 + 512 + 16}


def test_sealing_twice_gives_different_envelopes_and_commitments(key):
    a, b = seal(key), seal(key)
    assert a != b and crypto.commitment(a) != crypto.commitment(b)


def test_commitment_is_the_lowercase_hex_sha256_of_the_envelope():
    assert crypto.commitment(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@pytest.mark.parametrize("position", [0, 31, 32, 100, crypto.ENVELOPE_SIZE - 17, crypto.ENVELOPE_SIZE - 1])
def test_a_single_flipped_bit_anywhere_makes_the_envelope_fail(key, position):
    envelope = bytearray(seal(key))
    envelope[position] ^= 0x01
    with pytest.raises(crypto.EnvelopeError, match="does not decrypt"):
        crypto.open_quote(bytes(envelope), key, origin=ORIGIN, code=CODE)


@pytest.mark.parametrize("cut", [b"", b"x" * 10, b"x" * (crypto.ENVELOPE_SIZE - 1)])
def test_an_envelope_of_another_length_is_refused_with_its_size(key, cut):
    with pytest.raises(crypto.EnvelopeError, match=f"{len(cut)} bytes"):
        crypto.open_quote(cut, key, origin=ORIGIN, code=CODE)


def test_another_key_cannot_open_it(key):
    with pytest.raises(crypto.EnvelopeError, match="does not decrypt"):
        crypto.open_quote(seal(key), X25519PrivateKey.generate(), origin=ORIGIN, code=CODE)


def test_an_envelope_cannot_be_replayed_into_another_transaction_or_log(key):
    envelope = seal(key)
    for origin, code in ((ORIGIN, "JY-2026-0002"), ("other.example/ledger", CODE)):
        with pytest.raises(crypto.EnvelopeError, match="does not decrypt"):
            crypto.open_quote(envelope, key, origin=origin, code=code)


def test_the_quote_inside_must_name_this_transaction_and_this_supplier(key):
    # Sealed with the right info (so it decrypts) but naming another transaction inside.
    body = crypto.canonical_quote(code="JY-2026-0099", supplier=SUPPLIER, price=Decimal("1.00"))
    with pytest.raises(crypto.EnvelopeError, match="another transaction"):
        crypto.open_quote(raw_envelope(key, body + b"\n"), key, origin=ORIGIN, code=CODE)
    with pytest.raises(crypto.EnvelopeError, match="another supplier"):
        crypto.open_quote(seal(key), key, origin=ORIGIN, code=CODE, supplier="91320100000000002Y")


@pytest.mark.parametrize("body, reason", [
    (b"not json at all", "does not hold a quote"),
    (b"[1, 2, 3]", "does not hold a quote"),
    (b'{"v": 2, "transaction": "JY-2026-0001", "supplier": "S", "price": "1.00", "currency": "CNY"}',
     "does not hold a quote"),
    (b'{"v": 1, "transaction": "JY-2026-0001", "supplier": "S", "price": "1.00", "currency": "USD"}',
     "does not hold a quote"),
    (b'{"v": 1, "transaction": "JY-2026-0001", "supplier": "S", "currency": "CNY"}', "does not hold a quote"),
    (b'{"v": 1, "transaction": "JY-2026-0001", "supplier": "S", "price": 1.5, "currency": "CNY"}',
     "not an amount in yuan"),
    (b'{"v": 1, "transaction": "JY-2026-0001", "supplier": "S", "price": "1.5", "currency": "CNY"}',
     "not an amount in yuan"),
    (b'{"v": 1, "transaction": "JY-2026-0001", "supplier": "S", "price": "NaN", "currency": "CNY"}',
     "not an amount in yuan"),
    (b'{"v": 1, "transaction": "JY-2026-0001", "supplier": "S", "price": "-1.00", "currency": "CNY"}',
     "not an amount in yuan"),
    (b'{"v": 1, "transaction": "JY-2026-0001", "supplier": "S", "price": "0.00", "currency": "CNY"}',
     "not a positive amount"),
    # More than the opening record can store (14 digits): refused, not a crash at the opening.
    (b'{"v": 1, "transaction": "JY-2026-0001", "supplier": "S", "price": "1000000000000.00", "currency": "CNY"}',
     "not an amount in yuan"),
    # Two prices: parsers disagree on which counts, so it is not a quote.
    (b'{"v": 1, "transaction": "JY-2026-0001", "supplier": "S", "price": "1.00", "price": "2.00", "currency": "CNY"}',
     "does not hold a quote"),
    (b"[" * 400, "does not hold a quote"),
    (b"\xff\xfe not utf-8", "does not hold a quote"),
])
def test_a_decrypting_envelope_without_a_valid_quote_names_the_reason(key, body, reason):
    with pytest.raises(crypto.EnvelopeError, match=reason):
        crypto.open_quote(raw_envelope(key, body + b"\n"), key, origin=ORIGIN, code=CODE)


@pytest.mark.parametrize("price", ["0", "0.00", "-5", "1.001", "abc", "", "NaN", "Infinity", "1e400",
                                   "1000000000000.00", 1.5, True, None])
def test_sealing_refuses_what_is_not_a_price(key, price):
    with pytest.raises(ValueError):
        seal(key, price=price)


@pytest.mark.parametrize("price, inside", [("12345", "12345.00"), (Decimal("7.5"), "7.50"), (3, "3.00"),
                                           (" 88.10 ", "88.10"), ("1E+2", "100.00")])
def test_a_price_is_written_inside_with_exactly_two_decimals(key, price, inside):
    assert crypto.open_quote(seal(key, price=price), key, origin=ORIGIN, code=CODE).price == Decimal(inside)
    assert f'"price":"{inside}"' in crypto.canonical_quote(code=CODE, supplier=SUPPLIER,
                                                           price=crypto.quote_price(price)).decode()


def test_the_plaintext_is_canonical_json_then_padding():
    body = crypto.canonical_quote(code=CODE, supplier=SUPPLIER, price=Decimal("76500.00"))
    assert body == (b'{"currency":"CNY","price":"76500.00","supplier":"91320100000000001X",'
                    b'"transaction":"JY-2026-0001","v":1}')
    assert json.loads(body)["v"] == 1


@pytest.mark.parametrize("field, value", [("origin", ""), ("code", "JY 2026"), ("supplier", "供应商"),
                                          ("code", "x" * 65)])
def test_sealing_refuses_malformed_names(key, field, value):
    with pytest.raises(ValueError, match="printable ASCII"):
        seal(key, **{field: value})


@pytest.mark.parametrize("value", ["00" * 31, "zz" * 32, "", "ab" * 33])
def test_a_malformed_public_key_is_refused(value):
    with pytest.raises(ValueError):
        crypto.parse_public_key(value)


def test_a_public_key_is_read_from_hex_in_either_case(key):
    assert crypto.parse_public_key(public(key).hex().upper()) == public(key)
