"""Test vectors for static/js/custodian.js, made by the Python side (bidding/crypto.py):
share bundles with their passphrases and the share each must give, bundles each tool must
refuse (and why), and the building blocks (scrypt, HPKE, the share info, the passphrase
normalisation) as Python computes them. tests/js/custodian.test.mjs checks that the
JavaScript gives the same answers.

    python tests/js/make_vectors.py [--out tests/js/vectors.json]

Every vector is checked against Python here first, so a file this writes is right for
Python by construction. scrypt costs are low (N = 2^10 .. 2^12; one key of the old cost
2^15) to keep the tests fast; the cost is a parameter of the same code.
"""

import argparse
import hashlib
import json
import os
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402

from bidding import crypto  # noqa: E402

CODE = "JY-2026-0001"
# A key set before the cost was raised (N = 2^15), as tests/bidding/test_crypto_custodian.py OLD_KEY.
OLD_KEY = crypto.ProtectedKey(
    public_key=bytes.fromhex("b257923af880d45d8fd9cee7e7ffedc8094fca82fee55da7d38498388b92d623"),
    salt=bytes.fromhex("8f15e7bd5681b67826244644a3a1a405"),
    nonce=bytes.fromhex("97b77b0460274e8e0ba8c86c"),
    ciphertext=bytes.fromhex("434b310f08010a8712a2e07d30fc7dedf1b3b713fc67b58015ea1f5dc68ef079"
                             "098f9196f2d81a7bd7452103482c539bf70514700050"),
)
OLD_PASSPHRASE, OLD_LABEL = "松涛-lantern-orchard-7391", "user:17"


def key_with_parameters(passphrase: str, label: str, log2_n: int, r: int, p: int) -> crypto.ProtectedKey:
    """A custodian key as make_custodian_key makes it, with any (r, p) a header may name:
    the JavaScript must follow the header, not assume r = 8 and p = 1."""
    private_key = X25519PrivateKey.generate()
    salt, nonce = os.urandom(16), os.urandom(12)
    header = b"CK1" + bytes([log2_n, r, p])
    key = crypto._passphrase_key(passphrase, salt, log2_n, r, p)
    blob = header + AESGCM(key).encrypt(nonce, private_key.private_bytes_raw(), crypto._aad(header, label))
    return crypto.ProtectedKey(crypto.public_key_bytes(private_key), salt, nonce, blob)


def bundle_for(key, label, *, round_seq, part="offer", code=CODE, position=1, k=2):
    """The bundle of `key` (custodian `label`) in a fresh opening key of round `round_seq`
    shared among three custodians, `key` being custodian number `position`."""
    others = [crypto.public_key_bytes(X25519PrivateKey.generate()) for _ in range(2)]
    public_keys = others[:position - 1] + [key.public_key] + others[position - 1:]
    _public_key, sealed = crypto.make_opening_key(code, round_seq, part, public_keys, k)
    index, sealed_share, digest = sealed[position - 1]
    return crypto.bundle_dict(code=code, round_seq=round_seq, part=part, index=index, label=label, key=key,
                              sealed_share=sealed_share, share_sha256=digest)


def refused_reason(bundle, passphrase) -> str:
    """Why Python refuses to open `bundle` with `passphrase`, as custodian.js names it."""
    try:
        parsed = crypto.parse_bundle(json.dumps(bundle) if isinstance(bundle, dict) else bundle)
        crypto.open_share_with_passphrase(parsed, passphrase)
    except crypto.CustodianSecretError as exc:
        message = str(exc)
        for reason, words in (("wrong_passphrase", "wrong custodian passphrase"),
                              ("key_mismatch", "does not match its public half"),
                              ("share_does_not_open", "does not open with the custodian's key"),
                              ("share_mismatch", "not the one published")):
            if words in message:
                return reason
        return "bundle"
    raise AssertionError("Python opened a bundle the vectors say it refuses")


def flip(hex_text: str, position: int) -> str:
    raw = bytearray(bytes.fromhex(hex_text))
    raw[position] ^= 0x01
    return raw.hex()


