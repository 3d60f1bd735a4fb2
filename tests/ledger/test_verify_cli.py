"""The offline verifier: accepts the vectors, catches every tampering, fast path == reference."""

import bisect
import hashlib
import io
import json
import subprocess
import sys
import unicodedata
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.core.checkpoint import format_checkpoint, format_receipt, parse_checkpoint
from ledger.core.entry import ZERO_HASH_HEX, leaf_hash, make_entry
from ledger.core.jcs import canonical_bytes
from ledger.core.merkle import root
from ledger.core.note import Signer, Verifier, open_note
from ledger.verify import LogChecker, VerifyError, check_bytes, check_file, main, verify_files

ROOT = Path(__file__).resolve().parents[2]
V = Path(__file__).parent / "kat" / "ledger-vectors"
DATA = (V / "entries.jsonl").read_bytes()
LINES = DATA.split(b"\n")[:-1]
KEY = (V / "key").read_text().strip()
VERIFIER = Verifier.from_string(KEY)
SIGNER = Signer.from_seed("trading.localhost/ledger", bytes.fromhex((V / "signing-seed.hex").read_text().strip()))
CHECKPOINT_ROOT = parse_checkpoint(open_note((V / "checkpoint").read_bytes(), VERIFIER)).root
RECEIPTS = [str(V / f"receipt{i}") for i in range(3)]


def run(*argv) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


def write(tmp_path, name, content) -> str:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(path)


# The vectors --------------------------------------------------------------------------------


def test_the_vector_export_with_checkpoint_old_and_receipts_is_accepted():
    code, out = run("--entries", str(V / "entries.jsonl"), "--key", KEY, "--checkpoint", str(V / "checkpoint"),
                    "--old", str(V / "old"), *sum((["--receipt", r] for r in RECEIPTS), []))
    assert code == 0, out
    assert "RESULT: OK" in out and "Entries checked: 37 (seq 0 to 36)" in out
    assert "TB2aFr090ELu+eFB4fjAhRSzbS6Ki43vZiw305xGPbE=" in out
    assert "it covers all 37 entries" in out and "Older checkpoint" in out
    assert out.count("listed in bids.closed at seq 34") == 3


def test_key_may_be_given_as_a_file():
    code, out = run("--entries", str(V / "entries.jsonl"), "--key", str(V / "key"), "--checkpoint", str(V / "checkpoint"))
    assert code == 0 and "RESULT: OK" in out


def test_log_checker_api():
    checker = LogChecker()
    checker.want_root_at({0, 18, 37})
    assert checker.roots == {0: root([])}
    for line in LINES:
        checker.add(line)
    assert checker.size == 37 and checker.root() == CHECKPOINT_ROOT
    assert checker.roots[18] == root([leaf_hash(x) for x in LINES[:18]])
    assert checker.roots[37] == CHECKPOINT_ROOT
    assert [seq for seq, _ in checker.bids_closed["JY-2026-0002"]] == [34]
    with pytest.raises(VerifyError) as exc:
        checker.add(LINES[0])
    assert exc.value.seq == 37 and str(exc.value).startswith("seq 37: ")
    fast = LogChecker()
    fast.add_many(LINES)
    assert fast.root() == checker.root() and fast.size == 37


# Every byte of the export -------------------------------------------------------------------

OFFSETS = [0]
for _line in LINES:
    OFFSETS.append(OFFSETS[-1] + len(_line) + 1)


def _snapshots():
    checker = LogChecker()
    checker.want_root_at([len(LINES)])
    snaps = [checker.copy()]
    for line in LINES:
        checker.add(line)
        snaps.append(checker.copy())
    return snaps


SNAPSHOTS = _snapshots()


def first_bad_seq(data: bytes, start_line: int, fast: bool):
    """Where a verifier with the checkpoint stops on `data`, given lines before start_line are intact."""
    checker = SNAPSHOTS[start_line].copy()
    try:
        check_bytes(checker, data[OFFSETS[start_line] :], fast=fast)
    except VerifyError as exc:
        return exc.seq
    if checker.size != len(LINES) or checker.roots.get(len(LINES)) != CHECKPOINT_ROOT:
        return min(checker.size, len(LINES) - 1)  # as verify_files reports a root mismatch
    return None


def printable_other(b: int) -> int:
    return 0x41 if b != 0x41 else 0x42


