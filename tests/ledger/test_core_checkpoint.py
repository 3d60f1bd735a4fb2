"""Checkpoint and bid-receipt texts: exactly the published form, both ways."""

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ledger.core.checkpoint import (
    Checkpoint,
    CheckpointError,
    Receipt,
    format_checkpoint,
    format_receipt,
    parse_checkpoint,
    parse_receipt,
)
from ledger.core.merkle import hash_leaf

TREE = json.loads((Path(__file__).parent / "kat" / "go_sumdb.json").read_text())["tree"]
ROOT = bytes(range(32))
C = "ab" * 32


def test_go_tree_note_known_answer():
    # A tlog tree note is a checkpoint without extension lines.
    root = hash_leaf(TREE["record"].encode())
    assert format_checkpoint(TREE["origin"], TREE["size"], root) == TREE["text"]
    assert parse_checkpoint(TREE["text"]) == Checkpoint(TREE["origin"], TREE["size"], root, ())
    for bad in TREE["bad_texts"]:
        try:
            parsed = parse_checkpoint(bad)
        except CheckpointError:
            continue
        assert parsed.origin != TREE["origin"]


def test_checkpoint_round_trip_with_extensions():
    text = format_checkpoint("trading.localhost/ledger", 37, ROOT, ["ext one", "— two"])
    assert text == f"trading.localhost/ledger\n37\n{base64.b64encode(ROOT).decode()}\next one\n— two\n"
    assert parse_checkpoint(text) == Checkpoint("trading.localhost/ledger", 37, ROOT, ("ext one", "— two"))
    assert parse_checkpoint(format_checkpoint("o", 0, ROOT)).size == 0


@pytest.mark.parametrize(
    "text",
    [
        "o\n37\n" + base64.b64encode(ROOT).decode(),  # no final newline
        "o\n37\n",
        "\n37\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n037\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n+37\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n-1\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n３７\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n37\n" + base64.b64encode(ROOT[:31]).decode() + "\n",
        "o\n37\n" + base64.b64encode(ROOT).decode().rstrip("=") + "\n",
        "o\n37\n" + base64.urlsafe_b64encode(b"\xff" * 32).decode() + "\n",
        "o\n37\n" + base64.b64encode(ROOT).decode() + "\n\n",  # empty extension line
        "o\n37\n" + base64.b64encode(ROOT).decode() + "\nx\ty\n",
    ],
)
def test_malformed_checkpoints_are_refused(text):
    with pytest.raises(CheckpointError):
        parse_checkpoint(text)


def test_format_checkpoint_refuses_what_it_cannot_write():
    for args in [("", 1, ROOT), ("a\nb", 1, ROOT), ("o", -1, ROOT), ("o", True, ROOT), ("o", 1, ROOT[:5])]:
        with pytest.raises(CheckpointError):
            format_checkpoint(*args)
    with pytest.raises(CheckpointError):
        format_checkpoint("o", 1, ROOT, [""])


def test_receipt_round_trip():
    text = format_receipt("trading.localhost/ledger", "JY-2026-0002", C, "2026-11-28T01:00:10.000000Z")
    assert text == f"trading.localhost/ledger bid receipt\nJY-2026-0002\n{C}\n2026-11-28T01:00:10.000000Z\n"
    assert parse_receipt(text) == Receipt("trading.localhost/ledger", "JY-2026-0002", C, "2026-11-28T01:00:10.000000Z")
    at = datetime(2026, 11, 28, 1, 0, 10, tzinfo=UTC)
    assert format_receipt("trading.localhost/ledger", "JY-2026-0002", C, at) == text


@pytest.mark.parametrize(
    "text",
    [
        f"o receipt\nJY\n{C}\n2026-11-28T01:00:10.000000Z\n",
        f" bid receipt\nJY\n{C}\n2026-11-28T01:00:10.000000Z\n",
        f"a b bid receipt\nJY\n{C}\n2026-11-28T01:00:10.000000Z\n",
        f"o bid receipt\n\n{C}\n2026-11-28T01:00:10.000000Z\n",
        f"o bid receipt\nJY\n{C.upper()}\n2026-11-28T01:00:10.000000Z\n",
        f"o bid receipt\nJY\n{C[:-1]}\n2026-11-28T01:00:10.000000Z\n",
        f"o bid receipt\nJY\n{C}\n2026-11-28T01:00:10Z\n",
        f"o bid receipt\nJY\n{C}\n2026-11-28T01:00:10.000000Z",
        f"o bid receipt\nJY\n{C}\n2026-11-28T01:00:10.000000Z\nextra\n",
    ],
)
def test_malformed_receipts_are_refused(text):
    with pytest.raises(CheckpointError):
        parse_receipt(text)


def test_format_receipt_refuses_bad_fields():
    for args in [
        ("a b", "JY", C, "2026-11-28T01:00:10.000000Z"),
        ("o", "J\nY", C, "2026-11-28T01:00:10.000000Z"),
        ("o", "JY", "xyz", "2026-11-28T01:00:10.000000Z"),
        ("o", "JY", C, "yesterday"),
    ]:
        with pytest.raises(CheckpointError):
            format_receipt(*args)
