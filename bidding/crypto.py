"""The cryptography of sealed bids: quote envelopes, opening keys split among custodians,
custodian keys protected by a secret only the custodian holds. Pure (no Django), so the
bidder's `python -m bidding.seal` uses exactly this code.

* A quote is an HPKE envelope (RFC 9180, base mode, DHKEM(X25519, HKDF-SHA256),
  HKDF-SHA256, AES-128-GCM; `cryptography`'s hpke) to the procedure's opening public key.
  The HPKE `info` binds it to the log's origin and the transaction code, so an envelope
  cannot be replayed into another procedure; the plaintext names the supplier, and the
  opening checks it is the supplier that submitted the envelope. The plaintext is
  canonical JSON padded to a fixed size, so the envelope's length says nothing about the
  price. An envelope of a part that holds no price (e.g. the technical part of a
  two-envelope bid) holds the SHA-256 of the bidder's documents instead
  (`seal_documents`), with the same padding, so every envelope has the same size.
* The opening private key exists whole only in memory: when it is made (then split
  k-of-n with Shamir, each share sealed to one custodian's key) and at the opening (from
  k shares). It is never stored.
* A custodian key is an X25519 key pair; its private half is stored only encrypted with
  AES-256-GCM under a key derived by scrypt from the custodian's own passphrase. The
  scrypt parameters are stored with it (a header in front of the ciphertext), so that
  they can be raised later without losing the keys already set.
* A share bundle (`bundle_dict`, `parse_bundle`) is what a custodian needs to open its
  share of one round on its own side (`open_share_with_passphrase`; the same computation
  in the browser is static/js/custodian.js, offline `python -m bidding.custodian`): the
  server then receives that share, which rebuilds that round's key and nothing else,
  never the passphrase that unlocks the custodian's shares of every round.

Why this module is long: it is the one cryptographic module the server, the bidder's
`bidding.seal` and the custodian's `bidding.custodian` share byte for byte (and that
static/js/custodian.js mirrors): envelopes, opening keys, custodian keys and share
bundles are read and audited together, as one specification.
"""

import hashlib
import json
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from . import shamir

SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_128_GCM)
SUITE_NAME = "HPKE base: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM"
QUOTE_PLAINTEXT_SIZE = 512  # every sealed quote has the same length
ENVELOPE_SIZE = 32 + QUOTE_PLAINTEXT_SIZE + 16  # enc || ciphertext || tag
# The largest price a quote may hold: what the opening record stores (14 digits, 2 places).
MAX_PRICE = Decimal("999999999999.99")
# scrypt cost for new custodian keys (OWASP's password storage guidance: N = 2**17, r = 8,
# p = 1): 2**17 x 8 x 128 bytes = 128 MiB, about half a second. The Django layer passes
# settings.CUSTODIAN_SCRYPT_LOG2_N. Keys made with other costs keep theirs (in the header).
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 17, 8, 1
# What a stored header may ask for: a tampered header must not make anyone derive with
# gigabytes of memory (static/js/custodian.js checks the same bounds).
SCRYPT_LOG2_N_BOUNDS, SCRYPT_R_BOUNDS, SCRYPT_P_BOUNDS = (10, 20), (1, 16), (1, 4)
MIN_PASSPHRASE = 10

_PRICE_RE = re.compile(r"(0|[1-9][0-9]{0,11})\.[0-9]{2}")
_PRINTABLE_ASCII_RE = re.compile(r"[\x21-\x7e]{1,64}")
_PART_RE = re.compile(r"[a-z][a-z0-9_-]{0,15}")
_KEY_HEADER = b"CK1"  # custodian key blob, version 1: "CK1" || log2 N || r || p || AES-GCM
KEY_BLOB_SIZE = 6 + 32 + 16  # header || encrypted private key || tag


class EnvelopeError(ValueError):
    """An envelope that cannot be opened or does not hold a valid quote (the reason is
    recorded in the opening record)."""


class CustodianSecretError(ValueError):
    """A custodian's secret that does not unlock its key, or shares that do not give the
    opening key."""


def commitment(envelope: bytes) -> str:
    """LEDGER.md section 6: the lowercase hex SHA-256 of the envelope bytes."""
    return hashlib.sha256(envelope).hexdigest()


