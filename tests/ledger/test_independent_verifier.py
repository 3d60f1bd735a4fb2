"""A verifier written from ../shared/LEDGER.md alone, sharing no code with ledger/: it
uses only the standard library, the `rfc8785` package (an independent JCS
implementation) and `cryptography`, and it talks to the platform only over HTTP.

It fetches what /ledger/* serves from a live server and checks: canonical bytes (with
rfc8785), the chain, the transitions' paths, the tree root against every checkpoint in
the history, every checkpoint's signature, consistency proofs between consecutive
checkpoints and inclusion proofs for every entry, with its own RFC 9162 code.
"""

import base64
import hashlib
import json
import urllib.request

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.factories import make_transaction, make_world
from trading.services.transitions import transaction_transition

pytestmark = pytest.mark.usefixtures("ledger_transactional_db")


# --- RFC 9162, written out again -------------------------------------------------------

def sha(data):
    return hashlib.sha256(data).digest()


def mth(leaves):
    if not leaves:
        return sha(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return sha(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def verify_inclusion(index, size, leaf, path, root):
    # RFC 9162 section 2.1.3.2
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = sha(b"\x01" + p + r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = sha(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, path):
    # RFC 9162 section 2.1.4.2
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    if first & (first - 1) == 0:
        path = [first_root, *path]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = sha(b"\x01" + c + fr)
            sr = sha(b"\x01" + c + sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = sha(b"\x01" + sr + c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


# --- C2SP signed note and checkpoint, written out again --------------------------------

def parse_vkey(vkey):
    name, key_hash, key = vkey.split("+", 2)  # the name has no "+"; base64 may
    raw = base64.b64decode(key)
    assert raw[0] == 1 and len(raw) == 33
    assert sha(name.encode() + b"\n" + raw)[:4].hex() == key_hash
    return name, bytes.fromhex(key_hash), Ed25519PublicKey.from_public_bytes(raw[1:])


def open_checkpoint(note, vkey):
    name, key_hash, public_key = parse_vkey(vkey)
    text, _, signatures = note.rpartition("\n\n")
    text += "\n"
    for line in signatures.splitlines():
        dash, signer, sig = line.split(" ")
        assert dash == "\u2014"
        raw = base64.b64decode(sig)
        if signer == name and raw[:4] == key_hash:
            public_key.verify(raw[4:], text.encode())  # raises if bad
            origin, size, root = text.split("\n")[:3]
            assert origin == name
            return int(size), base64.b64decode(root)
    raise AssertionError("no signature by the published key")


# --- the check --------------------------------------------------------------------------

def get(base, path):
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return response.read()


def test_an_independent_verifier_accepts_what_the_platform_serves(live_server):
    world = make_world()
    for stage in ("registered", "rejected", "terminated", "suspended"):
        make_transaction(world, stage=stage)
    withdrawn = make_transaction(world, stage="submitted")
    transaction_transition(code=withdrawn.code, action="withdraw", user=world.purchaser, reason="预算调整")

    base = live_server.url
    vkey = get(base, "/ledger/key").decode().strip()
    lines = get(base, "/ledger/entries?start=0&limit=1000").split(b"\n")
    assert lines[-1] == b""
    lines = lines[:-1]
    assert len(lines) > 20

    leaves, prev, last_ts, stages = [], "0" * 64, "", {}
    for seq, line in enumerate(lines):
        entry = json.loads(line)
        assert rfc8785.dumps(entry) == line
        assert set(entry) == {"v", "seq", "ts", "prev", "kind", "subject", "actor", "data"}
        assert entry["v"] == 1 and entry["seq"] == seq and entry["prev"] == prev
        assert entry["ts"] >= last_ts and len(entry["ts"]) == 27 and entry["ts"].endswith("Z")
        if entry["kind"] == "transition":
            data = entry["data"]
            assert data["type"] in ("inquiry", "tender", "asset_sale")
            assert data["from"] == stages.get(entry["subject"])
            stages[entry["subject"]] = data["to"]
        leaf = sha(b"\x00" + line)
        leaves.append(leaf)
        prev, last_ts = leaf.hex(), entry["ts"]

    history = json.loads(get(base, "/ledger/checkpoints"))["checkpoints"]
    assert history
    opened = [open_checkpoint(note, vkey) for note in history]
    sizes = [size for size, _ in opened]
    assert sizes == sorted(sizes) and sizes[-1] == len(lines)
    assert open_checkpoint(get(base, "/ledger/checkpoint").decode(), vkey) == opened[-1]
    for size, root in opened:
        assert mth(leaves[:size]) == root
    for (old, old_root), (new, new_root) in zip(opened, opened[1:], strict=False):
        if old == 0:
            continue
        proof = json.loads(get(base, f"/ledger/proof/consistency?old={old}&new={new}"))
        path = [bytes.fromhex(h) for h in proof["path"]]
        assert verify_consistency(old, new, old_root, new_root, path)
    size, root = opened[-1]
    for index in range(size):
        proof = json.loads(get(base, f"/ledger/proof/inclusion?index={index}&size={size}"))
        assert proof["leaf_hash"] == leaves[index].hex()
        assert verify_inclusion(index, size, leaves[index], [bytes.fromhex(h) for h in proof["path"]], root)
