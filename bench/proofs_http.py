"""Benchmark 4, proofs over HTTP: a log of 1,000,000 entries (100,000 with --quick) in the
bench database, served by gunicorn (2 sync workers, production settings); one client
measures the latency of

    GET /ledger/proof/inclusion?index=I&size=N      (random I over the whole log)
    GET /ledger/proof/consistency?old=M&new=N       (random M over the whole log)

against `GET /ledger/key` on the same server in the same run (a request that touches no
table: what Django and gunicorn cost by themselves). The three kinds are interleaved in
random order, so drift and noise hit them alike. Ratios: proof / key, of the mean and the
p50 (the target is on the mean).

The log is filled fast, as a busy station would have recorded it: recorded (pending)
entries are bulk-inserted in chunks and `ledger_sequence_pending(batch=5000)` takes them in;
a checkpoint is signed every ~100,000 entries and at the end.

A sample of the answers is checked the way an outside verifier would: the checkpoint's
signature with the published key, `verify_inclusion` / `verify_consistency` against the
signed roots, every sampled leaf hash against SHA-256(0x00 || the entry's bytes from
/ledger/entries), and the signed roots themselves against a Merkle tree rebuilt here from
every leaf hash in the database.
"""

import hashlib
import http.client
import json
import random
import time

from .common import (
    PYTHON,
    ROOT,
    Stopwatch,
    fmt_ms,
    log,
    result,
    start_gunicorn,
    summary,
)
from .sequencing import add_pending, payloads

TARGET = 2.0
CHECKPOINT_EVERY = 100_000
CHUNK = 50_000


def sizes(quick):
    if quick:
        return {"entries": 100_000, "requests": 400, "warmup": 50, "validate": 50}
    return {"entries": 1_000_000, "requests": 2000, "warmup": 200, "validate": 200}


# --- the log --------------------------------------------------------------------------------------


def fill(target):
    """Grow the log to `target` entries; returns timing figures."""
    from django.db import connection

    from ledger.selectors import ledger_size
    from ledger.sequencer import ledger_sequence_pending, ledger_sign_checkpoint

    start_size = ledger_size()
    missing = target - start_size
    if missing <= 0:
        return {"entries_added": 0}
    texts_check = payloads(300, seed=99)
    from .sequencing import check_payloads

    check_payloads(texts_check)
    insert_s = sequence_s = sign_s = generate_s = 0.0
    next_checkpoint = (start_size // CHECKPOINT_EVERY + 1) * CHECKPOINT_EVERY
    serial = 1_000_000  # subject codes apart from benchmark 2's
    added = 0
    started = time.perf_counter()
    while added < missing:
        n = min(CHUNK, missing - added)
        with Stopwatch() as sw:
            # A different seed and code range per chunk: every subject's path stays valid.
            texts = payloads(n, seed=serial, serial_start=serial)
        generate_s += sw.seconds
        serial += n
        with Stopwatch() as sw:
            add_pending(texts)
        insert_s += sw.seconds
        with Stopwatch() as sw:
            while ledger_sequence_pending(batch=5000):
                pass
        sequence_s += sw.seconds
        added += n
        if start_size + added >= next_checkpoint or added == missing:
            with Stopwatch() as sw:
                ledger_sign_checkpoint()
            sign_s += sw.seconds
            next_checkpoint += CHECKPOINT_EVERY
        if added % 200_000 == 0 or added == missing:
            elapsed = time.perf_counter() - started
            log(f"proofs: log filled to {start_size + added:,} entries ({elapsed:.0f} s; "
                f"sequencing {added / sequence_s:,.0f} entries/s)")
    total = time.perf_counter() - started
    with Stopwatch() as sw, connection.cursor() as cursor:
        # What autovacuum would soon have done after such a load.
        cursor.execute("VACUUM (ANALYZE) ledger_entry")
        cursor.execute("VACUUM (ANALYZE) ledger_pendingentry")
    return {
        "entries_added": added,
        "fill_seconds": total,
        "generate_payloads_seconds": generate_s,
        "insert_pending_seconds": insert_s,
        "sequence_seconds": sequence_s,
        "sign_seconds": sign_s,
        "sequenced_per_s": added / sequence_s,
        "vacuum_analyze_seconds": sw.seconds,
    }


# --- the client -------------------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP/1.1 connection (http.client reconnects by itself when the server
    closes it: gunicorn's sync workers answer `Connection: close`)."""

    def __init__(self, port):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path):
        started = time.perf_counter()
        try:
            self.connection.request("GET", path, headers={"Connection": "keep-alive"})
            response = self.connection.getresponse()
            body = response.read()
        except (http.client.HTTPException, ConnectionError):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            raise
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")
        return body, elapsed

    def close(self):
        self.connection.close()


def start_server(session):
    return start_gunicorn(session.start, ["--workers", "2"])


# --- checking the answers ---------------------------------------------------------------------------------