@pytest.mark.parametrize("fast", [False, True], ids=["reference", "fast"])
@pytest.mark.parametrize("change", [lambda b: b ^ 0x01, printable_other], ids=["xor1", "printable"])
def test_every_single_byte_change_is_caught_at_its_line_or_the_next(fast, change):
    missed = []
    for i in range(len(DATA)):
        line = bisect.bisect_right(OFFSETS, i) - 1
        data = DATA[:i] + bytes([change(DATA[i])]) + DATA[i + 1 :]
        seq = first_bad_seq(data, line, fast)
        if seq not in (line, line + 1):
            missed.append((i, line, seq))
    assert not missed, missed[:10]


def test_the_whole_verifier_names_the_same_seq_for_a_sample_of_changes(tmp_path):
    for i in range(0, len(DATA), 211):
        line = bisect.bisect_right(OFFSETS, i) - 1
        data = DATA[:i] + bytes([DATA[i] ^ 0x01]) + DATA[i + 1 :]
        report = verify_files(write(tmp_path, "e.jsonl", data), KEY, str(V / "checkpoint"))
        assert not report.ok and report.first_bad_seq in (line, line + 1), (i, report.problems)
        assert report.problems[0].startswith(f"seq {report.first_bad_seq}: ")


# Whole-line tampering -----------------------------------------------------------------------


def verify(tmp_path, lines_or_data, *extra):
    data = lines_or_data if isinstance(lines_or_data, bytes) else b"".join(x + b"\n" for x in lines_or_data)
    return run("--entries", write(tmp_path, "entries.jsonl", data), "--key", KEY, *extra)


def test_a_dropped_line_is_named(tmp_path):
    code, out = verify(tmp_path, LINES[:10] + LINES[11:])
    assert code == 1 and "seq 10: seq is 11, expected 10" in out


def test_swapped_lines_are_named(tmp_path):
    lines = list(LINES)
    lines[5], lines[6] = lines[6], lines[5]
    code, out = verify(tmp_path, lines)
    assert code == 1 and "seq 5: seq is 6, expected 5" in out


def test_a_truncated_file_is_named(tmp_path):
    code, out = verify(tmp_path, DATA[: OFFSETS[20] + 40])
    assert code == 1 and "seq 20: the last line has no newline" in out
    code, out = verify(tmp_path, DATA[: OFFSETS[20]], "--checkpoint", str(V / "checkpoint"))
    assert code == 1 and "signed for 37 entries but the export holds only 20" in out


def test_crlf_line_endings_are_refused(tmp_path):
    code, out = verify(tmp_path, DATA.replace(b"\n", b"\r\n"))
    assert code == 1 and "seq 0: the line ends with a carriage return" in out


def test_entries_beyond_the_checkpoint_are_reported_not_covered(tmp_path):
    code, out = verify(tmp_path, DATA, "--checkpoint", str(V / "old"))
    assert code == 0 and "covers the first 18 of the 37 entries" in out
    assert "entries seq 18 to 36 are not covered" in out


def test_a_rewritten_last_entry_is_named_by_the_root(tmp_path):
    last = json.loads(LINES[-1])
    last["data"]["note"] = "改过的"
    code, out = verify(tmp_path, LINES[:-1] + [canonical_bytes(last)], "--checkpoint", str(V / "checkpoint"))
    assert code == 1 and "seq 36: the tree root of the first 37 entries differs" in out


def test_a_checkpoint_signed_by_another_key_is_refused(tmp_path):
    other = Signer.generate("trading.localhost/ledger")
    note = other.sign_note(format_checkpoint("trading.localhost/ledger", 37, CHECKPOINT_ROOT))
    code, out = verify(tmp_path, DATA, "--checkpoint", write(tmp_path, "cp", note))
    assert code == 1 and "not a valid note signed by trading.localhost/ledger" in out


def test_a_checkpoint_for_another_origin_is_refused(tmp_path):
    note = SIGNER.sign_note(format_checkpoint("elsewhere/ledger", 37, CHECKPOINT_ROOT))
    code, out = verify(tmp_path, DATA, "--checkpoint", write(tmp_path, "cp", note))
    assert code == 1 and "origin 'elsewhere/ledger' is not the key's name" in out


