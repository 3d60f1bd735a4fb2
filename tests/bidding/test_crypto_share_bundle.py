"""A custodian opens its share of one round on its own side (bidding/crypto.py): the v2
share info binding a share to its round and part, the share bundle the server hands out,
and `open_share_with_passphrase`, which static/js/custodian.js and `python -m
bidding.custodian` compute too. Pure: no Django."""

import functools
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from bidding import crypto

from .test_crypto_custodian import OLD_KEY

CODE = "JY-2026-0001"
PASSPHRASES = ["松涛-lantern-orchard-7391", "river stone quietly 58 hums", "晨雾中的七棵银杏 / ginkgo 2046"]
make_key = functools.partial(crypto.make_custodian_key, log2_n=10)


# --- the share info, version 2 ------------------------------------------------------------------

@pytest.mark.parametrize(("args", "expected"), [
    ((CODE, 1, "offer", 2), b"station-share/v2\x00JY-2026-0001\x001\x00offer\x002"),
    (("CG-2027-0123", 12, "price", 255), b"station-share/v2\x00CG-2027-0123\x0012\x00price\x00255"),
])
def test_the_share_info_names_the_transaction_round_part_and_index(args, expected):
    assert crypto.share_info(*args) == expected


def test_the_share_info_known_answer_in_hex():
    assert crypto.share_info(CODE, 1, "offer", 2).hex() == (
        "73746174696f6e2d73686172652f7632"  # station-share/v2
        "00" "4a592d323032362d30303031"  # 0x00 JY-2026-0001
        "00" "31" "00" "6f66666572" "00" "32")  # 0x00 1 0x00 offer 0x00 2


@pytest.mark.parametrize("args", [
    ("", 1, "offer", 1), ("JY 2026", 1, "offer", 1), ("交易-1", 1, "offer", 1), ("J" * 65, 1, "offer", 1),
    (CODE, 0, "offer", 1), (CODE, -1, "offer", 1), (CODE, True, "offer", 1), (CODE, "1", "offer", 1),
    (CODE, 1.0, "offer", 1), (CODE, 2**31, "offer", 1),
    (CODE, 1, "", 1), (CODE, 1, "Offer", 1), (CODE, 1, "of fer", 1), (CODE, 1, "o" * 17, 1), (CODE, 1, "1st", 1),
    (CODE, 1, "offer", 0), (CODE, 1, "offer", 256), (CODE, 1, "offer", True), (CODE, 1, "offer", "2"),
])
def test_the_share_info_refuses_what_is_not_a_share(args):
    with pytest.raises(ValueError):
        crypto.share_info(*args)


def test_no_two_shares_of_different_rounds_or_parts_have_the_same_info():
    infos = {crypto.share_info(code, round_seq, part, index)
             for code in (CODE, "JY-2026-00011") for round_seq in (1, 11, 111) for part in ("offer", "price")
             for index in (1, 11)}
    assert len(infos) == 2 * 3 * 2 * 2


# --- share bundles ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def round_one():
    """Three custodians' keys and the opening key of round 1, with each custodian's bundle."""
    keys = [make_key(passphrase, label=f"user:{17 + i}") for i, passphrase in enumerate(PASSPHRASES)]
    public_key, sealed = crypto.make_opening_key(CODE, 1, "offer", [k.public_key for k in keys], 2)
    bundles = [crypto.bundle_dict(code=CODE, round_seq=1, part="offer", index=index, label=f"user:{17 + i}",
                                  key=key, sealed_share=sealed_share, share_sha256=digest)
               for i, (key, (index, sealed_share, digest)) in enumerate(zip(keys, sealed, strict=True))]
    return public_key, bundles


def text_of(bundle: dict, **changes) -> str:
    return json.dumps({**bundle, **changes})


def test_a_bundle_has_exactly_the_documented_fields(round_one):
    _public_key, bundles = round_one
    bundle = bundles[1]
    assert list(bundle) == ["v", "code", "round", "part", "index", "label", "public_key", "salt", "nonce",
                            "key_blob", "sealed_share", "share_sha256"]
    assert (bundle["v"], bundle["code"], bundle["round"], bundle["part"], bundle["index"], bundle["label"]) == (
        1, CODE, 1, "offer", 2, "user:18")
    assert [len(bundle[name]) for name in ("public_key", "salt", "nonce", "key_blob", "sealed_share",
                                           "share_sha256")] == [64, 32, 24, 108, 160, 64]
    assert bundle["key_blob"].startswith("434b310a0801")  # "CK1", log2 N = 10, r = 8, p = 1