class TreeFromLeaves:
    """Every level of the Merkle tree, rebuilt here from the leaf hashes in the database
    (independently of the stored subtree hashes the server answers from)."""

    def __init__(self, size):
        from django.db import connection

        from ledger.core import merkle

        leaves = []
        with connection.cursor() as cursor:
            cursor.execute("SELECT leaf_hash FROM ledger_entry WHERE seq < %s ORDER BY seq", [size])
            while rows := cursor.fetchmany(50_000):
                leaves.extend(bytes(row[0]) for row in rows)
        if len(leaves) != size:
            raise AssertionError(f"{len(leaves)} leaves for a log of {size}")
        self.levels = [leaves]
        while len(self.levels[-1]) > 1:
            self.levels.append(merkle._hash_pairs(self.levels[-1]))
        self._merkle = merkle

    def read_nodes(self, nodes):
        return [self.levels[level][k] for level, k in nodes]

    def root(self, size):
        return self._merkle.tree_root(size, self.read_nodes)


def published_checkpoint(client):
    """The latest checkpoint and every older one, each opened with the published key;
    also the raw key and notes (for the offline verifier)."""
    from ledger.core.checkpoint import parse_checkpoint
    from ledger.core.note import Verifier, open_note

    key, _ = client.get("/ledger/key")
    verifier = Verifier.from_string(key.decode().strip())
    note, _ = client.get("/ledger/checkpoint")
    checkpoint = parse_checkpoint(open_note(note, verifier))
    listed, _ = client.get("/ledger/checkpoints?after=0")
    notes = json.loads(listed)["checkpoints"]
    older = [parse_checkpoint(open_note(n, verifier)) for n in notes]
    raw = {"key": key.decode(), "note": note.decode(), "older_notes": notes}
    return checkpoint, older, raw