def test_an_old_checkpoint_that_is_not_a_prefix_means_rewritten_history(tmp_path):
    forged_root = root([leaf_hash(b"x")] * 18)
    note = SIGNER.sign_note(format_checkpoint("trading.localhost/ledger", 18, forged_root))
    code, out = verify(tmp_path, DATA, "--checkpoint", str(V / "checkpoint"), "--old", write(tmp_path, "old", note))
    assert code == 1 and "seq 17: the first 18 entries are not the ones the older checkpoint signed" in out


def test_a_receipt_missing_from_bids_closed_is_misconduct(tmp_path):
    missing = hashlib.sha256(b"an envelope the station accepted and then dropped").hexdigest()
    note = SIGNER.sign_note(format_receipt("trading.localhost/ledger", "JY-2026-0002", missing, "2026-11-28T01:00:13.000000Z"))
    code, out = verify(tmp_path, DATA, "--checkpoint", str(V / "checkpoint"), "--receipt", write(tmp_path, "r", note))
    assert code == 1 and "MISCONDUCT: receipt" in out and missing in out and "(seq 34)" in out


def test_a_receipt_before_bids_close_is_reported_as_not_yet_checkable(tmp_path):
    note = SIGNER.sign_note(format_receipt("trading.localhost/ledger", "JY-2026-0001", "ab" * 32, "2026-11-28T01:00:13.000000Z"))
    code, out = verify(tmp_path, DATA, "--receipt", write(tmp_path, "r", note))
    assert code == 0 and "no bids.closed entry for JY-2026-0001 yet" in out


def test_a_receipt_signed_by_another_key_is_refused(tmp_path):
    other = Signer.generate("trading.localhost/ledger")
    note = other.sign_note(format_receipt("trading.localhost/ledger", "JY-2026-0002", "ab" * 32, "2026-11-28T01:00:13.000000Z"))
    code, out = verify(tmp_path, DATA, "--receipt", write(tmp_path, "r", note))
    assert code == 1 and "receipt" in out and "not a valid note signed by" in out


def test_command_line_exit_codes(tmp_path):
    def cli(*argv):
        return subprocess.run([sys.executable, "-m", "ledger.verify", *argv], cwd=ROOT, capture_output=True, text=True)

    ok = cli("--entries", str(V / "entries.jsonl"), "--key", KEY, "--checkpoint", str(V / "checkpoint"), "--receipt", RECEIPTS[0])
    assert ok.returncode == 0 and "RESULT: OK" in ok.stdout
    bad = cli("--entries", write(tmp_path, "e", DATA.replace(b'"seq":7,', b'"seq":8,')), "--key", KEY)
    assert bad.returncode == 1 and "seq 7: seq is 8, expected 7" in bad.stdout
    assert cli("--entries", str(tmp_path / "missing.jsonl"), "--key", KEY).returncode == 2
    assert cli("--entries", str(V / "entries.jsonl"), "--key", "not a key").returncode == 2
    assert cli("--entries", str(V / "entries.jsonl")).returncode == 2


# The fast path gives the reference's verdict --------------------------------------------------

SUBJECTS = ["JY-2026-0001", "JY-2026-0002", "招标/2026-7", 'with "quote"', "tab\tin"]
STAGES = ["draft", "submitted", "open", "closed", "archived"]
TRICKY = ["\n", "\t", "\x00", "\x1f", '"', "\\", "/", "\x7f", "\u2028", "😀", "中", "é", "e\u0301", "\n\u0301", "A", ",", ":", "{"]
texts = st.lists(st.one_of(st.sampled_from(TRICKY), st.characters(exclude_categories=("Cs",))), max_size=8).map(
    lambda parts: unicodedata.normalize("NFC", "".join(parts))
)
keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-.0123456789", min_size=1, max_size=6)
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def logs(draw):
    lines, prev, stage = [], ZERO_HASH_HEX, {}
    micros = 0
    for seq in range(draw(st.integers(1, 14))):
        micros += draw(st.sampled_from([0, 1, 999_999, 61_000_000]))
        seconds, fraction = divmod(micros, 1_000_000)
        stamp = f"2027-01-15T08:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{fraction:06d}Z"
        kind = draw(st.sampled_from(["transition"] * 4 + ["bids.closed", "document.published"]))
        subject = draw(st.sampled_from(SUBJECTS))
        if kind == "transition":
            to = draw(st.sampled_from(STAGES))
            data = {k: v for k, v in draw(st.dictionaries(keys, values, max_size=2)).items()}
            data.update(type=draw(st.sampled_from(["inquiry", "tender", "asset_sale"])), action="to_" + to, to=to)
            data["from"] = stage.get(subject)
            stage[subject] = to
        elif kind == "bids.closed":
            cs = sorted({hashlib.sha256(b).hexdigest() for b in draw(st.lists(st.binary(max_size=2), max_size=3))})
            data = {"count": len(cs), "commitments": cs, "deadline": stamp}
        else:
            data = draw(st.dictionaries(keys, values, max_size=3))
        actor = {"role": draw(st.sampled_from(["clerk", "system"])), "name": draw(texts)}
        body = canonical_bytes(make_entry(seq=seq, ts=stamp, prev=prev, kind=kind, subject=subject, actor=actor, data=data))
        lines.append(body)
        prev = leaf_hash(body).hex()
    return lines


