"""The verifier's command: `python -m ledger.verify --entries FILE --key KEY`.

verify_files checks an export (ledger/verify/checker.py) and then the signed notes given
with it: the Merkle root against a signed checkpoint, an older checkpoint being a prefix
(history not rewritten), and bid receipts against the `bids.closed` entries. Report holds
what was found and the words to tell a supervisor; `main` parses the arguments and exits 0
(all good), 1 (a problem, named with its seq) or 2 (a usage error).
"""

import argparse
import base64
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

from ledger.core.checkpoint import Checkpoint, CheckpointError, parse_checkpoint, parse_receipt
from ledger.core.merkle import EMPTY_ROOT
from ledger.core.note import NoteError, Verifier, open_note

from .checker import LogChecker, check_file
from .reference import UsageError, VerifyError


@dataclass
class Report:
    """What verify_files found, and the words to tell a supervisor."""

    entries_path: str
    key: str
    entries: int = 0
    root: bytes = EMPTY_ROOT
    checkpoint: Checkpoint | None = None
    old: Checkpoint | None = None
    lines: list[str] = field(default_factory=list)  # what was checked and found good
    notes: list[str] = field(default_factory=list)  # worth knowing, not a failure
    problems: list[str] = field(default_factory=list)  # each one fails the check
    first_bad_seq: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        out = [f"Ledger export: {self.entries_path}", f"Verifier key:  {self.key}", ""]
        out += self.lines
        if self.notes:
            out += ["", *(f"Note: {n}" for n in self.notes)]
        if self.problems:
            out += ["", "RESULT: NOT OK", *self.problems]
        else:
            out += ["", "RESULT: OK"]
        return "\n".join(out) + "\n"


def _load_key(key: str | Verifier) -> Verifier:
    if isinstance(key, Verifier):
        return key
    if os.path.isfile(key):
        try:
            with open(key, encoding="utf-8") as f:
                key = f.read().strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the verifier key file: {exc}") from None
    try:
        return Verifier.from_string(key.strip())
    except NoteError as exc:
        raise UsageError(f"--key is neither a verifier key nor a file holding one: {exc}") from None