def public_key_bytes(private_key: X25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes_raw()


def parse_public_key(value: str | bytes) -> bytes:
    """An opening public key given as 64 hex digits (or 32 raw bytes); ValueError if not."""
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
    else:
        text = str(value).strip().lower()
        if not re.fullmatch(r"[0-9a-f]{64}", text):
            raise ValueError("an opening public key is 64 hexadecimal digits")
        raw = bytes.fromhex(text)
    if len(raw) != 32:
        raise ValueError("an opening public key is 32 bytes")
    X25519PublicKey.from_public_bytes(raw)
    return raw


def quote_info(origin: str, code: str) -> bytes:
    return b"station-quote/v1\x00" + origin.encode() + b"\x00" + code.encode()


@dataclass(frozen=True)
class QuoteContent:
    transaction: str
    supplier: str  # unified social credit code
    price: Decimal


def canonical_quote(*, code: str, supplier: str, price: Decimal) -> bytes:
    """The quote's plaintext before padding: canonical JSON (sorted keys, no spaces)."""
    return json.dumps(
        {"v": 1, "transaction": code, "supplier": supplier, "price": f"{price:.2f}", "currency": "CNY"},
        ensure_ascii=False, separators=(",", ":"), sort_keys=True,
    ).encode()


def quote_price(value) -> Decimal:
    """A price in yuan as a Decimal with two places; ValueError unless it is a positive
    amount with at most two decimals, at most MAX_PRICE. Floats are refused (money is
    never binary floating point)."""
    if isinstance(value, float | bool):
        raise ValueError("give the price as a decimal string, e.g. 12345.00")
    try:
        amount = Decimal(value) if isinstance(value, Decimal | int) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValueError("the price is an amount in yuan, e.g. 12345.00") from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_PRICE:
        raise ValueError(f"the price is a positive amount in yuan, at most {MAX_PRICE}")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("the price has at most two decimals (fen)")
    return amount.quantize(Decimal("0.01"))


def _no_duplicate_keys(pairs):
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a key appears twice")
    return dict(pairs)


def _seal_body(public_key: bytes, body: bytes, *, origin: str, code: str) -> bytes:
    padded = body + b"\n" + b" " * (QUOTE_PLAINTEXT_SIZE - 1 - len(body))
    return SUITE.encrypt(padded, X25519PublicKey.from_public_bytes(parse_public_key(public_key)),
                         quote_info(origin, code))


def _check_names(**values):
    for name, value in values.items():
        if not isinstance(value, str) or not _PRINTABLE_ASCII_RE.fullmatch(value):
            raise ValueError(f"the {name.replace('_', ' ')} is 1 to 64 printable ASCII characters")


def seal_quote(public_key: bytes, *, origin: str, code: str, supplier: str, price) -> bytes:
    """The envelope for `price` (yuan, at most two decimals) by `supplier` (its unified
    social credit code) in the transaction `code` of the log `origin`."""
    _check_names(origin=origin, transaction_code=code, supplier=supplier)
    return _seal_body(public_key, canonical_quote(code=code, supplier=supplier, price=quote_price(price)),
                      origin=origin, code=code)


def _open_body(envelope: bytes, private_key: X25519PrivateKey, *, origin: str, code: str) -> dict:
    """The JSON object inside `envelope`; EnvelopeError if it does not decrypt or holds none."""
    if len(envelope) != ENVELOPE_SIZE:
        raise EnvelopeError(f"the envelope is {len(envelope)} bytes, not {ENVELOPE_SIZE}")
    try:
        padded = SUITE.decrypt(bytes(envelope), private_key, quote_info(origin, code))
    except (InvalidTag, ValueError) as exc:
        raise EnvelopeError("the envelope does not decrypt with this procedure's opening key") from exc
    try:
        body = json.loads(padded.split(b"\n", 1)[0], object_pairs_hook=_no_duplicate_keys)
    except (ValueError, RecursionError):
        body = None
    return body if isinstance(body, dict) else {}


def open_quote(envelope: bytes, private_key: X25519PrivateKey, *, origin: str, code: str,
               supplier: str | None = None) -> QuoteContent:
    """The quote inside `envelope`; EnvelopeError (its message is the recorded reason)
    unless it decrypts with this procedure's key and holds a valid quote for `code` and,
    when given, for `supplier`."""
    body = _open_body(envelope, private_key, origin=origin, code=code)
    try:
        if body.get("v") != 1 or body.get("currency") != "CNY":
            raise ValueError("not a version 1 quote in CNY")
        inside_code, inside_supplier, price_text = body["transaction"], body["supplier"], body["price"]
    except (ValueError, KeyError, TypeError) as exc:
        raise EnvelopeError("the envelope decrypts but does not hold a quote") from exc
    if inside_code != code:
        raise EnvelopeError("the quote inside names another transaction")
    if supplier is not None and inside_supplier != supplier:
        raise EnvelopeError("the quote inside names another supplier")
    if not isinstance(inside_supplier, str):
        raise EnvelopeError("the envelope decrypts but does not hold a quote")
    if not isinstance(price_text, str) or not _PRICE_RE.fullmatch(price_text):
        raise EnvelopeError("the price inside is not an amount in yuan with two decimals")
    price = Decimal(price_text)
    if price <= 0:
        raise EnvelopeError("the price inside is not a positive amount in yuan")
    return QuoteContent(transaction=inside_code, supplier=inside_supplier, price=price)


# --- envelopes that hold the SHA-256 of documents (a part without a price) -----------------

_SHA256_RE = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class DocumentsContent:
    transaction: str
    supplier: str  # unified social credit code
    sha256: str  # lowercase hex SHA-256 of the documents


def canonical_documents(*, code: str, supplier: str, sha256: str) -> bytes:
    """The plaintext before padding: canonical JSON, like a quote's, of kind "documents"."""
    return json.dumps({"v": 1, "kind": "documents", "transaction": code, "supplier": supplier, "sha256": sha256},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def seal_documents(public_key: bytes, *, origin: str, code: str, supplier: str, sha256: str) -> bytes:
    """The envelope that commits `supplier` to documents by their SHA-256 (64 lowercase
    hex digits), as long as a quote's envelope."""
    _check_names(origin=origin, transaction_code=code, supplier=supplier)
    if not isinstance(sha256, str) or not _SHA256_RE.fullmatch(sha256):
        raise ValueError("the documents' SHA-256 is 64 lowercase hexadecimal digits")
    return _seal_body(public_key, canonical_documents(code=code, supplier=supplier, sha256=sha256),
                      origin=origin, code=code)


def open_documents(envelope: bytes, private_key: X25519PrivateKey, *, origin: str, code: str,
                   supplier: str | None = None) -> DocumentsContent:
    """The documents' SHA-256 inside `envelope`; EnvelopeError (the recorded reason) unless
    it decrypts and holds one for `code` and, when given, for `supplier`. A quote in such an
    envelope is refused without showing its price."""
    body = _open_body(envelope, private_key, origin=origin, code=code)
    if body.get("v") != 1 or body.get("kind") != "documents" or set(body) != {"v", "kind", "transaction",
                                                                                 "supplier", "sha256"}:
        raise EnvelopeError("the envelope decrypts but does not hold the SHA-256 of documents")
    if body["transaction"] != code:
        raise EnvelopeError("the envelope inside names another transaction")
    if not isinstance(body["supplier"], str) or (supplier is not None and body["supplier"] != supplier):
        raise EnvelopeError("the envelope inside names another supplier")
    if not isinstance(body["sha256"], str) or not _SHA256_RE.fullmatch(body["sha256"]):
        raise EnvelopeError("the envelope decrypts but does not hold the SHA-256 of documents")
    return DocumentsContent(transaction=code, supplier=body["supplier"], sha256=body["sha256"])


# --- opening keys, split among custodians ------------------------------------------------

SHARE_INFO_PREFIX = b"station-share/v2\x00"
SHAMIR_SHARE_SIZE = 32  # a share is as long as the opening key's 32 private bytes
SEALED_SHARE_SIZE = 32 + SHAMIR_SHARE_SIZE + 16  # enc || ciphertext || tag


def _is_round(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value < 2**31


def _is_index(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 255


def share_info(code: str, round_seq: int, part: str, index: int) -> bytes:
    """The HPKE `info` of a custodian's share: "station-share/v2" 0x00 code 0x00 round 0x00
    part 0x00 index (ASCII, numbers in decimal). It binds the share to one round and one
    part of it (the envelopes it opens: "offer", later "price"), so what a custodian gives
    at an opening cannot be passed off as its share of another round; ValueError for
    anything that is not a code, a round >= 1, a part name or an index 1..255."""
    if not isinstance(code, str) or not _PRINTABLE_ASCII_RE.fullmatch(code):
        raise ValueError("the transaction code is 1 to 64 printable ASCII characters")
    if not _is_round(round_seq):
        raise ValueError("the round is a whole number from 1")
    if not isinstance(part, str) or not _PART_RE.fullmatch(part):
        raise ValueError("the part is a short lowercase ASCII name, e.g. offer")
    if not _is_index(index):
        raise ValueError("a share index is a whole number from 1 to 255")
    return (SHARE_INFO_PREFIX + code.encode("ascii") + b"\x00" + str(round_seq).encode("ascii") + b"\x00"
            + part.encode("ascii") + b"\x00" + str(index).encode("ascii"))


def share_digest(share: bytes) -> str:
    return hashlib.sha256(share).hexdigest()


def make_opening_key(code: str, round_seq: int, part: str, custodian_public_keys: list[bytes], k: int):
    """A fresh opening key for round `round_seq` (part `part`) of `code`: its public half
    and, for each custodian in order, (index, share sealed to that custodian's key, SHA-256
    of the share). The private half is dropped when this returns."""
    keys = [X25519PublicKey.from_public_bytes(bytes(key)) for key in custodian_public_keys]
    share_info(code, round_seq, part, 1)  # the arguments, checked before any key is made
    private_key = X25519PrivateKey.generate()
    shares = shamir.split(private_key.private_bytes_raw(), k, len(keys))
    sealed = []
    for (index, share), custodian_key in zip(shares, keys, strict=True):
        envelope = SUITE.encrypt(share, custodian_key, share_info(code, round_seq, part, index))
        sealed.append((index, envelope, share_digest(share)))
    return public_key_bytes(private_key), sealed


def open_share(sealed_share: bytes, custodian_private_key: X25519PrivateKey, code: str, round_seq: int,
               part: str, index: int) -> bytes:
    info = share_info(code, round_seq, part, index)
    try:
        return SUITE.decrypt(bytes(sealed_share), custodian_private_key, info)
    except (InvalidTag, ValueError) as exc:
        raise CustodianSecretError("this share does not open with the custodian's key "
                                   "(for this transaction, round, part and index)") from exc


def rebuild_opening_key(shares: list[tuple[int, bytes]], expected_public_key: bytes) -> X25519PrivateKey:
    """The opening key from k shares, checked against its published public half."""
    try:
        private_key = X25519PrivateKey.from_private_bytes(shamir.combine(shares))
    except ValueError as exc:  # ShareError is a ValueError, as is a secret of the wrong length
        raise CustodianSecretError(f"the shares do not give an opening key: {exc}") from None
    if public_key_bytes(private_key) != bytes(expected_public_key):
        raise CustodianSecretError("the shares do not give the opening key (not enough, or not of this key)")
    return private_key


# --- custodian keys, protected by a passphrase ---------------------------------------------

@dataclass(frozen=True)
class ProtectedKey:
    """A custodian key as stored: the public half, and the private half under the
    passphrase. `ciphertext` is the blob "CK1" || log2 N || r || p || AES-256-GCM of the
    32-byte private key (with its tag), the header being authenticated data too."""

    public_key: bytes
    salt: bytes
    nonce: bytes
    ciphertext: bytes


def normalise_passphrase(passphrase: str) -> str:
    """NFC and without surrounding white space, so that the same passphrase typed on
    another keyboard or system, or with a stray space, still unlocks."""
    return unicodedata.normalize("NFC", passphrase).strip()


def _passphrase_key(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**log2_n, r=r, p=p).derive(
        normalise_passphrase(passphrase).encode("utf-8"))


def _aad(header: bytes, label: str) -> bytes:
    return b"custodian-key/v1\x00" + label.encode() + b"\x00" + header


def _scrypt_in_bounds(log2_n, r, p) -> bool:
    return all(isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
               for value, (low, high) in ((log2_n, SCRYPT_LOG2_N_BOUNDS), (r, SCRYPT_R_BOUNDS),
                                          (p, SCRYPT_P_BOUNDS)))


def make_custodian_key(passphrase: str, *, label: str, log2_n: int = SCRYPT_LOG2_N) -> ProtectedKey:
    """A new custodian key whose private half only `passphrase` unlocks, with scrypt cost
    N = 2**log2_n. `label` binds the stored blob to its owner (a blob copied to another
    owner does not unlock)."""
    if len(normalise_passphrase(passphrase)) < MIN_PASSPHRASE:
        raise CustodianSecretError(f"a custodian passphrase has at least {MIN_PASSPHRASE} characters")
    if not _scrypt_in_bounds(log2_n, SCRYPT_R, SCRYPT_P):
        low, high = SCRYPT_LOG2_N_BOUNDS
        raise ValueError(f"the scrypt cost log2 N is a whole number from {low} to {high}")
    if not isinstance(label, str) or not _PRINTABLE_ASCII_RE.fullmatch(label):
        raise ValueError("a custodian key's label is 1 to 64 printable ASCII characters")
    private_key = X25519PrivateKey.generate()
    salt, nonce = os.urandom(16), os.urandom(12)
    header = _KEY_HEADER + bytes([log2_n, SCRYPT_R, SCRYPT_P])
    key = _passphrase_key(passphrase, salt, log2_n, SCRYPT_R, SCRYPT_P)
    ciphertext = AESGCM(key).encrypt(nonce, private_key.private_bytes_raw(), _aad(header, label))
    return ProtectedKey(public_key_bytes(private_key), salt, nonce, header + ciphertext)


def scrypt_parameters(protected: ProtectedKey) -> tuple[int, int, int]:
    """(log2 N, r, p) of a stored custodian key; CustodianSecretError if the blob is not one."""
    blob = bytes(protected.ciphertext)
    if len(blob) != KEY_BLOB_SIZE or blob[:3] != _KEY_HEADER:
        raise CustodianSecretError("not a stored custodian key")
    log2_n, r, p = blob[3], blob[4], blob[5]
    if not _scrypt_in_bounds(log2_n, r, p):
        raise CustodianSecretError("the stored custodian key has out-of-range scrypt parameters")
    return log2_n, r, p


def unlock_custodian_key(protected: ProtectedKey, passphrase: str, *, label: str) -> X25519PrivateKey:
    log2_n, r, p = scrypt_parameters(protected)
    blob = bytes(protected.ciphertext)
    header, ciphertext = blob[:6], blob[6:]
    try:
        raw = AESGCM(_passphrase_key(passphrase, bytes(protected.salt), log2_n, r, p)).decrypt(
            bytes(protected.nonce), ciphertext, _aad(header, label))
    except InvalidTag:
        raise CustodianSecretError("wrong custodian passphrase") from None
    private_key = X25519PrivateKey.from_private_bytes(raw)
    if public_key_bytes(private_key) != bytes(protected.public_key):
        raise CustodianSecretError("the custodian key does not match its public half")
    return private_key


# --- share bundles: a custodian opens its share of one round on its own side ----------------

BUNDLE_MAX_CHARS = 4096  # a bundle is about 600 characters
_HEX_FIELDS = {  # name -> length in bytes
    "public_key": 32, "salt": 16, "nonce": 12, "key_blob": KEY_BLOB_SIZE,
    "sealed_share": SEALED_SHARE_SIZE, "share_sha256": 32,
}
BUNDLE_KEYS = frozenset({"v", "code", "round", "part", "index", "label", *_HEX_FIELDS})
_LOWER_HEX_RE = re.compile(r"(?:[0-9a-f]{2})+")


@dataclass(frozen=True)
class ShareBundle:
    """What a custodian needs to open its share of one round of one transaction, and
    nothing that opens any other: its custodian key as stored (the private half under
    its passphrase) and the one sealed share. Made by `bundle_dict`, read by
    `parse_bundle` (docs/sealed-bids.md, "Opening without giving the server your
    passphrase")."""

    code: str
    round: int
    part: str
    index: int
    label: str
    key: ProtectedKey
    sealed_share: bytes
    share_sha256: str  # lowercase hex, as published in opening_key.created


def _bundle_from_fields(data: dict) -> ShareBundle:
    """The bundle in `data` (a JSON object's fields); CustodianSecretError naming the
    first thing wrong."""
    if not isinstance(data, dict):
        raise CustodianSecretError("a share bundle is a JSON object")
    missing, unknown = sorted(BUNDLE_KEYS - data.keys()), sorted(set(data) - BUNDLE_KEYS)
    if missing or unknown:
        raise CustodianSecretError("not a share bundle: " + "; ".join(
            ([f"missing {', '.join(missing)}"] if missing else []) + ([f"unknown {', '.join(unknown)}"] if unknown else [])))
    if type(data["v"]) is not int or data["v"] != 1:
        raise CustodianSecretError("not a version 1 share bundle")
    raw = {}
    for name, size in _HEX_FIELDS.items():
        value = data[name]
        if not isinstance(value, str) or len(value) != 2 * size or not _LOWER_HEX_RE.fullmatch(value):
            raise CustodianSecretError(f"the share bundle's {name} is {2 * size} lowercase hexadecimal digits")
        raw[name] = bytes.fromhex(value)
    try:
        share_info(data["code"], data["round"], data["part"], data["index"])
    except ValueError as exc:
        raise CustodianSecretError(f"the share bundle names no share: {exc}") from None
    label = data["label"]
    if not isinstance(label, str) or not _PRINTABLE_ASCII_RE.fullmatch(label):
        raise CustodianSecretError("the share bundle's label is 1 to 64 printable ASCII characters")
    key = ProtectedKey(public_key=raw["public_key"], salt=raw["salt"], nonce=raw["nonce"],
                       ciphertext=raw["key_blob"])
    try:
        X25519PublicKey.from_public_bytes(key.public_key)
    except ValueError:
        raise CustodianSecretError("the share bundle's public key is not an X25519 key") from None
    scrypt_parameters(key)  # the header and its bounds, before anyone derives with them
    return ShareBundle(code=data["code"], round=data["round"], part=data["part"], index=data["index"],
                       label=label, key=key, sealed_share=raw["sealed_share"],
                       share_sha256=data["share_sha256"])


def bundle_dict(*, code: str, round_seq: int, part: str, index: int, label: str, key: ProtectedKey,
                sealed_share: bytes, share_sha256: str) -> dict:
    """The share bundle (a JSON-ready dict) the server hands to the custodian `label` for
    its share `index` of round `round_seq`, part `part`, of `code`. Checked as
    `parse_bundle` checks it, so the server never hands out one that a custodian's tools
    would refuse; CustodianSecretError otherwise."""
    data = {
        "v": 1, "code": code, "round": round_seq, "part": part, "index": index, "label": label,
        "public_key": bytes(key.public_key).hex(), "salt": bytes(key.salt).hex(), "nonce": bytes(key.nonce).hex(),
        "key_blob": bytes(key.ciphertext).hex(), "sealed_share": bytes(sealed_share).hex(),
        "share_sha256": share_sha256,
    }
    _bundle_from_fields(data)
    return data


def parse_bundle(text: str | bytes) -> ShareBundle:
    """The share bundle in the JSON `text`, strictly: every key present, no other, no key
    twice, each value of its type and length (hex in lowercase); CustodianSecretError
    otherwise."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise CustodianSecretError("a share bundle is UTF-8 JSON text") from None
    if not isinstance(text, str):
        raise CustodianSecretError("a share bundle is JSON text")
    if len(text) > BUNDLE_MAX_CHARS:
        raise CustodianSecretError(f"a share bundle has at most {BUNDLE_MAX_CHARS} characters")
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except (ValueError, RecursionError):
        raise CustodianSecretError("a share bundle is JSON text (this is not JSON, or a key appears twice)") from None
    return _bundle_from_fields(data)


def open_share_with_passphrase(bundle: ShareBundle, passphrase: str) -> bytes:
    """What a custodian computes on its own side (static/js/custodian.js in the browser,
    `python -m bidding.custodian` offline): unlock its key with `passphrase`, open the
    one sealed share of the bundle's round and part, and check it against the digest
    published when the opening key was made. Returns the share (32 bytes);
    CustodianSecretError with the reason otherwise."""
    if not isinstance(bundle, ShareBundle):
        raise TypeError("open_share_with_passphrase takes a ShareBundle (see parse_bundle)")
    private_key = unlock_custodian_key(bundle.key, passphrase, label=bundle.label)
    share = open_share(bundle.sealed_share, private_key, bundle.code, bundle.round, bundle.part, bundle.index)
    if not secrets.compare_digest(share_digest(share), bundle.share_sha256):
        raise CustodianSecretError("the share opened is not the one published when the opening key was made "
                                   "(its SHA-256 differs)")
    return share


def random_token(nbytes: int = 16) -> str:
    return secrets.token_hex(nbytes)