def rechain(lines, start):
    """Give the lines after `start` correct prev links again, so only the change itself is wrong."""
    out = list(lines)
    for i in range(max(start, 0) + 1, len(out)):
        try:
            obj = json.loads(out[i])
            obj["prev"] = leaf_hash(out[i - 1]).hex()
            out[i] = canonical_bytes(obj)
        except (ValueError, TypeError, KeyError):
            pass
    return out


def noncanonical(obj, **kw):
    return json.dumps(obj, ensure_ascii=False, **kw).encode()


def mutations(line: bytes):
    """Ways to spoil one line, most of them keeping its meaning (only its bytes are wrong)."""
    obj = json.loads(line)
    yield line.replace(b":", b": ", 1)
    yield line.replace(b",", b" ,", 1)
    yield b" " + line
    yield line + b"\r"
    yield noncanonical(obj, separators=(",", ":"))  # keys unsorted
    yield noncanonical(dict(reversed(list(obj.items()))), sort_keys=False, separators=(",", ":"))
    yield json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()  # \uXXXX for non-ASCII
    yield line.replace(b"/", b"\\/", 1)
    yield line.replace(b"A", b"\\u0041", 1)
    yield line.replace(b"\\u001f", b"\\u001F", 1)
    yield line.replace(b"\\n", b"\\u000a", 1)
    yield line.replace(b'"v":1}', b'"v":1.0}')
    yield line.replace(b'"v":1}', b'"v":1,"v":1}')
    yield line.replace(b'"v":1}', b'"v":01}')
    yield line.replace(b'"seq":0,', b'"seq":-0,')
    yield line.replace("é".encode(), "e\u0301".encode(), 1)
    yield line.replace(b'"prev":"', b'"prev":"A', 1)[:-1]
    yield line.replace(b"}", b"}\n{", 1)
    for key, value in [("v", 2), ("seq", obj["seq"] + 1), ("ts", "2027-01-15T07:00:00.000000Z"), ("ts", "2027-02-30T08:00:00.000000Z")]:
        yield canonical_bytes({**obj, key: value})
    if obj["kind"] == "transition":
        yield canonical_bytes({**obj, "data": {**obj["data"], "from": "nowhere"}})
        yield canonical_bytes({**obj, "data": {**obj["data"], "from": None}})
        yield canonical_bytes({**obj, "data": {**obj["data"], "type": "auction"}})
    if obj["kind"] == "bids.closed":
        cs = obj["data"]["commitments"]
        yield canonical_bytes({**obj, "data": {**obj["data"], "count": len(cs) + 1}})
        if len(cs) > 1:
            yield canonical_bytes({**obj, "data": {**obj["data"], "commitments": cs[::-1]}})
    yield noncanonical({**obj, "data": {**obj["data"], "zz": "e\u0301"}}, sort_keys=True, separators=(",", ":"))
    yield canonical_bytes({**obj, "data": {**obj["data"], "zz": 2**53 - 1}}).replace(b"9007199254740991", b"9007199254740993")


