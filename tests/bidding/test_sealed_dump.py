"""The dump test (issue 3): nothing stored on the server before the opening suffices to
read a quote.

Quotes are submitted the three ways a bidder can (the web page, which seals on the server
in memory; an envelope sealed offline sent as JSON; the service directly), the quotes are
closed, and then, before the opening, everything the server holds is taken: every row of
every table as the database returns it, the database file itself (SQLite), the media
folder, the key folder and the settings. None of it holds a quote's price in any
encoding, nor a custodian's passphrase; and no stored bytes, tried as an X25519 private
key or as an AES key, open an envelope, a custodian's share or a custodian's key. As a
control, the same search finds a price planted in the dump, and the key the custodians
rebuild at the opening does open every envelope."""

import base64
import logging
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bidding import crypto
from bidding.models import Bid, CustodianKey, CustodianShare, OpeningKey
from bidding.services import custodians as sealed
from trading import clock
from trading.models import Role

from .test_sealed_support import BEFORE, PASSPHRASES, fast_scrypt, quoting_round  # noqa: F401  (autouse)

pytestmark = pytest.mark.usefixtures("ledger_transactional_db")

# Prices unlike any other number the platform stores (9 digits without the point).
PRICES = [Decimal("7735194.62"), Decimal("6480273.15"), Decimal("8152906.37")]


# --- what the server holds -----------------------------------------------------------------------

