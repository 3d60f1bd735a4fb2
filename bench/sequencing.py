"""Benchmark 2, sequencing: recorded entries taken into the log per second by
`ledger_sequence_pending()` (batches of LEDGER_SEQUENCE_BATCH: seq/ts/prev, canonical
bytes, leaf hash, tree hashes, stored rows, pending rows removed, head updated), against
the simplest durable write of the same bytes: one INSERT + COMMIT per row into a plain
table. Rounds alternate (sequencer, plain, sequencer, plain, ...); the ratio is
median(sequencer) / median(plain).

Also reported here, measured under benchmark 1's load (bench/recording.py): the lag from a
transition's commit to the signing of the first checkpoint that covers its entry.

`payloads()` makes realistic recorded payloads (the `{"kind", "subject", "actor", "data"}`
canonical JSON that `ledger_record` stores); benchmark 4 fills its log with it too.
"""

import hashlib
import json
import random
import time
from datetime import UTC, datetime

from .common import Stopwatch, fmt_ms, log, median, result

TARGET = 3.0
LAG_TARGET = 1.0

STAGES = {
    "inquiry": ["draft", "submitted", "registered", "group_formed", "quoting", "quotes_closed",
                "awarded", "archived"],
    "tender": ["draft", "submitted", "registered", "announced", "bidding", "bids_closed", "opened",
               "evaluated", "awarded", "archived"],
    "asset_sale": ["draft", "submitted", "registered", "announced", "bidding", "bids_closed",
                   "auctioned", "awarded", "archived"],
}
PEOPLE = [("clerk", "王明"), ("clerk", "李华"), ("purchaser", "张伟"), ("supervisor", "赵刚"),
          ("clerk", "陈静"), ("purchaser", "刘洋")]
TITLES = ["办公电脑采购（13台）", "办公桌椅二十套", "村道硬化工程（第二标段）", "农机具采购",
          "东街门面房三间出租", "小学食堂设备", "山塘清淤整治", "路灯更换一百二十盏",
          "集体林地承包经营权", "便民服务中心装修"]
UNITS = ["城关镇人民政府", "河西乡人民政府", "青山镇中心小学", "东岭村村民委员会"]
STATIONS = ["城关镇公共资源交易站", "河西乡公共资源交易站"]

# The encoder ledger.core.jcs uses (RFC 8785 on the ledger's value space); the values
# below stay in that space (str, int, None, lists, dicts with ASCII keys, NFC text).
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def payloads(count, *, seed=2026, serial_start=0):
    """`count` canonical payload strings: transactions created and moved along their
    procedure (each subject's transitions form a path), bid deadlines closing with sealed
    bid commitments, documents published."""
    rnd = random.Random(seed)
    live = {}  # subject -> (type, stage index)
    subjects = []
    serial = serial_start
    out = []
    for _ in range(count):
        roll = rnd.random()
        role, name = rnd.choice(PEOPLE)
        if live and roll < 0.01:
            subject = rnd.choice(subjects)
            commitments = sorted(hashlib.sha256(rnd.randbytes(16)).hexdigest() for _ in range(rnd.randint(0, 6)))
            payload = {"kind": "bids.closed", "subject": subject, "actor": {"role": "system", "name": "scheduler"},
                       "data": {"count": len(commitments), "commitments": commitments}}
        elif live and roll < 0.03:
            subject = rnd.choice(subjects)
            payload = {"kind": "document.published", "subject": subject, "actor": {"role": role, "name": name},
                       "data": {"name": "招标公告.pdf", "sha256": hashlib.sha256(rnd.randbytes(8)).hexdigest(),
                                "size": rnd.randint(20_000, 4_000_000)}}
        elif not live or roll < 0.15 or len(live) < 100:
            serial += 1
            subject = f"JY-{2026 + serial // 100000}-{serial % 100000:05d}"
            kind_of = rnd.choice(list(STAGES))
            live[subject] = (kind_of, 0)
            subjects.append(subject)
            payload = {"kind": "transition", "subject": subject, "actor": {"role": "purchaser", "name": name},
                       "data": {"type": kind_of, "action": "create", "from": None, "to": "draft",
                                "station": rnd.choice(STATIONS), "unit": rnd.choice(UNITS)}}
        else:
            subject = rnd.choice(subjects)
            while subject not in live:
                subject = rnd.choice(subjects)
            kind_of, stage = live[subject]
            stages = STAGES[kind_of]
            data = {"type": kind_of, "action": f"to_{stages[stage + 1]}", "from": stages[stage],
                    "to": stages[stage + 1]}
            if stage + 1 == 1:
                amount_key = "appraised_value" if kind_of == "asset_sale" else "budget"
                data.update({"action": "submit", "title": rnd.choice(TITLES), "unit": rnd.choice(UNITS),
                             amount_key: f"{rnd.randint(1000, 9_999_999)}.00",
                             "documents": [hashlib.sha256(rnd.randbytes(8)).hexdigest()]})
            elif stage + 1 == 2:
                data.update(action="register", station=rnd.choice(STATIONS))
            if stage + 2 == len(stages):
                del live[subject]
            else:
                live[subject] = (kind_of, stage + 1)
            payload = {"kind": "transition", "subject": subject, "actor": {"role": role, "name": name},
                       "data": data}
        out.append(_encode(payload))
    return out