@st.composite
def exports(draw):
    lines = draw(logs())
    how = draw(st.sampled_from(["none", "byte", "drop", "swap", "duplicate", "line", "line"]))
    k = draw(st.integers(0, len(lines) - 1))
    if how == "byte":
        data = b"".join(x + b"\n" for x in lines)
        i = draw(st.integers(0, len(data) - 1))
        return data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1 :]
    if how == "drop":
        lines = lines[:k] + lines[k + 1 :]
    elif how == "swap" and len(lines) > 1:
        j = draw(st.integers(0, len(lines) - 1))
        lines[k], lines[j] = lines[j], lines[k]
    elif how == "duplicate":
        lines.insert(k, lines[k])
    elif how == "line":
        options = [m for m in mutations(lines[k]) if m != lines[k]]
        if options:
            lines[k] = draw(st.sampled_from(options))
    if draw(st.booleans()):
        lines = rechain(lines, k)
    return b"".join(x + b"\n" for x in lines)


def outcome(data: bytes, **kw):
    checker = LogChecker()
    checker.want_root_at([3])
    try:
        check_bytes(checker, data, **kw)
    except VerifyError as exc:
        return ("bad", exc.seq, exc.message)
    return ("ok", checker.size, checker.root(), checker.roots, checker.bids_closed)


@settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(exports(), st.sampled_from([1, 200, 700, 1 << 20]))
def test_fast_path_gives_the_reference_verdict_and_first_bad_seq(data, chunk_size):
    assert outcome(data, fast=True, chunk_size=chunk_size) == outcome(data, fast=False)


def test_fast_path_on_worker_processes_gives_the_reference_verdict(tmp_path):
    # A longer log, cut into many chunks for two workers, intact and spoiled in a few ways.
    lines, prev = [], ZERO_HASH_HEX
    for seq in range(3000):
        subject = f"JY-2026-{seq % 37:04d}"
        data = {"type": "tender", "action": "step", "from": None if seq < 37 else "s", "to": "s", "note": f"第{seq}号"}
        if seq % 50 == 7:
            data["note"] += '"引号"'
        body = canonical_bytes(make_entry(seq=seq, ts="2027-01-15T08:00:00.000000Z", prev=prev, kind="transition",
                                          subject=subject, actor={"role": "clerk", "name": "王明"}, data=data))
        lines.append(body)
        prev = leaf_hash(body).hex()
    good = b"".join(x + b"\n" for x in lines)
    spoiled = [
        good,
        good.replace(b'"seq":2345,', b'"seq":2346,'),
        good.replace("第1999号".encode(), "第1990号".encode()),
        good[:-5],
        good.replace(b'"from":"s","note":"\xe7\xac\xac2500', b'"from":null,"note":"\xe7\xac\xac2500'),
    ]
    for data in spoiled:
        path = write(tmp_path, "big.jsonl", data)
        expected = outcome(data, fast=False)
        checker = LogChecker()
        checker.want_root_at([3])
        try:
            check_file(checker, path, workers=2, chunk_size=20_000)
            got = ("ok", checker.size, checker.root(), checker.roots, checker.bids_closed)
        except VerifyError as exc:
            got = ("bad", exc.seq, exc.message)
        assert got == expected


def test_the_fast_path_proves_ordinary_lines_without_the_reference(monkeypatch):
    from ledger.verify import checker as checker_module
    from ledger.verify import fast, reference

    check_bytes(LogChecker(), DATA)  # learn the shapes once
    calls = []
    original = reference._check_line
    for module in (checker_module, fast):  # LogChecker.add and the fast path's fallback
        monkeypatch.setattr(module, "_check_line", lambda body: calls.append(body) or original(body))
    checker = LogChecker()
    check_bytes(checker, DATA)
    assert checker.root() == CHECKPOINT_ROOT and calls == []


def test_a_valid_line_whose_bytes_are_not_nfc_is_accepted_by_both_paths():
    # "\n" then a combining acute: NFC as a string, but its canonical bytes write "\n" as
    # backslash-n, and "n" + U+0301 composes: the line as a whole is not NFC. Still valid.
    entry = make_entry(seq=0, ts="2027-01-15T08:00:00.000000Z", prev=ZERO_HASH_HEX, kind="document.published",
                       subject="JY-2026-0001", actor={"role": "clerk", "name": "王明"}, data={"title": "\n\u0301"})
    line = canonical_bytes(entry)
    assert not unicodedata.is_normalized("NFC", line.decode())
    for fast in (True, False):
        checker = LogChecker()
        check_bytes(checker, line + b"\n", fast=fast)
        assert checker.size == 1
