"""Benchmark 1, recording: stage transitions by 8 concurrent writers, with their ledger
entries (the sequencer running as in production: a Celery worker with beat on Redis,
kicked on every commit) against the same transitions with recording switched off.

Each writer thread owns a few registered transactions and moves them suspend -> resume ->
suspend ... through `transaction_transition`, as the station's supervisor, a fixed number
of times. Modes alternate (off, on, off, on, ...) so that warm-up and noise do not decide;
the ratio is median(on) / median(off) of the throughputs.

While the ledger is on, every transition's commit time is kept (taken right after
`transaction_transition` returns); afterwards each is matched to its entry's `seq` (by a
token in the suspend reason / resume note) and to the first checkpoint covering it: the
commit -> signed-checkpoint lag that benchmark 2 reports.
"""

import contextlib
import threading
import time
from bisect import bisect_right

from .common import Stopwatch, group_cpu_seconds, log, median, result, summary, wait_for

WRITERS = 8
TARGET = 0.8


def sizes(quick):
    # transactions per writer, transitions per writer per run, off/on pairs
    if quick:
        return {"per_writer": 4, "count": 40, "pairs": 2}
    return {"per_writer": 4, "count": 120, "pairs": 3}


class World:
    """A station with its purchaser, clerk and supervisor, and registered transactions
    for each writer, all made through the services (so their entries exist as in use)."""

    def __init__(self, writers, per_writer):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from trading.models import Membership, Role, Station, Unit, User
        from trading.services.transactions import document_attach, transaction_create
        from trading.services.transitions import transaction_transition

        n = int(time.time() * 1000) % 100000
        station = Station.objects.create(code=f"bench{n}", name=f"城关镇交易站{n}", county="示范县")
        unit = Unit.objects.create(station=station, name=f"城关镇人民政府{n}")

        def user(name, full_name, role, unit=None):
            u = User.objects.create_user(username=f"{name}{n}", password=None, full_name=full_name)
            Membership.objects.create(user=u, station=station, role=role, unit=unit)
            return u

        purchaser = user("purchaser", "张伟", Role.PURCHASER, unit)
        clerk = user("clerk", "王明", Role.CLERK)
        self.supervisor_id = user("supervisor", "赵刚", Role.SUPERVISOR).pk
        self.codes = []
        for w in range(writers):
            codes = []
            for i in range(per_writer):
                obj = transaction_create(user=purchaser, unit=unit, type=("inquiry", "tender", "asset_sale")[i % 3],
                                         title=f"村道硬化工程（第{w + 1}标段 {i + 1}）", amount="128000.00")
                upload = SimpleUploadedFile(f"批复-{w}-{i}.txt", f"审批文件 {n} {w} {i}".encode(),
                                            content_type="text/plain")
                document_attach(transaction=obj, user=purchaser, upload=upload)
                transaction_transition(code=obj.code, action="submit", user=purchaser)
                transaction_transition(code=obj.code, action="register", user=clerk)
                codes.append(obj.code)
            self.codes.append(codes)