def database_values() -> list[tuple[str, object]]:
    """(table.column, value) of every value of every table, as the database returns it."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                values += [(f"{table}.{column}", value) for column, value in zip(columns, row, strict=True)
                           if value is not None]
    return values


def as_bytes(value) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode("utf-8")  # text, numbers, times, JSON (PostgreSQL gives dicts)


def server_files() -> dict[str, bytes]:
    """The media folder, the key folder and (SQLite) the database file with its journals."""
    folders = [Path(settings.MEDIA_ROOT), Path(settings.LEDGER_SIGNING_KEY_FILE).parent]
    files = {}
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                files[str(path)] = path.read_bytes()
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        for path in (name, name + "-wal", name + "-journal", name + "-shm"):
            if os.path.isfile(path):
                files[path] = Path(path).read_bytes()
    return files


def settings_bytes() -> bytes:
    return "\n".join(f"{name}={getattr(settings, name)!r}" for name in dir(settings) if name.isupper()).encode()


def everything() -> dict[str, bytes]:
    held = {f"db:{where}#{i}": as_bytes(value) for i, (where, value) in enumerate(database_values())}
    held.update({f"file:{path}": content for path, content in server_files().items()})
    held["settings"] = settings_bytes()
    return held


# --- the encodings searched for --------------------------------------------------------------------

def base64_fragments(data: bytes) -> list[bytes]:
    """The base64 characters fully determined by `data`, at each of the three alignments
    it may have inside a longer encoded string (standard and URL-safe alphabets)."""
    fragments = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data)
        start, end = -(-8 * shift // 6), (8 * (shift + len(data))) // 6
        fragments += [encoded[start:end], encoded[start:end].replace(b"+", b"-").replace(b"/", b"_")]
    return fragments


def forms(text: str) -> list[bytes]:
    raw = text.encode("utf-8")
    found = [raw, text.encode("utf-16-le"), text.encode("utf-16-be"), text.encode("utf-32-le"),
             raw.hex().encode(), raw.hex().upper().encode(), *base64_fragments(raw)]
    return list(dict.fromkeys(found))


def price_forms(price: Decimal, *, code: str, supplier: str) -> list[bytes]:
    texts = [f"{price:.2f}", f"{price:,.2f}", f"{price:.2f}".replace(".", ""), f"¥{price:,.2f}"]
    canonical = crypto.canonical_quote(code=code, supplier=supplier, price=price)
    padded = canonical + b"\n" + b" " * (crypto.QUOTE_PLAINTEXT_SIZE - 1 - len(canonical))
    return [f for t in texts for f in forms(t)] + [canonical, padded, canonical.hex().encode(),
                                                   *base64_fragments(canonical)]


def where_found(held: dict[str, bytes], needle: bytes) -> list[str]:
    return [where for where, blob in held.items() if needle in blob]


# --- keys tried ------------------------------------------------------------------------------------

def key_candidates(held: dict[str, bytes]) -> set[bytes]:
    """Every 32 bytes the server holds that could be a key: each 32-byte window of every
    stored value and file, and of every hex or base64 string in them, decoded."""
    candidates = set()

    def windows(blob: bytes):
        candidates.update(blob[i:i + 32] for i in range(len(blob) - 31))

    for blob in held.values():
        windows(blob)
        for run in re.findall(rb"[0-9a-fA-F]{64,}", blob):
            for start in (0, 1):
                try:
                    windows(bytes.fromhex(run[start:].decode()[: (len(run) - start) // 2 * 2]))
                except ValueError:
                    pass
        for run in re.findall(rb"[A-Za-z0-9+/_-]{43,}={0,2}", blob):
            for fixed in (run, run.replace(b"-", b"+").replace(b"_", b"/")):
                try:
                    windows(base64.b64decode(fixed + b"=" * (-len(fixed) % 4)))
                except ValueError:
                    pass
    return candidates


def opens_anything(candidate: bytes, envelopes, shares, code) -> bool:
    private_key = X25519PrivateKey.from_private_bytes(candidate)
    for envelope in envelopes:
        try:
            crypto.open_quote(envelope, private_key, origin=settings.LEDGER_ORIGIN, code=code)
            return True
        except crypto.EnvelopeError as exc:
            if "does not decrypt" not in str(exc):
                return True  # it decrypted, only the content was wrong
    for round_seq, index, sealed_share in shares:
        try:
            crypto.open_share(sealed_share, private_key, code, round_seq, "offer", index)
            return True
        except crypto.CustodianSecretError:
            pass
    return False


def unlocks_a_custodian_key(candidate: bytes, keys) -> bool:
    aead = AESGCM(candidate)
    for key in keys:
        blob = bytes(key.ciphertext)
        try:
            aead.decrypt(bytes(key.nonce), blob[6:], crypto._aad(blob[:6], sealed.custodian_label(key.user)))
            return True
        except InvalidTag:
            pass
    return False


# --- the test -----------------------------------------------------------------------------------------

def test_nothing_stored_before_the_opening_reads_a_quote(caplog):
    caplog.set_level(logging.DEBUG)
    r = quoting_round()
    (a, a_user), (b, b_user), (c, c_user) = r.suppliers
    with clock.frozen_at(BEFORE):
        # A quotes on the web page (sealed on the server, in memory).
        web = Client()
        web.force_login(a_user)
        url = f"/bidding/quotes/{r.tx.code}/"
        key = web.get(url).context["idempotency_key"]
        assert web.post(url, {"price": f"{PRICES[0]:,.2f}", "understood": "yes", "company": a.pk,
                              "idempotency_key": key}).status_code == 302
        assert web.get(f"{url}receipt/").status_code == 200
        # B seals on its own machine and sends the envelope to the API.
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=b_user).key}")
        envelope = base64.b64encode(r.seal(1, f"{PRICES[1]:.2f}")).decode()
        assert api.post(f"/api/v1/transactions/{r.tx.code}/quotes/", {"supplier": b.uscc, "envelope": envelope},
                        format="json").status_code == 201
        # C through the service.
        r.submit(2, f"{PRICES[2]:.2f}")
    r.close()

    held = everything()
    envelopes = [bytes(q.envelope) for q in Bid.objects.all()]
    shares = [(s.opening_key.bid_round.seq, s.index, bytes(s.sealed_share))
              for s in CustodianShare.objects.select_related("opening_key__bid_round")]
    custodian_keys = list(CustodianKey.objects.select_related("user"))
    assert len(envelopes) == 3 and len(shares) == 3 and len(custodian_keys) == 3
    assert any(where.startswith("file:") and "keys" in where for where in held)  # the key folder is in

    # 1. No price in any encoding, no passphrase, anywhere; nor in the server's logs.
    logs = "\n".join(record.getMessage() for record in caplog.records).encode()
    for (company, _u), price in zip(r.suppliers, PRICES, strict=True):
        for needle in price_forms(price, code=r.tx.code, supplier=company.uscc):
            assert where_found(held, needle) == [], (price, needle)
            assert needle not in logs
    for passphrase in PASSPHRASES.values():
        for needle in forms(passphrase):
            assert where_found(held, needle) == [], needle

    # 2. No stored bytes are the opening key or a custodian's key, or open what they protect.
    candidates = key_candidates(held)
    opening_public = bytes(OpeningKey.objects.get().public_key)
    custodian_publics = {bytes(k.public_key) for k in custodian_keys}
    for candidate in candidates:
        public = crypto.public_key_bytes(X25519PrivateKey.from_private_bytes(candidate))
        assert public != opening_public and public not in custodian_publics
        assert not unlocks_a_custodian_key(candidate, custodian_keys)
    # The check above already rules out every candidate as a key that opens an envelope or
    # a share: HPKE's decapsulation binds the recipient's public key into the shared secret
    # (RFC 9180, DHKEM kem_context = enc || pkR), so only a private key with the opening
    # key's or a custodian's public key could open them. Trying the candidates on the
    # ciphertexts themselves as well, for the values that hold keys (the key folder, the
    # key and share rows, the settings), shows it in practice. (Trying every value of the
    # database this way took three minutes, a third of the suite, for no more certainty.)
    key_bearing = {where: blob for where, blob in held.items()
                   if ("key" in where.lower() or "share" in where.lower() or where == "settings")
                   and not where.endswith((".sqlite3", ".sqlite3-journal", ".sqlite3-wal"))}
    assert any(where.startswith("file:") for where in key_bearing) and \
        any(where.startswith("db:") for where in key_bearing)
    for candidate in key_candidates(key_bearing):
        assert not opens_anything(candidate, envelopes, shares, r.tx.code)
    # Stored strings of the custodians' own rows are not their passphrases either.
    for key in custodian_keys:
        user = key.user
        for guess in {user.username, user.full_name, user.password, user.email, str(user.pk)}:
            with pytest.raises(crypto.CustodianSecretError):
                crypto.unlock_custodian_key(sealed.protected_key(key), guess, label=sealed.custodian_label(user))

    # Controls: the search finds a planted price, and the custodians' key opens everything.
    planted = dict(held, planted=b"... " + base64.b64encode(b'{"price":"7735194.62"}') + b" ...")
    assert any(where_found(planted, n) == ["planted"] for n in price_forms(PRICES[0], code=r.tx.code,
                                                                          supplier=a.uscc))
    opening = r.open(Role.SUPERVISOR, Role.PURCHASER)
    assert sorted(rec.price for rec in opening.records.all()) == sorted(PRICES)
