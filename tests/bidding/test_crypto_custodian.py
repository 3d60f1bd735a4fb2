"""Custodian keys and opening keys (bidding/crypto.py): a custodian's private key stored
only under its passphrase (scrypt + AES-256-GCM), the opening key split k-of-n with each
share sealed to one custodian. Pure: no Django."""

import functools
import itertools
import unicodedata

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from bidding import crypto

CODE = "JY-2026-0001"
# New custodian keys with scrypt N = 2**10: the same code, fast tests (the production
# default is checked below).
make_key = functools.partial(crypto.make_custodian_key, log2_n=10)


def test_a_custodian_key_unlocks_with_its_passphrase_only():
    protected = make_key("river stone quietly 58", label="user:7")
    key = crypto.unlock_custodian_key(protected, "river stone quietly 58", label="user:7")
    assert crypto.public_key_bytes(key) == protected.public_key
    for wrong in ("river stone quietly 59", "River stone quietly 58", ""):
        with pytest.raises(crypto.CustodianSecretError, match="wrong custodian passphrase"):
            crypto.unlock_custodian_key(protected, wrong, label="user:7")


def test_a_stored_key_copied_to_another_owner_does_not_unlock():
    protected = make_key("river stone quietly 58", label="user:7")
    with pytest.raises(crypto.CustodianSecretError):
        crypto.unlock_custodian_key(protected, "river stone quietly 58", label="user:8")


def test_the_passphrase_is_compared_in_nfc_and_without_surrounding_spaces():
    typed = unicodedata.normalize("NFD", "晨雾 café ginkgo 2046")
    protected = make_key(typed, label="user:1")
    crypto.unlock_custodian_key(protected, " " + unicodedata.normalize("NFC", typed) + " ", label="user:1")


def test_a_short_passphrase_is_refused():
    with pytest.raises(crypto.CustodianSecretError, match="at least 10"):
        make_key("short", label="user:1")


def test_the_stored_blob_holds_its_scrypt_parameters_and_the_production_cost():
    protected = crypto.make_custodian_key("river stone quietly 58", label="user:1")
    assert crypto.scrypt_parameters(protected) == (17, 8, 1)  # OWASP: N = 2**17, r = 8, p = 1
    assert protected.ciphertext[:3] == b"CK1" and len(protected.ciphertext) == 6 + 32 + 16
    assert (len(protected.public_key), len(protected.salt), len(protected.nonce)) == (32, 16, 12)


def test_a_key_made_with_other_parameters_still_unlocks_after_the_default_changes():
    protected = crypto.make_custodian_key("river stone quietly 58", label="user:1", log2_n=11)
    assert crypto.scrypt_parameters(protected) == (11, 8, 1)
    crypto.unlock_custodian_key(protected, "river stone quietly 58", label="user:1")


# A key set before the cost was raised (made by the code of that time: N = 2**15).
OLD_KEY = crypto.ProtectedKey(
    public_key=bytes.fromhex("b257923af880d45d8fd9cee7e7ffedc8094fca82fee55da7d38498388b92d623"),
    salt=bytes.fromhex("8f15e7bd5681b67826244644a3a1a405"),
    nonce=bytes.fromhex("97b77b0460274e8e0ba8c86c"),
    ciphertext=bytes.fromhex("434b310f08010a8712a2e07d30fc7dedf1b3b713fc67b58015ea1f5dc68ef079"
                             "098f9196f2d81a7bd7452103482c539bf70514700050"),
)


def test_a_key_set_with_the_old_cost_still_unlocks():
    assert crypto.scrypt_parameters(OLD_KEY) == (15, 8, 1)
    key = crypto.unlock_custodian_key(OLD_KEY, "松涛-lantern-orchard-7391", label="user:17")
    assert key.private_bytes_raw().hex() == "10bf2f05d8f09ecb98ffa89f42d990151109c2bac5bea4be6e699c48ccb3594f"
    with pytest.raises(crypto.CustodianSecretError, match="wrong custodian passphrase"):
        crypto.unlock_custodian_key(OLD_KEY, "松涛-lantern-orchard-7392", label="user:17")


@pytest.mark.parametrize("log2_n", [9, 21, "17", True])
def test_a_cost_outside_the_bounds_is_refused_when_making_a_key(log2_n):
    with pytest.raises(ValueError, match="log2 N"):
        crypto.make_custodian_key("river stone quietly 58", label="user:1", log2_n=log2_n)


@pytest.mark.parametrize("header", [b"CK1\x1f\x08\x01", b"CK1\x0a\x00\x01", b"XX1\x0a\x08\x01"])
def test_a_tampered_header_is_refused_before_any_expensive_derivation(header):
    protected = make_key("river stone quietly 58", label="user:1")
    tampered = crypto.ProtectedKey(protected.public_key, protected.salt, protected.nonce,
                                   header + protected.ciphertext[6:])
    with pytest.raises(crypto.CustodianSecretError):
        crypto.unlock_custodian_key(tampered, "river stone quietly 58", label="user:1")