def offline_verify(session, size, raw):
    """The whole bench log, as /ledger/entries would export it (each entry's stored bytes
    and a newline), checked by `python -m ledger.verify` against the latest signed
    checkpoint and an older one. Read from the database in ranges (faster than 1,000
    requests of 1,000 entries; the same bytes)."""
    import subprocess

    from django.db import connection

    folder = session.tmp / "export"
    folder.mkdir(exist_ok=True)
    entries, key, checkpoint = folder / "entries.jsonl", folder / "key", folder / "checkpoint"
    with Stopwatch() as dump, open(entries, "wb") as out, connection.cursor() as cursor:
        for start in range(0, size, 50_000):
            cursor.execute("SELECT body FROM ledger_entry WHERE seq >= %s AND seq < %s ORDER BY seq",
                           [start, min(start + 50_000, size)])
            out.write(b"".join(bytes(body) + b"\n" for (body,) in cursor.fetchall()))
    key.write_text(raw["key"])
    checkpoint.write_text(raw["note"])
    argv = [PYTHON, "-m", "ledger.verify", "--entries", str(entries), "--key", str(key),
            "--checkpoint", str(checkpoint)]
    middle = [n for n in raw["older_notes"] if n != raw["note"]]
    if middle:
        old = folder / "old-checkpoint"
        old.write_text(middle[len(middle) // 2])
        argv += ["--old", str(old)]
    with Stopwatch() as check:
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    entries.unlink()
    output = (done.stdout + done.stderr).strip()
    return {"ok": done.returncode == 0, "exit": done.returncode, "dump_seconds": dump.seconds,
            "verify_seconds": check.seconds, "output": output[-2000:]}


def validate(client, checkpoint, older, inclusion_answers, consistency_answers, tree):
    """Raises AssertionError on the first wrong answer; returns how many were checked."""
    from ledger.core import merkle

    size, root = checkpoint.size, checkpoint.root
    assert tree.root(size) == root, "the signed root is not the tree of the stored leaf hashes"
    checked = 0
    for answer in inclusion_answers:
        index = answer["index"]
        leaf = bytes.fromhex(answer["leaf_hash"])
        path = [bytes.fromhex(h) for h in answer["path"]]
        assert answer["size"] == size
        assert merkle.verify_inclusion(index, size, leaf, path, root), f"inclusion proof of {index} fails"
        body, _ = client.get(f"/ledger/entries?start={index}&limit=1")
        assert hashlib.sha256(b"\x00" + body.rstrip(b"\n")).digest() == leaf, f"leaf hash of {index}"
        checked += 1
    for answer in consistency_answers:
        old = answer["old"]
        path = [bytes.fromhex(h) for h in answer["path"]]
        assert merkle.verify_consistency(old, size, tree.root(old), root, path), f"consistency {old} fails"
        checked += 1
    # Every older signed checkpoint is a prefix of the latest one.
    for cp in older:
        if cp.size in (0, size):
            continue
        assert tree.root(cp.size) == cp.root, f"signed root of size {cp.size}"
        answer = json.loads(client.get(f"/ledger/proof/consistency?old={cp.size}&new={size}")[0])
        path = [bytes.fromhex(h) for h in answer["path"]]
        assert merkle.verify_consistency(cp.size, size, cp.root, root, path), f"signed {cp.size} -> {size}"
        checked += 1
    return checked


# --- the benchmark ---------------------------------------------------------------------------------------------


def measure(client, size, count, warmup, seed=4):
    rnd = random.Random(seed)
    kinds = ["key", "inclusion", "consistency"]
    plan = [kind for kind in kinds for _ in range(count + warmup)]
    rnd.shuffle(plan)
    seen = {kind: 0 for kind in kinds}
    latencies = {kind: [] for kind in kinds}
    answers = {"inclusion": [], "consistency": []}
    for kind in plan:
        if kind == "key":
            path = "/ledger/key"
        elif kind == "inclusion":
            path = f"/ledger/proof/inclusion?index={rnd.randrange(size)}&size={size}"
        else:
            path = f"/ledger/proof/consistency?old={rnd.randint(1, size)}&new={size}"
        body, elapsed = client.get(path)
        seen[kind] += 1
        if seen[kind] > warmup:  # the first ones of each kind warm the workers up
            latencies[kind].append(elapsed)
            if kind != "key":
                answers[kind].append(body)
    return latencies, answers


def run(session, quick):
    s = sizes(quick)
    with Stopwatch() as sw:
        filled = fill(s["entries"])
    if filled["entries_added"]:
        log(f"proofs: log of {s['entries']:,} entries filled in {sw.seconds:.0f} s "
            f"(payloads {filled['generate_payloads_seconds']:.0f} s, pending inserts "
            f"{filled['insert_pending_seconds']:.0f} s, sequencing {filled['sequence_seconds']:.0f} s = "
            f"{filled['sequenced_per_s']:,.0f} entries/s)")

    server, port = start_server(session)
    client = Client(port)
    try:
        checkpoint, older, raw = published_checkpoint(client)
        size = checkpoint.size
        with Stopwatch() as sw:
            latencies, answers = measure(client, size, s["requests"], s["warmup"])
        log(f"proofs: {3 * (s['requests'] + s['warmup'])} requests in {sw.seconds:.1f} s")
        rnd = random.Random(5)
        sample = {kind: [json.loads(b) for b in rnd.sample(answers[kind], min(s["validate"], len(answers[kind])))]
                  for kind in answers}
        with Stopwatch() as sw:
            tree = TreeFromLeaves(size)
            checked = validate(client, checkpoint, older, sample["inclusion"], sample["consistency"], tree)
        log(f"proofs: {checked} answers checked against the signed checkpoint in {sw.seconds:.1f} s")
        del tree
        offline = offline_verify(session, size, raw)
        log(f"proofs: the whole log ({size:,} entries) checked offline by python -m ledger.verify: "
            f"{'valid' if offline['ok'] else 'REFUSED (exit ' + str(offline['exit']) + ')'} "
            f"in {offline['verify_seconds']:.1f} s (export written in {offline['dump_seconds']:.1f} s)")
        if not offline["ok"]:
            log(f"proofs: ledger.verify said: {offline['output']}")
        if not server.alive():
            raise RuntimeError(f"gunicorn died:\n{server.tail()}")
    finally:
        client.close()
        session.stop(server)

    stats = {kind: summary(values) for kind, values in latencies.items()}
    key = stats["key"]
    out = []
    for kind in ("inclusion", "consistency"):
        st = stats[kind]
        ratio = st["mean"] / key["mean"]
        p50_ratio = st["p50"] / key["p50"]
        p99_ratio = st["p99"] / key["p99"]
        out.append(result(
            f"proofs_{kind}",
            measured=f"mean {fmt_ms(st['mean'])}, p50 {fmt_ms(st['p50'])}, p99 {fmt_ms(st['p99'])}",
            baseline=f"/ledger/key mean {fmt_ms(key['mean'])}, p50 {fmt_ms(key['p50'])}, p99 {fmt_ms(key['p99'])}",
            ratio=ratio,
            target=f"<= {TARGET:.0f}x",
            met=ratio <= TARGET,
            figures={
                "log_size": size,
                "requests": st["count"],
                "latency_s": st,
                "key_latency_s": key,
                "ratio_mean": ratio,
                "ratio_p50": p50_ratio,
                "ratio_p99": p99_ratio,
                "validated_answers": checked,
                "offline_verify": offline,
                **({"fill": filled} if kind == "inclusion" else {}),
            },
            notes=[f"ratio of means; p50 ratio {p50_ratio:.2f}x, p99 ratio {p99_ratio:.2f}x; "
                   f"log of {size:,} entries"
                   + (f", filled in {filled['fill_seconds']:.0f} s ({filled['sequenced_per_s']:,.0f} entries/s sequenced)"
                      if filled.get("entries_added") else "")
                   + (f"; {checked} sampled answers verified against the signed checkpoint; whole log "
                      + ("valid" if offline["ok"] else "REFUSED") + " by python -m ledger.verify"
                      if kind == "inclusion" else "")],
        ))
    return out