def test_two_custodians_open_their_shares_from_their_bundles_and_rebuild_the_key(round_one):
    public_key, bundles = round_one
    shares = []
    for bundle, passphrase in zip(bundles[1:], PASSPHRASES[1:], strict=True):
        parsed = crypto.parse_bundle(json.dumps(bundle))
        assert crypto.bundle_dict(code=parsed.code, round_seq=parsed.round, part=parsed.part, index=parsed.index,
                                  label=parsed.label, key=parsed.key, sealed_share=parsed.sealed_share,
                                  share_sha256=parsed.share_sha256) == bundle
        share = crypto.open_share_with_passphrase(parsed, passphrase)
        assert len(share) == 32 and crypto.share_digest(share) == bundle["share_sha256"]
        shares.append((parsed.index, share))
    assert crypto.public_key_bytes(crypto.rebuild_opening_key(shares, public_key)) == public_key


def test_the_bundle_may_come_as_bytes(round_one):
    _public_key, bundles = round_one
    parsed = crypto.parse_bundle(json.dumps(bundles[0]).encode())
    assert crypto.open_share_with_passphrase(parsed, " " + PASSPHRASES[0] + "\n")  # typed with spaces


def test_a_wrong_passphrase_is_refused(round_one):
    _public_key, bundles = round_one
    parsed = crypto.parse_bundle(json.dumps(bundles[0]))
    for wrong in (PASSPHRASES[1], PASSPHRASES[0] + "x", ""):
        with pytest.raises(crypto.CustodianSecretError, match="wrong custodian passphrase"):
            crypto.open_share_with_passphrase(parsed, wrong)


def flip(hex_text: str, position: int) -> str:
    raw = bytearray(bytes.fromhex(hex_text))
    raw[position] ^= 0x01
    return raw.hex()


@pytest.mark.parametrize(("field", "position"), [("key_blob", 6), ("key_blob", 53), ("salt", 0), ("nonce", 11)])
def test_a_tampered_key_does_not_unlock(round_one, field, position):
    _public_key, bundles = round_one
    parsed = crypto.parse_bundle(text_of(bundles[0], **{field: flip(bundles[0][field], position)}))
    with pytest.raises(crypto.CustodianSecretError, match="wrong custodian passphrase"):
        crypto.open_share_with_passphrase(parsed, PASSPHRASES[0])


def test_a_header_changed_within_bounds_does_not_unlock(round_one):
    _public_key, bundles = round_one
    blob = "434b310b0801" + bundles[0]["key_blob"][12:]  # log2 N 10 -> 11: the header is authenticated
    with pytest.raises(crypto.CustodianSecretError, match="wrong custodian passphrase"):
        crypto.open_share_with_passphrase(crypto.parse_bundle(text_of(bundles[0], key_blob=blob)), PASSPHRASES[0])


def test_a_key_copied_into_another_custodians_bundle_does_not_unlock(round_one):
    _public_key, bundles = round_one
    parsed = crypto.parse_bundle(text_of(bundles[0], label="user:18"))
    with pytest.raises(crypto.CustodianSecretError, match="wrong custodian passphrase"):
        crypto.open_share_with_passphrase(parsed, PASSPHRASES[0])


def test_a_bundle_whose_public_key_was_swapped_is_refused(round_one):
    _public_key, bundles = round_one
    other = crypto.public_key_bytes(X25519PrivateKey.generate()).hex()
    with pytest.raises(crypto.CustodianSecretError, match="does not match its public half"):
        crypto.open_share_with_passphrase(crypto.parse_bundle(text_of(bundles[0], public_key=other)), PASSPHRASES[0])


@pytest.mark.parametrize("changes", [
    {"round": 2}, {"part": "price"}, {"index": 2}, {"code": "JY-2026-0002"},
    {"sealed_share": None},  # replaced below by a tampered ciphertext
])
def test_a_share_under_another_info_or_tampered_is_refused(round_one, changes):
    _public_key, bundles = round_one
    if "sealed_share" in changes:
        changes = {"sealed_share": flip(bundles[0]["sealed_share"], 40)}
    parsed = crypto.parse_bundle(text_of(bundles[0], **changes))
    with pytest.raises(crypto.CustodianSecretError, match="does not open with the custodian's key"):
        crypto.open_share_with_passphrase(parsed, PASSPHRASES[0])


def test_a_share_of_another_round_sealed_to_the_same_key_is_refused(round_one):
    """The server cannot pass off round 2's share as round 1's: the info differs."""
    _public_key, bundles = round_one
    key = crypto.parse_bundle(json.dumps(bundles[0])).key
    _public_2, sealed_2 = crypto.make_opening_key(CODE, 2, "offer", [key.public_key, key.public_key], 2)
    index, sealed_share, digest = sealed_2[0]
    parsed = crypto.parse_bundle(text_of(bundles[0], sealed_share=sealed_share.hex(), share_sha256=digest))
    with pytest.raises(crypto.CustodianSecretError, match="does not open"):
        crypto.open_share_with_passphrase(parsed, PASSPHRASES[0])
    # Named as round 2, it opens: what the custodian opens is what the bundle says.
    assert crypto.open_share_with_passphrase(crypto.parse_bundle(text_of(
        bundles[0], round=2, sealed_share=sealed_share.hex(), share_sha256=digest)), PASSPHRASES[0])


