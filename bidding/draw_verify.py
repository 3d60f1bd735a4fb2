"""Recompute a draw from the public ledger: `python -m bidding.draw_verify`.

    python -m ledger.fetch https://trading.example-county.gov.cn --dir export
    python -m bidding.draw_verify --entries export/entries.jsonl \\
        --checkpoints export/checkpoints.json --key KEY --code JY-2026-0001 [--round 1 --purpose experts]

No Django, no database: the export and the checkpoint history are all it reads. For every
draw of the transaction (or the one asked for) it finds the `draw.announced`,
`draw.performed` and `draw.revealed` entries, checks the export itself (as ledger.verify
does), takes the first checkpoint in the history whose tree size is greater than the
announcement's seq, checks its signature with the key and its root against the export
and against the performed entry and, once revealed, recomputes the commitment, the seed
(version 2: from that root and the revealed salt) and the result (docs/draws.md).
Draws of algorithm version 1 (whose seed was published when performed) are checked
by the version 1 rules.
Exit status: 0 all good, 1 something differs, 2 a usage problem (a file or key that
cannot be read, no such draw).

Why this module is long: it is an offline verifier a supervisor runs on a downloaded
export, meant to be read in one place against docs/draws.md: both draw versions, the
export and checkpoint checks and the command line.
"""

import argparse
import json
import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field

from ledger.core.checkpoint import Checkpoint, CheckpointError, parse_checkpoint
from ledger.core.note import NoteError, Verifier, open_note
from ledger.verify import LogChecker, VerifyError, check_file

from . import draws

__all__ = ["DrawReport", "UsageError", "main", "verify_draws"]

ANNOUNCED, PERFORMED, REVEALED = "draw.announced", "draw.performed", "draw.revealed"
_KINDS = {ANNOUNCED, PERFORMED, REVEALED}


class UsageError(Exception):
    """A command-line mistake: unreadable file, bad key, no such draw (exit 2)."""


@dataclass
class DrawReport:
    code: str
    lines: list[str] = field(default_factory=list)  # checked and found good
    notes: list[str] = field(default_factory=list)  # worth knowing, not a failure
    problems: list[str] = field(default_factory=list)  # each one fails the check

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        out = [f"Draws of {self.code}", "", *self.lines]
        if self.notes:
            out += ["", *(f"Note: {n}" for n in self.notes)]
        out += ["", "RESULT: NOT OK", *self.problems] if self.problems else ["", "RESULT: OK"]
        return "\n".join(out) + "\n"


@dataclass
class _Signed:
    checkpoint: Checkpoint
    signature: str  # "checked", "not checked" or why it is bad


# --- reading the inputs ---------------------------------------------------------------------

def _load_key(key: str | None) -> Verifier | None:
    if key is None:
        return None
    if os.path.isfile(key):
        try:
            with open(key, encoding="utf-8") as f:
                key = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the verifier key file: {exc}") from None
    try:
        return Verifier.from_string(key.strip())
    except NoteError as exc:
        raise UsageError(f"--key is neither a verifier key nor a file holding one: {exc}") from None


def _unsigned_text(note: str) -> str:
    split = note.rfind("\n\n")
    if split < 0:
        raise CheckpointError("not a signed note: no blank line before the signatures")
    return note[: split + 1]


def _load_checkpoints(path: str, verifier: Verifier | None) -> list[_Signed | str]:
    """The history, oldest first: each a parsed checkpoint, or why it cannot be read."""
    try:
        with open(path, encoding="utf-8") as f:
            notes = json.load(f)["checkpoints"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"cannot read {path} as the checkpoint history "
                         f'({{"checkpoints": [...]}}, from /ledger/checkpoints): {exc}') from None
    if not isinstance(notes, list):
        raise UsageError(f"{path}: checkpoints is not a list")
    history = []
    for note in notes:
        if not isinstance(note, str):
            history.append("not a string")
            continue
        try:
            if verifier is None:
                history.append(_Signed(parse_checkpoint(_unsigned_text(note)), "not checked (no --key)"))
                continue
            try:
                text = open_note(note, verifier)
            except NoteError as exc:
                history.append(_Signed(parse_checkpoint(_unsigned_text(note)), f"BAD: {exc}"))
                continue
            cp = parse_checkpoint(text)
            status = "checked" if cp.origin == verifier.name else f"BAD: origin {cp.origin!r} is not the key's name"
            history.append(_Signed(cp, status))
        except CheckpointError as exc:
            history.append(f"not a checkpoint: {exc}")
    return history