def test_a_header_changed_within_bounds_does_not_unlock():
    protected = make_key("river stone quietly 58", label="user:1")
    changed = crypto.ProtectedKey(protected.public_key, protected.salt, protected.nonce,
                                  b"CK1\x0b\x08\x01" + protected.ciphertext[6:])
    with pytest.raises(crypto.CustodianSecretError, match="wrong custodian passphrase"):
        crypto.unlock_custodian_key(changed, "river stone quietly 58", label="user:1")


def test_a_key_whose_public_half_was_swapped_is_refused():
    protected = make_key("river stone quietly 58", label="user:1")
    other = crypto.public_key_bytes(X25519PrivateKey.generate())
    swapped = crypto.ProtectedKey(other, protected.salt, protected.nonce, protected.ciphertext)
    with pytest.raises(crypto.CustodianSecretError, match="does not match its public half"):
        crypto.unlock_custodian_key(swapped, "river stone quietly 58", label="user:1")


# --- the opening key, split among custodians ---------------------------------------------------

def custodians(n):
    keys = [X25519PrivateKey.generate() for _ in range(n)]
    return keys, [crypto.public_key_bytes(k) for k in keys]


def test_any_two_of_three_custodians_rebuild_the_opening_key_and_open_a_quote():
    private_keys, public_keys = custodians(3)
    public_key, sealed = crypto.make_opening_key(CODE, 1, "offer", public_keys, 2)
    envelope = crypto.seal_quote(public_key, origin="o.example/ledger", code=CODE, supplier="S1", price="10.00")
    for pair in itertools.combinations(range(3), 2):
        shares = [(sealed[i][0], crypto.open_share(sealed[i][1], private_keys[i], CODE, 1, "offer", sealed[i][0]))
                  for i in pair]
        key = crypto.rebuild_opening_key(shares, public_key)
        assert crypto.open_quote(envelope, key, origin="o.example/ledger", code=CODE).price == 10


def test_one_custodian_alone_cannot_rebuild_it():
    private_keys, public_keys = custodians(3)
    public_key, sealed = crypto.make_opening_key(CODE, 1, "offer", public_keys, 2)
    index, envelope, _digest = sealed[0]
    share = crypto.open_share(envelope, private_keys[0], CODE, 1, "offer", index)
    with pytest.raises(crypto.CustodianSecretError):
        crypto.rebuild_opening_key([(index, share)], public_key)
    # Nor with its share counted twice under another x.
    with pytest.raises(crypto.CustodianSecretError, match="do not give the opening key"):
        crypto.rebuild_opening_key([(index, share), (index + 1, share)], public_key)


def test_three_of_five_needs_three():
    private_keys, public_keys = custodians(5)
    public_key, sealed = crypto.make_opening_key(CODE, 1, "offer", public_keys, 3)
    opened = [(i, crypto.open_share(s, private_keys[i - 1], CODE, 1, "offer", i)) for i, s, _d in sealed]
    assert crypto.public_key_bytes(crypto.rebuild_opening_key(opened[1:4], public_key)) == public_key
    with pytest.raises(crypto.CustodianSecretError):
        crypto.rebuild_opening_key(opened[:2], public_key)


def test_each_share_opens_only_with_its_custodians_key_for_this_code_round_part_and_index():
    private_keys, public_keys = custodians(3)
    _public_key, sealed = crypto.make_opening_key(CODE, 2, "offer", public_keys, 2)
    index, envelope, digest = sealed[0]
    assert crypto.share_digest(crypto.open_share(envelope, private_keys[0], CODE, 2, "offer", index)) == digest
    for key, code, round_seq, part, i in (
        (private_keys[1], CODE, 2, "offer", index),  # another custodian
        (private_keys[0], "JY-2026-0002", 2, "offer", index),  # another transaction
        (private_keys[0], CODE, 1, "offer", index),  # another round
        (private_keys[0], CODE, 3, "offer", index),
        (private_keys[0], CODE, 2, "price", index),  # another part
        (private_keys[0], CODE, 2, "offer", index + 1),  # another share
    ):
        with pytest.raises(crypto.CustodianSecretError, match="does not open"):
            crypto.open_share(envelope, key, code, round_seq, part, i)


def test_the_opening_keys_of_two_rounds_differ_and_the_private_half_is_not_returned():
    _keys, public_keys = custodians(3)
    first = crypto.make_opening_key(CODE, 1, "offer", public_keys, 2)
    second = crypto.make_opening_key(CODE, 1, "offer", public_keys, 2)
    assert first[0] != second[0]
    assert len(first) == 2 and all(len(item) == 3 for item in first[1])
    assert not any(isinstance(v, X25519PrivateKey) for v in (first[0], *itertools.chain(*first[1])))