def _writer(world, w, count, token_prefix, recording_off, barrier, out, errors):
    from django.db import connection

    from ledger.recording import recording_switched_off_for_benchmark
    from trading.models import User
    from trading.services.transitions import transaction_transition

    try:
        supervisor = User.objects.get(pk=world.supervisor_id)
        codes = world.codes[w]
        n = len(codes)
        stamps = []
        # The switch is per thread: each writer turns it on for itself.
        switch = recording_switched_off_for_benchmark() if recording_off else contextlib.nullcontext()
        with switch:
            barrier.wait()
            for i in range(count):
                code = codes[i % n]
                token = f"{token_prefix}-{w}-{i}"
                if (i // n) % 2 == 0:
                    transaction_transition(code=code, action="suspend", user=supervisor,
                                           reason=f"接到举报，暂停核查（{token}）")
                else:
                    transaction_transition(code=code, action="resume", user=supervisor, reason=token)
                stamps.append((token, time.time()))
        out[w] = (stamps, time.perf_counter())
    except BaseException as exc:  # reported by the caller
        errors.append(exc)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.abort()
    finally:
        connection.close()


def load(world, *, count, recording_off, token_prefix):
    """All writers, `count` transitions each; returns (throughput/s, elapsed s, stamps)."""
    writers = len(world.codes)
    assert count % (2 * len(world.codes[0])) == 0, "every transaction must end where it began"
    barrier = threading.Barrier(writers + 1)
    out, errors = [None] * writers, []
    threads = [
        threading.Thread(target=_writer, args=(world, w, count, token_prefix, recording_off, barrier, out, errors),
                         name=f"writer-{w}")
        for w in range(writers)
    ]
    for t in threads:
        t.start()
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        pass
    start = time.perf_counter()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    end = max(finished for _, finished in out)
    elapsed = end - start
    stamps = [s for stamps, _ in out for s in stamps]
    return len(stamps) / elapsed, elapsed, stamps


def drained():
    """Every recorded entry sequenced and covered by a signed checkpoint."""
    from ledger.models import Checkpoint, LogHead, PendingEntry

    if PendingEntry.objects.exists():
        return False
    size = LogHead.objects.values_list("size", flat=True).first() or 0
    latest = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first()
    return latest is not None and latest >= size


def wait_drained(worker, timeout=120):
    with Stopwatch() as sw:
        ok = wait_for(drained, timeout, interval=0.02)
    if not ok:
        raise RuntimeError(f"the worker did not sequence and sign within {timeout} s:\n{worker.tail()}")
    return sw.seconds


def log_size():
    from ledger.models import LogHead

    return LogHead.objects.values_list("size", flat=True).first() or 0


def lags(stamps, since_seq):
    """Seconds from each commit to the signing of the first checkpoint covering its entry."""
    import json

    from ledger.models import Checkpoint, Entry

    wanted = {token: t for token, t in stamps}
    seq_of = {}
    rows = Entry.objects.filter(seq__gte=since_seq, kind="transition").values_list("seq", "body")
    for seq, body in rows.iterator(chunk_size=2000):
        data = json.loads(bytes(body))["data"]
        text = data.get("note") or data.get("reason") or ""
        token = text[text.rfind("（") + 1: -1] if text.endswith("）") else text
        if token in wanted:
            seq_of[token] = seq
    if len(seq_of) != len(wanted):
        raise RuntimeError(f"{len(wanted) - len(seq_of)} committed transitions have no entry in the log")
    checkpoints = list(Checkpoint.objects.filter(size__gt=since_seq).order_by("size").values_list("size", "signed_at"))
    sizes_ = [size for size, _ in checkpoints]
    out = []
    for token, committed in wanted.items():
        i = bisect_right(sizes_, seq_of[token])  # first checkpoint with size > seq
        if i == len(checkpoints):
            raise RuntimeError(f"no checkpoint covers entry {seq_of[token]}")
        out.append(checkpoints[i][1].timestamp() - committed)
    return out


def run(session, quick, *, want_ratio=True):
    """Returns (result of benchmark 1 or None, lag figures for benchmark 2)."""
    s = sizes(quick)
    worker = session.start_worker()
    try:
        if not wait_for(drained, 60):  # the empty log's checkpoint (ledger_keygen signs it)
            raise RuntimeError(f"the log is not drained before the run:\n{worker.tail()}")
        with Stopwatch() as sw:
            world = World(WRITERS, s["per_writer"])
        log(f"recording: {WRITERS} writers x {s['per_writer']} registered transactions made in {sw.seconds:.1f} s")
        wait_drained(worker)
        # Warm-up (not counted): connections, caches, the worker's first batches.
        load(world, count=2 * s["per_writer"], recording_off=False, token_prefix="warm")
        wait_drained(worker)

        modes = ["off", "on"] * s["pairs"] if want_ratio else ["on"]
        rates = {"off": [], "on": []}
        cpu_per_transition = {"off": [], "on": []}
        lag_values, catch_up = [], []
        for run_no, mode in enumerate(modes):
            since = log_size()
            cpu0, worker0 = time.process_time(), group_cpu_seconds(worker.process.pid)
            rate, elapsed, stamps = load(world, count=s["count"], recording_off=(mode == "off"),
                                         token_prefix=f"r{run_no}")
            caught_up = wait_drained(worker)
            cpu = {"bench_ms": (time.process_time() - cpu0) * 1000 / len(stamps),
                   "worker_ms": (group_cpu_seconds(worker.process.pid) - worker0) * 1000 / len(stamps)}
            cpu_per_transition[mode].append(cpu)
            rates[mode].append(rate)
            line = (f"recording: run {run_no + 1}/{len(modes)} ledger {mode:3}: {len(stamps)} transitions in "
                    f"{elapsed:.2f} s = {rate:.0f}/s; CPU per transition: bench {cpu['bench_ms']:.2f} ms, "
                    f"worker {cpu['worker_ms']:.2f} ms")
            if mode == "on":
                catch_up.append(caught_up)
                run_lags = lags(stamps, since)
                lag_values.extend(run_lags)
                line += f"; lag p50 {median(run_lags) * 1000:.0f} ms, max {max(run_lags) * 1000:.0f} ms; drained {caught_up:.2f} s after"
            log(line)
        if not worker.alive():
            raise RuntimeError(f"the Celery worker died:\n{worker.tail()}")
    finally:
        session.stop(worker)

    lag = summary(lag_values)
    lag["drain_after_run_s"] = catch_up
    if not want_ratio:
        return None, lag
    on, off = median(rates["on"]), median(rates["off"])
    ratio = on / off
    best_ratio = max(rates["on"]) / max(rates["off"])
    res = result(
        "recording",
        measured=f"{on:.0f} transitions/s with ledger",
        baseline=f"{off:.0f}/s ledger off",
        ratio=ratio,
        target=f">= {TARGET}",
        met=ratio >= TARGET,
        figures={
            "writers": WRITERS,
            "transitions_per_run": WRITERS * s["count"],
            "throughput_on_per_s": rates["on"],
            "throughput_off_per_s": rates["off"],
            "median_on_per_s": on,
            "median_off_per_s": off,
            "ratio_of_medians": ratio,
            "ratio_of_bests": best_ratio,
            "cpu_ms_per_transition": cpu_per_transition,
        },
        notes=[f"median of {len(rates['on'])} runs per mode, alternated off/on; best-vs-best ratio {best_ratio:.2f}"],
    )
    return res, lag