def _draw_entries(path: str, code: str) -> tuple[list[dict], int]:
    """The draw entries of `code`, in log order (parsed; the log check proves them
    canonical), and the number of lines of the export."""
    found = []
    lines = 0
    try:
        with open(path, "rb") as f:
            for line in f:
                lines += 1
                if b'"kind":"draw.' not in line:
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # the log check reports it
                if isinstance(entry, dict) and entry.get("subject") == code and entry.get("kind") in _KINDS:
                    found.append(entry)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    return found, lines


# --- checking one draw ----------------------------------------------------------------------

def _short(hex_: str) -> str:
    return f"{hex_[:12]}…" if isinstance(hex_, str) else repr(hex_)


def _first_after(history, seq: int) -> tuple[int, _Signed | None]:
    """(position, checkpoint) of the first checkpoint in the history with size > seq."""
    for position, item in enumerate(history):
        if isinstance(item, _Signed) and item.checkpoint.size > seq:
            return position, item
    return -1, None


# What each entry of a draw holds, by version: anything more could publish a secret early.
_ANNOUNCED_KEYS = {1: {"purpose", "round", "commitment"}, 2: {"v", "purpose", "round", "commitment"}}
_PERFORMED_KEYS = {1: {"purpose", "round", "commitment", "checkpoint_size", "seed"},
                   2: {"v", "purpose", "round", "commitment", "checkpoint_size", "checkpoint_root"}}


