"""The known-answer vectors of LEDGER.md (tests/ledger/kat/ledger-vectors), byte for byte."""

import json
from pathlib import Path

import pytest

from ledger.core.checkpoint import (
    format_checkpoint,
    format_receipt,
    parse_checkpoint,
    parse_receipt,
)
from ledger.core.entry import ZERO_HASH_HEX, leaf_hash
from ledger.core.jcs import canonical_bytes
from ledger.core.merkle import (
    consistency_proof,
    inclusion_proof,
    root,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from ledger.core.note import Signer, Verifier, open_note

V = Path(__file__).parent / "kat" / "ledger-vectors"
LINES = (V / "entries.jsonl").read_bytes().split(b"\n")[:-1]
LEAVES = [leaf_hash(line) for line in LINES]
SIGNER = Signer.from_seed("trading.localhost/ledger", bytes.fromhex((V / "signing-seed.hex").read_text().strip()))
KEY = (V / "key").read_text().strip()
VERIFIER = Verifier.from_string(KEY)
PROOFS = [json.loads(line) for line in (V / "proofs.jsonl").read_text().splitlines()]


def read_nodes(nodes):
    return [root(LEAVES[k << level : (k + 1) << level]) for level, k in nodes]


def test_the_export_ends_with_a_newline_and_every_line_is_canonical():
    assert (V / "entries.jsonl").read_bytes().endswith(b"\n") and len(LINES) == 37
    for line in LINES:
        assert canonical_bytes(json.loads(line)) == line


def test_every_line_hashes_into_the_next_prev():
    prev = ZERO_HASH_HEX
    for line, leaf in zip(LINES, LEAVES, strict=True):
        assert json.loads(line)["prev"] == prev
        prev = leaf.hex()


def test_the_tree_root_is_the_checkpoints_and_old_is_a_prefix():
    checkpoint = parse_checkpoint(open_note((V / "checkpoint").read_bytes(), VERIFIER))
    old = parse_checkpoint(open_note((V / "old").read_bytes(), VERIFIER))
    assert (checkpoint.origin, checkpoint.size, old.size) == ("trading.localhost/ledger", 37, 18)
    assert root(LEAVES) == tree_root(37, read_nodes) == checkpoint.root
    assert root(LEAVES[:18]) == tree_root(18, read_nodes) == old.root
    path = consistency_proof(18, 37, read_nodes)
    assert verify_consistency(18, 37, old.root, checkpoint.root, path)


@pytest.mark.parametrize("proof", PROOFS, ids=lambda p: json.dumps(p)[:40])
def test_every_proof_is_reproduced_and_verifies(proof):
    path = [bytes.fromhex(h) for h in proof["path"]]
    if "index" in proof:
        index, size = proof["index"], proof["size"]
        assert LEAVES[index].hex() == proof["leaf_hash"]
        assert inclusion_proof(index, size, read_nodes) == path
        assert verify_inclusion(index, size, LEAVES[index], path, root(LEAVES[:size]))
    else:
        old, new = proof["old"], proof["new"]
        assert consistency_proof(old, new, read_nodes) == path
        assert verify_consistency(old, new, root(LEAVES[:old]), root(LEAVES[:new]), path)


def test_the_verifier_key_string_is_reproduced():
    assert SIGNER.verifier_key() == KEY
    assert VERIFIER.verifier_key() == KEY


@pytest.mark.parametrize("name", ["checkpoint", "old", "receipt0", "receipt1", "receipt2"])
def test_re_signing_reproduces_the_signed_notes_byte_for_byte(name):
    note = (V / name).read_text(encoding="utf-8")
    text = open_note(note, VERIFIER)
    if name.startswith("receipt"):
        assert format_receipt(*parse_receipt(text)) == text
    else:
        c = parse_checkpoint(text)
        assert format_checkpoint(c.origin, c.size, c.root, c.extensions) == text
    assert SIGNER.sign_note(text) == note


def test_the_receipts_commitments_are_in_the_bids_closed_entry():
    closed = json.loads(LINES[34])
    assert closed["kind"] == "bids.closed" and closed["data"]["count"] == 3
    receipts = [parse_receipt(open_note((V / f"receipt{i}").read_bytes(), VERIFIER)) for i in range(3)]
    assert {r.subject for r in receipts} == {closed["subject"]}
    assert sorted(r.commitment for r in receipts) == closed["data"]["commitments"]
