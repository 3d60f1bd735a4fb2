"""The Django layer of the ledger: recording in the change's transaction, sequencing in
batches, stored bytes and tree hashes, checkpoints, the database verify command."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from ledger import selectors
from ledger.core import merkle
from ledger.core.checkpoint import parse_checkpoint
from ledger.core.entry import ZERO_HASH_HEX, leaf_hash
from ledger.core.jcs import CanonicalError, canonical_bytes
from ledger.core.note import Verifier, open_note
from ledger.db import drop_immutability_triggers_for_test_flush
from ledger.models import Checkpoint, Entry, LogHead, PendingEntry
from ledger.recording import actor, ledger_record
from ledger.sequencer import ledger_sequence_pending, ledger_sign_checkpoint
from ledger.signing import verifier_key

pytestmark = pytest.mark.django_db


def record(n, subject="JY-2026-0001", kind="note"):
    with transaction.atomic():
        for i in range(n):
            ledger_record(kind=kind, subject=subject, actor=actor("clerk", "王明"), data={"i": i, "text": "十三台电脑"})


def test_record_outside_a_transaction_is_refused():
    wrapper = connections["default"]
    wrapper.in_atomic_block = False  # as in autocommit mode, outside any transaction
    try:
        with pytest.raises(RuntimeError, match="inside the transaction"):
            ledger_record(kind="x", subject="y", actor=actor("clerk", "a"), data={})
    finally:
        wrapper.in_atomic_block = True


def test_data_outside_the_published_format_is_refused_when_recorded():
    with pytest.raises(CanonicalError):
        with transaction.atomic():
            ledger_record(kind="x", subject="y", actor=actor("clerk", "a"), data={"price": 1.5})
    assert not PendingEntry.objects.exists()


def test_sequencing_gives_contiguous_seq_chain_and_canonical_bytes(sequenced):
    record(5)
    record(3, subject="JY-2026-0002")
    assert sequenced() == 8
    assert not PendingEntry.objects.exists()
    prev, last_ts = ZERO_HASH_HEX, ""
    for expected_seq, entry in enumerate(Entry.objects.order_by("seq")):
        body = bytes(entry.body)
        parsed = json.loads(body)
        assert entry.seq == parsed["seq"] == expected_seq
        assert canonical_bytes(parsed) == body
        assert parsed["prev"] == prev and parsed["v"] == 1
        assert parsed["ts"] >= last_ts
        assert bytes(entry.leaf_hash) == leaf_hash(body)
        prev, last_ts = leaf_hash(body).hex(), parsed["ts"]
    head = LogHead.objects.get()
    assert head.size == 8 and bytes(head.last_leaf_hash).hex() == prev


def test_batches_keep_the_order_of_recording(sequenced):
    record(7)
    while ledger_sequence_pending(batch=3):
        pass
    assert [json.loads(bytes(e.body))["data"]["i"] for e in Entry.objects.order_by("seq")] == list(range(7))


def test_stored_tree_hashes_give_the_reference_root_and_proofs(sequenced):
    record(37)
    sequenced()
    leaves = [bytes(e.leaf_hash) for e in Entry.objects.order_by("seq")]
    for size in (1, 2, 3, 8, 13, 37):
        root = merkle.root(leaves[:size])
        assert selectors.tree_root(size) == root
        for index in {0, size // 2, size - 1}:
            leaf, path = selectors.inclusion_proof(index, size)
            assert merkle.verify_inclusion(index, size, leaf, path, root)
    for old, new in [(1, 37), (8, 37), (13, 20), (37, 37)]:
        path = selectors.consistency_proof(old, new)
        assert merkle.verify_consistency(old, new, merkle.root(leaves[:old]), merkle.root(leaves[:new]), path)


def test_checkpoints_are_signed_by_the_published_key_and_all_kept(sequenced):
    record(2)
    sequenced()
    record(3)
    sequenced()
    notes = list(Checkpoint.objects.order_by("size"))
    assert [c.size for c in notes] == [2, 5]
    verifier = Verifier.from_string(verifier_key())
    for checkpoint in notes:
        parsed = parse_checkpoint(open_note(checkpoint.note, verifier))
        assert parsed.origin == "trading.localhost/ledger"
        assert parsed.root == selectors.tree_root(parsed.size) == bytes(checkpoint.root_hash)
    assert ledger_sign_checkpoint() is None  # nothing new to sign


def test_ledger_verify_command_accepts_the_log(sequenced, capsys):
    record(10)
    sequenced()
    call_command("ledger_verify")
    assert "LEDGER OK: 10 entries" in capsys.readouterr().out


def test_ledger_verify_command_names_the_first_bad_seq(sequenced):
    record(10)
    sequenced()
    drop_immutability_triggers_for_test_flush(connection)  # what an intruder with DB access would do
    entry = Entry.objects.get(seq=4)
    tampered = bytes(entry.body).replace("十三台电脑".encode(), "十四台电脑".encode())
    Entry.objects.filter(seq=4).update(body=tampered)
    with pytest.raises(CommandError, match="seq (4|5)"):
        call_command("ledger_verify")


def test_ledger_verify_command_catches_a_rewritten_tail(sequenced):
    record(6)
    sequenced()
    drop_immutability_triggers_for_test_flush(connection)
    entry = Entry.objects.get(seq=5)
    body = bytes(entry.body).replace(b'"i":5', b'"i":6')
    Entry.objects.filter(seq=5).update(body=body, leaf_hash=leaf_hash(body))
    LogHead.objects.update(last_leaf_hash=leaf_hash(body))
    with pytest.raises(CommandError, match="seq 5"):
        call_command("ledger_verify")


@pytest.mark.parametrize("kind,subject", [("", "JY-2026-0001"), ("k" * 65, "JY-2026-0001"), ("note", "s" * 65)])
def test_kind_and_subject_that_cannot_be_stored_are_refused_when_recorded(kind, subject):
    from ledger.core.entry import EntryError

    with pytest.raises(EntryError):
        with transaction.atomic():
            ledger_record(kind=kind, subject=subject, actor=actor("clerk", "a"), data={})