def _check_draw(report: DrawReport, code, purpose, round_, found, history, checker: LogChecker):
    what = f"{purpose} round {round_}"
    announced, performed, revealed = (found.get(kind, []) for kind in (ANNOUNCED, PERFORMED, REVEALED))
    if not announced:
        report.problems.append(f"{what}: {PERFORMED if performed else REVEALED} at seq "
                               f"{(performed or revealed)[0]['seq']} without a {ANNOUNCED} entry before it")
        return
    if len(announced) > 1:
        report.problems.append(f"{what}: announced {len(announced)} times (seq "
                               f"{', '.join(str(e['seq']) for e in announced)}): a draw is announced once, "
                               "else the station could keep the outcome it likes")
    a = announced[0]
    commitment = a["data"].get("commitment")
    version = a["data"].get("v", 1)  # version 1 announcements do not name it
    report.lines.append(f"Draw {code} {what}:")
    if type(version) is not int or version not in draws.VERSIONS:
        report.problems.append(f"{what}: announced with algorithm version {version!r}; this checker knows "
                               f"versions {', '.join(map(str, draws.VERSIONS))} (docs/draws.md)")
        return
    report.lines.append(f"  announced at seq {a['seq']} ({a['ts']}) by {a['actor'].get('name')}, "
                        f"commitment {_short(commitment)}, algorithm version {version}")
    extra = sorted(set(a["data"]) - _ANNOUNCED_KEYS[version] - {"v"})
    if extra:
        report.problems.append(f"{what}: the announcement publishes {extra}: it holds only "
                               f"{', '.join(sorted(_ANNOUNCED_KEYS[version]))} (the inputs are secret until revealed)")
    if version == 1:
        report.notes.append(f"{what}: version 1 draw: its seed was public as soon as the checkpoint was signed, "
                            "so anyone who guessed the pool could compute the draw before the reveal "
                            "(draws are version 2 since; docs/draws.md)")
    if not _is_hex64(commitment):
        report.problems.append(f"{what}: the announced commitment is not 64 lowercase hex digits")
        return

    position, signed = _first_after(history, a["seq"])
    if signed is None:
        report.notes.append(f"{what}: no checkpoint in the history covers the announcement yet "
                            "(fetch again later); the draw cannot have been performed")
        if performed:
            report.problems.append(f"{what}: performed at seq {performed[0]['seq']}, but no checkpoint covering "
                                   "the announcement is in the history")
        return
    cp = signed.checkpoint
    unreadable = [item for item in history[:position] if not isinstance(item, _Signed)]
    if unreadable:
        report.problems.append(f"{what}: the checkpoint history has unreadable items before the one used: "
                               f"{unreadable[0]}")
    if signed.signature.startswith("BAD"):
        report.problems.append(f"{what}: the checkpoint of tree size {cp.size} is not validly signed: "
                               f"{signed.signature[5:]}")
    if cp.size > checker.size:
        report.problems.append(f"{what}: the checkpoint has tree size {cp.size} but the export holds only "
                               f"{checker.size} entries: fetch the log again")
        return
    if checker.roots.get(cp.size) != cp.root:
        report.problems.append(f"{what}: the root of the checkpoint of tree size {cp.size} is not the root of "
                               "the export's first entries: the log is not the one that was signed")
        return
    report.lines.append(f"  seed checkpoint: tree size {cp.size}, the first after the announcement "
                        f"(signature {signed.signature}); its root matches the export")
    seed_v1 = draws.seed_v1(cp.root, code, commitment) if version == 1 else None

    if not performed:
        if version == 1:
            report.notes.append(f"{what}: not performed yet (it is, at the next tick after checkpoint "
                                f"{cp.size}); its seed will be {seed_v1.hex()}")
        else:
            report.notes.append(f"{what}: not performed yet (it is, at the next tick after checkpoint "
                                f"{cp.size}); its seed depends on that root and on the salt, secret until "
                                "the reveal")
        return
    if len(performed) > 1:
        report.problems.append(f"{what}: performed {len(performed)} times (seq "
                               f"{', '.join(str(e['seq']) for e in performed)})")
    p = performed[0]
    pdata = p["data"]
    ok = True
    if p["seq"] < cp.size:
        ok = False
        report.problems.append(f"{what}: performed at seq {p['seq']}, inside the checkpoint (size {cp.size}) "
                               "whose root it claims to use: it was written before that root existed")
    if pdata.get("commitment") != commitment:
        ok = False
        report.problems.append(f"{what}: the performed entry names commitment {_short(pdata.get('commitment'))}, "
                               f"the announcement {_short(commitment)}")
    if pdata.get("checkpoint_size") != cp.size:
        ok = False
        report.problems.append(f"{what}: the performed entry used the checkpoint of tree size "
                               f"{pdata.get('checkpoint_size')!r}; the first checkpoint after the announcement "
                               f"has tree size {cp.size}")
    extra = sorted(set(pdata) - _PERFORMED_KEYS[version])
    if version == 1:
        if pdata.get("seed") != seed_v1.hex():
            ok = False
            report.problems.append(f"{what}: seed differs: the ledger says {pdata.get('seed')}, recomputed "
                                   f"{seed_v1.hex()}")
    else:
        if pdata.get("v") != version:
            ok = False
            report.problems.append(f"{what}: the performed entry names version {pdata.get('v')!r}, the "
                                   f"announcement {version}")
        if pdata.get("checkpoint_root") != cp.root.hex():
            ok = False
            report.problems.append(f"{what}: the performed entry names root {_short(pdata.get('checkpoint_root'))}; "
                                   f"the checkpoint of tree size {cp.size} has root {_short(cp.root.hex())}")
        if extra:
            ok = False
            report.problems.append(f"{what}: the performed entry publishes {extra}: before the reveal it holds "
                                   f"only {', '.join(sorted(_PERFORMED_KEYS[version]))} (the seed and the "
                                   "salt would let anyone compute the draw)")
    if ok and version == 1:
        report.lines.append(f"  performed at seq {p['seq']}: checkpoint and seed match "
                            f"(seed {_short(seed_v1.hex())})")
    elif ok:
        report.lines.append(f"  performed at seq {p['seq']}: checkpoint and its root match "
                            f"(root {_short(cp.root.hex())}); the seed stays secret until the reveal")

    if not revealed:
        report.notes.append(f"{what}: not revealed yet (inputs and result stay secret until quotes open for "
                            "suppliers, until the result for experts); "
                            + ("the seed is confirmed" if version == 1 else
                               "the checkpoint that fixes the seed is confirmed; the draw itself cannot be "
                               "computed before the salt is revealed"))
        return
    if len(revealed) > 1:
        report.problems.append(f"{what}: revealed {len(revealed)} times")
    r = revealed[0]
    rdata = r["data"]
    if r["seq"] < p["seq"]:
        report.problems.append(f"{what}: revealed at seq {r['seq']}, before it was performed")
    if rdata.get("v", 1) != version:
        report.problems.append(f"{what}: the revealed entry names version {rdata.get('v', 1)!r}, the "
                               f"announcement {version}")
        return
    inputs = {"v": version, "code": code, "round": round_, "purpose": purpose,
              **{k: rdata.get(k) for k in ("count", "candidates", "excluded", "salt")}}
    try:
        recomputed = draws.compute_commitment(inputs)
    except draws.DrawError as exc:
        report.problems.append(f"{what}: the revealed inputs are not in their published form: {exc}")
        return
    if recomputed != commitment:
        report.problems.append(f"{what}: the revealed inputs do not match the announcement: their commitment is "
                               f"{recomputed}, the announced one {commitment} (the inputs were changed)")
        return
    seed = draws.compute_seed(cp.root, inputs)
    excluded = inputs["excluded"]
    report.lines.append(f"  revealed at seq {r['seq']}: the inputs match the commitment; "
                        f"{len(inputs['candidates'])} candidates, {len(excluded)} recused"
                        + (f" ({', '.join(e['number'] + ': ' + e['reason'] for e in excluded)})" if excluded else ""))
    if version != 1:
        if rdata.get("seed") != seed.hex():
            report.problems.append(f"{what}: seed differs: the revealed entry says {rdata.get('seed')}, "
                                   f"recomputed from the checkpoint root and the salt {seed.hex()}")
        else:
            report.lines.append(f"  seed recomputed from the checkpoint root and the salt: {_short(seed.hex())}: "
                                "the same")
    result = draws.select(seed, inputs["candidates"], inputs["count"])
    if rdata.get("result") != result:
        published = rdata.get("result")
        shown = ", ".join(map(str, published)) if isinstance(published, list) else repr(published)
        report.problems.append(f"{what}: the published result [{shown}] is not what the seed draws: "
                               f"[{', '.join(result)}]")
    else:
        report.lines.append(f"  result recomputed: {', '.join(result)} (in the order drawn): the same")