def _read_note(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None


def _open_checkpoint(path: str, what: str, verifier: Verifier, report: Report) -> Checkpoint | None:
    try:
        cp = parse_checkpoint(open_note(_read_note(path), verifier))
    except NoteError as exc:
        report.problems.append(f"{what} {path}: not a valid note signed by {verifier.name}: {exc}")
        return None
    except CheckpointError as exc:
        report.problems.append(f"{what} {path}: signed, but not a checkpoint: {exc}")
        return None
    if cp.origin != verifier.name:
        report.problems.append(f"{what} {path}: its origin {cp.origin!r} is not the key's name {verifier.name!r}")
        return None
    return cp


def _b64(root: bytes) -> str:
    return base64.b64encode(root).decode("ascii")


def verify_files(
    entries_path: str,
    key: str | Verifier,
    checkpoint_path: str | None = None,
    old_path: str | None = None,
    receipts: Iterable[str] = (),
    *,
    workers: int | None = None,
) -> Report:
    """Check an export and its signed notes; UsageError for unreadable input."""
    verifier = _load_key(key)
    if not os.path.isfile(entries_path):
        raise UsageError(f"no such file: {entries_path}")
    report = Report(entries_path, verifier.verifier_key())
    cp = old = None
    if checkpoint_path:
        cp = report.checkpoint = _open_checkpoint(checkpoint_path, "checkpoint", verifier, report)
    if old_path:
        old = report.old = _open_checkpoint(old_path, "older checkpoint", verifier, report)
    receipt_notes = [(path, _read_note(path)) for path in receipts]

    checker = LogChecker()
    checker.want_root_at({c.size for c in (cp, old) if c is not None})
    try:
        check_file(checker, entries_path, workers=workers)
    except VerifyError as exc:
        report.entries = checker.size
        report.first_bad_seq = exc.seq
        report.problems.insert(0, str(exc))
        report.lines.append(
            f"Entries seq 0 to {checker.size - 1} are good; the export breaks after them."
            if checker.size
            else "The export breaks at its first entry."
        )
        if cp is not None or old is not None or receipt_notes:
            report.notes.append("checkpoints and receipts are not checked against a broken export")
        return report
    n = report.entries = checker.size
    report.root = checker.root()
    report.lines.append(
        f"Entries checked: {n} (seq 0 to {n - 1}): every line is canonical, the hash chain is intact, "
        "times never go back, and every transaction's stages form a path."
        if n
        else "Entries checked: none (the export is empty)."
    )
    report.lines.append(f"Tree size {n}, root {_b64(report.root)}")

    if cp is not None:
        if cp.size > n:
            report.problems.append(
                f"the checkpoint is signed for {cp.size} entries but the export holds only {n}: "
                f"entries from seq {n} on are missing"
            )
        elif cp.size == 0 and cp.root != EMPTY_ROOT:
            report.problems.append("the checkpoint of tree size 0 signs a root that is not the empty tree's")
        elif checker.roots[cp.size] != cp.root:
            bad = cp.size - 1
            report.first_bad_seq = bad
            report.problems.append(
                f"seq {bad}: the tree root of the first {cp.size} entries differs from the signed checkpoint. "
                f"Every prev link is intact, so the entry at fault is seq {bad}, the last one the checkpoint "
                "covers: it is not the entry that was signed (and neither, possibly, are entries before it)."
            )
        else:
            covered = "all" if cp.size == n else f"the first {cp.size} of the"
            report.lines.append(
                f"Checkpoint: signed by {verifier.name}, tree size {cp.size}, root matches: "
                f"it covers {covered} {n} entries."
            )
            if cp.size < n:
                report.notes.append(
                    f"entries seq {cp.size} to {n - 1} are not covered by this checkpoint "
                    "(signed later; fetch a newer checkpoint to cover them)"
                )
    elif n:
        report.notes.append("no checkpoint given: the entries are consistent, but nothing shows the station signed them")

    if old is not None:
        if old.size > n:
            report.problems.append(
                f"the older checkpoint is signed for {old.size} entries but the export holds only {n}"
            )
        elif cp is not None and old.size > cp.size:
            report.problems.append(
                f"the older checkpoint has tree size {old.size}, larger than the checkpoint's {cp.size}"
            )
        elif old.size == 0 and old.root != EMPTY_ROOT:
            report.problems.append("the older checkpoint of tree size 0 signs a root that is not the empty tree's")
        elif checker.roots[old.size] != old.root:
            bad = old.size - 1
            report.first_bad_seq = bad if report.first_bad_seq is None else min(bad, report.first_bad_seq)
            report.problems.append(
                f"seq {bad}: the first {old.size} entries are not the ones the older checkpoint signed: "
                "the history was rewritten after it was signed"
            )
        else:
            report.lines.append(
                f"Older checkpoint: signed by {verifier.name}, tree size {old.size}: "
                "a prefix of this log (its history was not rewritten)."
            )

    for path, note in receipt_notes:
        _check_receipt(path, note, verifier, checker, cp, report)
    return report


def _check_receipt(path, note, verifier, checker: LogChecker, cp, report: Report) -> None:
    try:
        receipt = parse_receipt(open_note(note, verifier))
    except NoteError as exc:
        report.problems.append(f"receipt {path}: not a valid note signed by {verifier.name}: {exc}")
        return
    except CheckpointError as exc:
        report.problems.append(f"receipt {path}: signed, but not a bid receipt: {exc}")
        return
    if receipt.origin != verifier.name:
        report.problems.append(f"receipt {path}: its origin {receipt.origin!r} is not the key's name")
        return
    what = (
        f"receipt {path}: {receipt.subject}, commitment {receipt.commitment[:8]}…{receipt.commitment[-4:]}, "
        f"received {receipt.received_at}"
    )
    closed = checker.bids_closed.get(receipt.subject, [])
    listed = [seq for seq, commitments in closed if receipt.commitment in commitments]
    if listed:
        seq = listed[0]
        covered = "" if cp is None or seq < cp.size else " (not yet covered by the checkpoint)"
        report.lines.append(f"Receipt OK: {what}: listed in bids.closed at seq {seq}{covered}.")
    elif closed:
        seqs = ", ".join(str(seq) for seq, _ in closed)
        report.problems.append(
            f"MISCONDUCT: {what}: the station signed this receipt, but the bids.closed entry "
            f"(seq {seqs}) of {receipt.subject} does not list the commitment {receipt.commitment}"
        )
    else:
        report.notes.append(
            f"{what}: the export has no bids.closed entry for {receipt.subject} yet, "
            "so whether the bid is listed cannot be checked until its bids close"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ledger.verify",
        description="Check a ledger export offline against LEDGER.md: canonical lines, the hash chain, "
        "transaction paths, the Merkle root against a signed checkpoint, and bid receipts.",
    )
    parser.add_argument("--entries", required=True, help="the export: the whole log as JSON Lines")
    parser.add_argument("--key", required=True, help="the verifier key string, or a file holding it")
    parser.add_argument("--checkpoint", help="a signed checkpoint of the log")
    parser.add_argument("--old", help="an older signed checkpoint that must be a prefix of the log")
    parser.add_argument("--receipt", action="append", default=[], help="a signed bid receipt (repeatable)")
    parser.add_argument("--workers", type=int, default=None, help="processes to use (default: one per core)")
    args = parser.parse_args(argv)
    try:
        report = verify_files(args.entries, args.key, args.checkpoint, args.old, args.receipt, workers=args.workers)
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(report.summary())
    return 0 if report.ok else 1