def test_a_share_that_is_not_the_published_one_is_refused(round_one):
    _public_key, bundles = round_one
    parsed = crypto.parse_bundle(text_of(bundles[0], share_sha256=bundles[1]["share_sha256"]))
    with pytest.raises(crypto.CustodianSecretError, match="not the one published"):
        crypto.open_share_with_passphrase(parsed, PASSPHRASES[0])


def test_a_custodian_key_set_with_the_old_cost_opens_its_share():
    _public_key, sealed = crypto.make_opening_key(CODE, 3, "offer", [OLD_KEY.public_key, OLD_KEY.public_key], 2)
    index, sealed_share, digest = sealed[1]
    bundle = crypto.bundle_dict(code=CODE, round_seq=3, part="offer", index=index, label="user:17", key=OLD_KEY,
                                sealed_share=sealed_share, share_sha256=digest)
    assert bundle["key_blob"].startswith("434b310f0801")  # log2 N = 15
    share = crypto.open_share_with_passphrase(crypto.parse_bundle(json.dumps(bundle)), "松涛-lantern-orchard-7391")
    assert crypto.share_digest(share) == digest


@pytest.mark.parametrize(("make", "message"), [
    (lambda b: "not json", "not JSON"),
    (lambda b: json.dumps([b]), "JSON object"),
    (lambda b: json.dumps(b)[:-1] + ', "v": 1}', "twice"),
    (lambda b: json.dumps({k: v for k, v in b.items() if k != "salt"}), "missing salt"),
    (lambda b: text_of(b, extra="x"), "unknown extra"),
    (lambda b: text_of(b, v=2), "version 1"),
    (lambda b: text_of(b, v=True), "version 1"),
    (lambda b: text_of(b, v=1.0), "version 1"),
    (lambda b: text_of(b, round="1"), "round"),
    (lambda b: text_of(b, round=0), "round"),
    (lambda b: text_of(b, round=True), "round"),
    (lambda b: text_of(b, index=0), "index"),
    (lambda b: text_of(b, index=256), "index"),
    (lambda b: text_of(b, part="Offer"), "part"),
    (lambda b: text_of(b, code="JY 1"), "transaction code"),
    (lambda b: text_of(b, label=""), "label"),
    (lambda b: text_of(b, label=17), "label"),
    (lambda b: text_of(b, salt=b["salt"].upper()), "salt"),
    (lambda b: text_of(b, salt=b["salt"][:-2]), "salt"),
    (lambda b: text_of(b, nonce=b["nonce"] + "00"), "nonce"),
    (lambda b: text_of(b, sealed_share="zz" + b["sealed_share"][2:]), "sealed_share"),
    (lambda b: text_of(b, share_sha256=None), "share_sha256"),
    (lambda b: text_of(b, public_key=" " + b["public_key"][1:]), "public_key"),
    (lambda b: text_of(b, key_blob="58" + b["key_blob"][2:]), "not a stored custodian key"),
    (lambda b: text_of(b, key_blob="434b311f0801" + b["key_blob"][12:]), "out-of-range"),
    (lambda b: text_of(b, key_blob="434b310a0808" + b["key_blob"][12:]), "out-of-range"),
    (lambda b: json.dumps(b) + " " * 4096, "at most 4096"),
])
def test_a_malformed_bundle_is_refused_with_the_reason(round_one, make, message):
    _public_key, bundles = round_one
    with pytest.raises(crypto.CustodianSecretError, match=message):
        crypto.parse_bundle(make(bundles[0]))


def test_bytes_that_are_not_utf8_are_refused():
    with pytest.raises(crypto.CustodianSecretError, match="UTF-8"):
        crypto.parse_bundle(b"\xff{}")


def test_the_server_cannot_make_a_bundle_its_custodians_would_refuse(round_one):
    _public_key, bundles = round_one
    key = crypto.parse_bundle(json.dumps(bundles[0])).key
    with pytest.raises(crypto.CustodianSecretError, match="round"):
        crypto.bundle_dict(code=CODE, round_seq=0, part="offer", index=1, label="user:17", key=key,
                           sealed_share=bytes(80), share_sha256="00" * 32)
    with pytest.raises(crypto.CustodianSecretError, match="sealed_share"):
        crypto.bundle_dict(code=CODE, round_seq=1, part="offer", index=1, label="user:17", key=key,
                           sealed_share=bytes(79), share_sha256="00" * 32)