def _is_hex64(s) -> bool:
    return isinstance(s, str) and len(s) == 64 and all(c in "0123456789abcdef" for c in s)


# --- the whole check ------------------------------------------------------------------------

def verify_draws(entries_path: str, checkpoints_path: str, code: str, *, round: int | None = None,
                 purpose: str | None = None, key: str | None = None, workers: int | None = None) -> DrawReport:
    """Check the draws of `code` (or the one of `round` and `purpose`); UsageError for bad input."""
    verifier = _load_key(key)
    if not os.path.isfile(entries_path):
        raise UsageError(f"no such file: {entries_path}")
    history = _load_checkpoints(checkpoints_path, verifier)
    report = DrawReport(code)
    if verifier is None:
        report.notes.append("no --key: checkpoint signatures are not checked; give the key the county "
                            "published to check that the station signed them")

    groups: dict[tuple[str, int], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    found, lines = _draw_entries(entries_path, code)
    for entry in found:
        data = entry.get("data") if isinstance(entry.get("data"), dict) else {}
        groups[(str(data.get("purpose")), data.get("round"))][entry["kind"]].append(entry)
    wanted = {k: v for k, v in groups.items()
              if (purpose is None or k[0] == purpose) and (round is None or k[1] == round)}
    if not wanted:
        asked = " ".join(x for x in (purpose, None if round is None else f"round {round}") if x)
        raise UsageError(f"the export has no draw of {code}{' ' + asked if asked else ''}")

    sizes = []
    for kinds in wanted.values():
        if kinds.get(ANNOUNCED):
            _pos, signed = _first_after(history, kinds[ANNOUNCED][0]["seq"])
            if signed is not None:
                sizes.append(signed.checkpoint.size)
    # The newest checkpoint the export reaches: its root proves every entry before it is
    # the one that was signed (the draw's later entries too, not only its announcement).
    covering = max((item for item in history if isinstance(item, _Signed) and item.checkpoint.size <= lines),
                   key=lambda item: item.checkpoint.size, default=None)
    checker = LogChecker()
    checker.want_root_at(sizes + ([covering.checkpoint.size] if covering else []))
    try:
        check_file(checker, entries_path, workers=workers)
    except VerifyError as exc:
        report.problems.append(f"the export itself is broken: {exc} (python -m ledger.verify says more)")
        return report
    except OSError as exc:
        raise UsageError(f"cannot read {entries_path}: {exc}") from None
    report.lines.append(f"Export: {checker.size} entries, canonical and hash-chained.")
    if covering is not None:
        cp = covering.checkpoint
        if checker.roots.get(cp.size) != cp.root:
            report.problems.append(f"the export's first {cp.size} entries are not the ones the checkpoint of that "
                                   "tree size signed: the log was changed after it was signed")
        elif covering.signature.startswith("BAD"):
            report.problems.append(f"the checkpoint of tree size {cp.size} is not validly signed: "
                                   f"{covering.signature[5:]}")
        else:
            report.lines.append(f"The newest checkpoint the export reaches (tree size {cp.size}, signature "
                                f"{covering.signature}) matches it.")
        if cp.size < checker.size:
            report.notes.append(f"entries from seq {cp.size} on are not covered by a checkpoint in the history "
                                "(fetch again later to have them covered)")
    else:
        report.notes.append("no checkpoint in the history covers any of the export")
    sizes_seen = [item.checkpoint.size for item in history if isinstance(item, _Signed)]
    if sizes_seen != sorted(set(sizes_seen)):
        report.problems.append("the checkpoint history is not in increasing tree size, oldest first")
    for (p, r), found in sorted(wanted.items(), key=lambda kv: (str(kv[0][1]), kv[0][0])):
        _check_draw(report, code, p, r, found, history, checker)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bidding.draw_verify",
        description="Recompute a station's random draw from its public ledger (docs/draws.md).",
    )
    parser.add_argument("--entries", required=True, help="the export: entries.jsonl from python -m ledger.fetch")
    parser.add_argument("--checkpoints", required=True, help="checkpoints.json from python -m ledger.fetch")
    parser.add_argument("--code", required=True, help="the transaction code, e.g. JY-2026-0001")
    parser.add_argument("--round", type=int, help="only the draw of this round")
    parser.add_argument("--purpose", choices=["experts", "suppliers"], help="only the draw for this purpose")
    parser.add_argument("--key", help="the verifier key string, or a file holding it (checks the signatures)")
    parser.add_argument("--workers", type=int, default=None, help="processes for the log check (default: cores)")
    args = parser.parse_args(argv)
    try:
        report = verify_draws(args.entries, args.checkpoints, args.code, round=args.round, purpose=args.purpose,
                              key=args.key, workers=args.workers)
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