def make_vectors() -> dict:
    opened, refused, malformed = [], [], []

    def add_opened(name, bundle, passphrase, typed=None):
        share = crypto.open_share_with_passphrase(crypto.parse_bundle(json.dumps(bundle)), passphrase)
        opened.append({"name": name, "bundle": bundle, "passphrase": typed if typed is not None else passphrase,
                       "share": share.hex(), "share_sha256": hashlib.sha256(share).hexdigest()})
        return share

    def add_refused(name, bundle, passphrase):
        refused.append({"name": name, "bundle": bundle, "passphrase": passphrase,
                        "reason": refused_reason(bundle, passphrase)})

    cases = [
        ("ascii, N = 2^10", "river stone quietly 58 hums", 10, 8, 1, 1, 2),
        ("chinese, N = 2^11, round 7, part price", "晨雾中的七棵银杏 / ginkgo 2046", 11, 8, 1, 7, 3),
        ("N = 2^12, custodian 3", "松涛-lantern-orchard-7391", 12, 8, 1, 2, 3),
        ("header r = 4, p = 2", "four score and seven 1863", 10, 4, 2, 1, 1),
        ("header r = 1, p = 3", "a small r and three lanes", 10, 1, 3, 3, 2),
    ]
    for number, (name, passphrase, log2_n, r, p, round_seq, position) in enumerate(cases):
        label = f"user:{100 + number}"
        if (r, p) == (8, 1):
            key = crypto.make_custodian_key(passphrase, label=label, log2_n=log2_n)
        else:
            key = key_with_parameters(passphrase, label, log2_n, r, p)
        part = "price" if "price" in name else "offer"
        bundle = bundle_for(key, label, round_seq=round_seq, part=part, position=position)
        add_opened(name, bundle, passphrase)
        add_refused(f"{name}: wrong passphrase", bundle, passphrase + "!")

    # The passphrase as typed elsewhere: decomposed (NFD), with white space Python strips
    # around it (among them U+0085 and U+001F, which JavaScript's trim() keeps).
    typed_key_passphrase = "Café 晨雾 ginkgo 2046"
    key = crypto.make_custodian_key(typed_key_passphrase, label="user:200", log2_n=10)
    bundle = bundle_for(key, "user:200", round_seq=4)
    for typed in (unicodedata.normalize("NFD", typed_key_passphrase), "\u3000" + typed_key_passphrase + "\n",
                  "\x85\x1f " + typed_key_passphrase + "\u2028\t"):
        add_opened(f"typed as {typed!r}", bundle, typed_key_passphrase, typed=typed)
    # U+FEFF (a byte order mark) is not white space to Python: this passphrase is wrong.
    add_refused("a byte order mark is not stripped", bundle, "\ufeff" + typed_key_passphrase)

    old = bundle_for(OLD_KEY, OLD_LABEL, round_seq=1)
    add_opened("a key set with the old cost N = 2^15", old, OLD_PASSPHRASE)

    base, passphrase = opened[0]["bundle"], cases[0][1]
    add_refused("another round named", {**base, "round": base["round"] + 1}, passphrase)
    add_refused("another part named", {**base, "part": "price"}, passphrase)
    add_refused("another index named", {**base, "index": base["index"] % 3 + 1}, passphrase)
    add_refused("another transaction named", {**base, "code": "JY-2026-0002"}, passphrase)
    add_refused("another custodian's label", {**base, "label": "user:999"}, passphrase)
    add_refused("the sealed share tampered", {**base, "sealed_share": flip(base["sealed_share"], 50)}, passphrase)
    add_refused("the enc of the sealed share tampered", {**base, "sealed_share": flip(base["sealed_share"], 3)},
                passphrase)
    add_refused("the key blob tampered", {**base, "key_blob": flip(base["key_blob"], 20)}, passphrase)
    add_refused("the header changed within bounds", {**base, "key_blob": "434b310b0801" + base["key_blob"][12:]},
                passphrase)
    add_refused("the public key swapped", {**base, "public_key": crypto.public_key_bytes(
        X25519PrivateKey.generate()).hex()}, passphrase)
    add_refused("another share's digest", {**base, "share_sha256": opened[1]["share_sha256"]}, passphrase)
    # The share of another round, sealed to the same key, passed off as this round's.
    _pk, sealed = crypto.make_opening_key(CODE, 99, "offer", [bytes.fromhex(base["public_key"])] * 2, 2)
    add_refused("round 99's share passed off as this round's",
                {**base, "sealed_share": sealed[0][1].hex(), "share_sha256": sealed[0][2],
                 "index": sealed[0][0]}, passphrase)

    text = json.dumps(base)
    for name, bad in [
        ("not JSON", "{not json"),
        ("a list", json.dumps([base])),
        ("a key twice", text[:-1] + ', "round": 2}'),
        ("a missing key", json.dumps({k: v for k, v in base.items() if k != "nonce"})),
        ("an unknown key", json.dumps({**base, "note": "x"})),
        ("a nested value", json.dumps({**base, "note": {"a": 1}})),
        ("version 2", json.dumps({**base, "v": 2})),
        ("version as a string", json.dumps({**base, "v": "1"})),
        ("round 0", json.dumps({**base, "round": 0})),
        ("round as a string", json.dumps({**base, "round": "1"})),
        ("round 1.5", json.dumps({**base, "round": 1.5})),
        ("index 256", json.dumps({**base, "index": 256})),
        ("a part in capitals", json.dumps({**base, "part": "OFFER"})),
        ("a code with a space", json.dumps({**base, "code": "JY 2026"})),
        ("a code not in ASCII", json.dumps({**base, "code": "交易-1"})),
        ("an empty label", json.dumps({**base, "label": ""})),
        ("hex in capitals", json.dumps({**base, "salt": base["salt"].upper()})),
        ("a short nonce", json.dumps({**base, "nonce": base["nonce"][:-2]})),
        ("an odd-length digest", json.dumps({**base, "share_sha256": base["share_sha256"] + "0"})),
        ("not hex", json.dumps({**base, "sealed_share": "g" + base["sealed_share"][1:]})),
        ("a null public key", json.dumps({**base, "public_key": None})),
        ("not a CK1 blob", json.dumps({**base, "key_blob": "434b32" + base["key_blob"][6:]})),
        ("log2 N 21", json.dumps({**base, "key_blob": "434b31150801" + base["key_blob"][12:]})),
        ("log2 N 9", json.dumps({**base, "key_blob": "434b31090801" + base["key_blob"][12:]})),
        ("r 0", json.dumps({**base, "key_blob": "434b310a0001" + base["key_blob"][12:]})),
        ("r 17", json.dumps({**base, "key_blob": "434b310a1101" + base["key_blob"][12:]})),
        ("p 5", json.dumps({**base, "key_blob": "434b310a0805" + base["key_blob"][12:]})),
        ("too long", text + " " * 4096),
    ]:
        assert refused_reason(bad, passphrase) == "bundle", name
        malformed.append({"name": name, "text": bad})

    share_infos = [{"args": list(args), "info": crypto.share_info(*args).hex()}
                   for args in [(CODE, 1, "offer", 1), (CODE, 12, "price", 255), ("CG-2027-0123", 2**31 - 1, "a", 3)]]
    normalised = [{"typed": typed, "normalised": crypto.normalise_passphrase(typed)}
                  for typed in ["  plain  ", unicodedata.normalize("NFD", "é ö 晨"), "\x1c\x1d\x1e\x1fx\x85\xa0",
                                "\ufeffbom\ufeff", "\u200bzero width\u200b", "\u3000全角\u3000", "\r\n\t\x0b\x0cy"]]
    scrypt = []
    for password, salt, log2_n, r, p in [(b"", b"", 4, 1, 1), ("晨雾".encode(), os.urandom(16), 10, 8, 1),
                                         (b"x" * 100, os.urandom(16), 10, 2, 4), (b"pw", b"s", 11, 16, 1)]:
        scrypt.append({"password": password.hex(), "salt": salt.hex(), "N": 2**log2_n, "r": r, "p": p,
                       "dkLen": 32, "dk": hashlib.scrypt(password, salt=salt, n=2**log2_n, r=r, p=p, dklen=32).hex()})
    hpke = []
    for length in (0, 1, 32, 100):
        private_key = X25519PrivateKey.generate()
        info, plaintext = os.urandom(length % 40), os.urandom(length)
        sealed = crypto.SUITE.encrypt(plaintext, private_key.public_key(), info)
        hpke.append({"skR": private_key.private_bytes_raw().hex(), "pkR": crypto.public_key_bytes(private_key).hex(),
                     "info": info.hex(), "sealed": sealed.hex(), "plaintext": plaintext.hex()})
    return {"about": "made by tests/js/make_vectors.py from bidding/crypto.py; checked by tests/js/custodian.test.mjs",
            "opened": opened, "refused": refused, "malformed": malformed, "share_info": share_infos,
            "normalise_passphrase": normalised, "scrypt": scrypt, "hpke": hpke}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(Path(__file__).with_name("vectors.json")))
    args = parser.parse_args(argv)
    vectors = make_vectors()
    Path(args.out).write_text(json.dumps(vectors, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(vectors['opened'])} bundles to open, {len(vectors['refused'])} to refuse, "
          f"{len(vectors['malformed'])} malformed: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