def check_payloads(sample):
    """The generated text is exactly what ledger_record would store."""
    from ledger.core.jcs import canonical_bytes

    for text in sample:
        if canonical_bytes(json.loads(text)).decode("utf-8") != text:
            raise AssertionError(f"not canonical: {text}")


def add_pending(texts, batch_size=5000):
    """Bulk-insert recorded (pending) entries, as many commits of ledger_record would."""
    from ledger.models import PendingEntry

    now = datetime.now(UTC)
    PendingEntry.objects.bulk_create(
        [PendingEntry(payload=text, recorded_at=now) for text in texts], batch_size=batch_size
    )


def sequence_all(batch=None):
    from ledger.sequencer import ledger_sequence_pending

    total = 0
    while n := ledger_sequence_pending(batch=batch):
        total += n
    return total


def sizes(quick):
    return {"entries": 4000 if quick else 20000, "rounds": 2 if quick else 3,
            "plain_max_seconds": 3 if quick else 8}


def _plain_inserts(bodies, max_seconds):
    """One INSERT and one COMMIT per row (autocommit), through the same Django connection,
    until every body is written or `max_seconds` have passed (a busy disk makes each commit
    slow); returns (rows, seconds)."""
    from django.db import connection

    deadline = time.perf_counter() + max_seconds
    rows = 0
    with connection.cursor() as cursor:
        with Stopwatch() as sw:
            for body in bodies:
                cursor.execute("INSERT INTO bench_plain_log (body) VALUES (%s)", [body])
                rows += 1
                if rows % 100 == 0 and time.perf_counter() > deadline:
                    break
    return rows, sw.seconds


def throughput(quick):
    from django.conf import settings
    from django.db import connection

    from ledger.models import Entry, LogHead

    s = sizes(quick)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_plain_log (id bigserial PRIMARY KEY, body bytea NOT NULL)")
    texts_all = payloads(s["entries"] * s["rounds"], seed=7, serial_start=500_000)
    check_payloads(texts_all[:500])
    seq_rates, plain_rates, body_sizes = [], [], []
    for r in range(s["rounds"]):
        texts = texts_all[r * s["entries"]: (r + 1) * s["entries"]]
        start = LogHead.objects.get(pk=1).size
        add_pending(texts)
        with Stopwatch() as sw:
            n = sequence_all()
        assert n == len(texts), (n, len(texts))
        seq_rates.append(n / sw.seconds)
        bodies = [bytes(b) for b in Entry.objects.filter(seq__gte=start, seq__lt=start + n)
                  .order_by("seq").values_list("body", flat=True)]
        body_sizes.append(sum(map(len, bodies)) / len(bodies))
        plain_rows, plain_seconds = _plain_inserts(bodies, s["plain_max_seconds"])
        plain_rates.append(plain_rows / plain_seconds)
        log(f"sequencing: round {r + 1}/{s['rounds']}: {n} entries sequenced in {sw.seconds:.2f} s = "
            f"{seq_rates[-1]:,.0f}/s; plain INSERT+COMMIT of the same bodies: {plain_rows} in "
            f"{plain_seconds:.2f} s = {plain_rates[-1]:,.0f}/s")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_plain_log")
    seq, plain = median(seq_rates), median(plain_rates)
    ratio = seq / plain
    return result(
        "sequencing",
        measured=f"{seq:,.0f} entries/s",
        baseline=f"{plain:,.0f} rows/s plain INSERT+COMMIT",
        ratio=ratio,
        target=f">= {TARGET:.0f}x",
        met=ratio >= TARGET,
        figures={
            "entries_per_round": s["entries"],
            "batch": settings.LEDGER_SEQUENCE_BATCH,
            "sequenced_per_s": seq_rates,
            "plain_insert_commit_per_s": plain_rates,
            "median_sequenced_per_s": seq,
            "median_plain_per_s": plain,
            "mean_body_bytes": sum(body_sizes) / len(body_sizes),
        },
        notes=[f"median of {s['rounds']} alternated rounds of {s['entries']:,} entries, "
               f"batch {settings.LEDGER_SEQUENCE_BATCH}; mean entry {sum(body_sizes) / len(body_sizes):.0f} bytes"],
    )


def lag_result(lag):
    p99 = lag["p99"]
    return result(
        "commit_to_checkpoint",
        measured=f"p50 {fmt_ms(lag['p50'])}, p99 {fmt_ms(p99)}, max {fmt_ms(lag['max'])}",
        baseline="-",
        ratio=None,
        target=f"p99 < {LAG_TARGET:.0f} s",
        met=None if p99 is None else p99 < LAG_TARGET,
        figures={k: v for k, v in lag.items()},
        notes=[f"{lag['count']} transitions under benchmark 1's load (8 writers, worker + beat on Redis); "
               "commit time taken when transaction_transition returns, signed_at of the first covering checkpoint"],
    )


def run(session, quick, lag):
    started = time.perf_counter()
    out = [throughput(quick), lag_result(lag)]
    log(f"sequencing: done in {time.perf_counter() - started:.1f} s")
    return out
