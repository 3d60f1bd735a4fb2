"""Benchmark: the offline verifier against `sha256sum` on the same export.

Generates a valid export of realistic entries (three procedure types moving many
transactions through their stages, Chinese text, bids.closed entries with commitments,
the odd note that needs a JSON escape) and a checkpoint signed with a throwaway key, then
times `sha256sum FILE` and `python -m ledger.verify` on it (best of 3 each) and prints the
ratio. Target: the verifier takes at most 3 times as long as sha256sum.

    python bench/verify_offline.py [--entries 1000000] [--dir DIR] [--repeat 3]

No Django needed. With --dir the generated files are kept and reused on the next run.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger.core.checkpoint import format_checkpoint  # noqa: E402
from ledger.core.entry import ZERO_HASH_HEX  # noqa: E402
from ledger.core.merkle import Frontier  # noqa: E402
from ledger.core.note import Signer  # noqa: E402

ORIGIN = "bench.localhost/ledger"
TARGET = 3.0

STAGES = {
    "inquiry": ["draft", "submitted", "registered", "group_formed", "quoting", "quotes_closed", "awarded", "archived"],
    "tender": ["draft", "submitted", "registered", "announced", "bidding", "bids_closed", "opened", "evaluated", "awarded", "archived"],
    "asset_sale": ["draft", "submitted", "registered", "announced", "bidding", "bids_closed", "auctioned", "awarded", "archived"],
}
CLERKS = ["王明", "李华", "张伟", "刘洋", "陈静", "赵敏", "周杰", "吴芳"]
ITEMS = [
    "十三台电脑", "办公桌椅二十套", "村道硬化工程（第二标段）", "农机具采购", "东街门面房三间出租",
    "小学食堂设备", "山塘清淤整治", "路灯更换一百二十盏", "集体林地承包经营权", "便民服务中心装修",
]
PLACES = ["青山镇人民政府三楼会议室", "镇公共资源交易站开标室", "村民委员会办公室"]


def _ts(micros: int) -> str:
    secs, us = divmod(micros, 1_000_000)
    t = time.gmtime(secs)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.{us:06d}Z"


# Entries are written with this in place of prev, then chained in one pass.
_MARK = ("0123456789abcdef" * 4).encode()
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def generate(path: Path, count: int, seed: int = 2026) -> bytes:
    """Write `count` entries to path; return the tree root."""
    rnd = random.Random(seed)
    clock = 1_800_000_000_000_000
    live: dict[str, tuple[str, int]] = {}  # subject -> (type, stage index)
    serial = 0
    frontier = Frontier()
    prev = ZERO_HASH_HEX.encode()
    with open(path, "wb") as out:
        batch = []
        for seq in range(count):
            clock += rnd.randint(0, 3_000_000)
            ts = _ts(clock)
            roll = rnd.random()
            if live and roll < 0.01:
                subject = rnd.choice(list(live))
                commitments = sorted(hashlib.sha256(rnd.randbytes(16)).hexdigest() for _ in range(rnd.randint(0, 6)))
                kind, actor = "bids.closed", {"role": "system", "name": "scheduler"}
                data = {"count": len(commitments), "commitments": commitments, "deadline": ts}
            else:
                if not live or roll < 0.13 or len(live) < 50:
                    serial += 1
                    subject = f"JY-{2026 + serial // 100000}-{serial % 100000:05d}"
                    kind_of = rnd.choice(list(STAGES))
                    stage = 0
                    frm = None
                else:
                    subject = rnd.choice(list(live))
                    kind_of, stage = live[subject]
                    frm = STAGES[kind_of][stage]
                    stage += 1
                stages = STAGES[kind_of]
                to = stages[stage]
                if stage == len(stages) - 1:
                    live.pop(subject, None)
                else:
                    live[subject] = (kind_of, stage)
                kind, actor = "transition", {"role": "clerk", "name": rnd.choice(CLERKS)}
                note = rnd.choice(ITEMS)
                if rnd.random() < 0.001:
                    note += '（"加急"）'  # a quote: the one JSON escape a clerk's text may need
                data = {"type": kind_of, "action": f"to_{to}", "from": frm, "to": to, "note": note}
                if kind_of == "inquiry":
                    data["budget"] = f"{rnd.randint(1000, 999999)}.00"
                elif kind_of == "tender":
                    data.update(budget=f"{rnd.randint(100000, 9999999)}.00", lot="第一标段", place=rnd.choice(PLACES))
                else:
                    data.update(reserve_price=f"{rnd.randint(5000, 500000)}.00", place=rnd.choice(PLACES))
            entry = {"v": 1, "seq": seq, "ts": ts, "prev": _MARK.decode(), "kind": kind, "subject": subject, "actor": actor, "data": data}
            batch.append(_encode(entry).encode())
            if len(batch) == 50_000 or seq == count - 1:
                lines = []
                for body in batch:  # the chain: each prev is the leaf hash of the line before
                    body = body.replace(_MARK, prev, 1)
                    leaf = hashlib.sha256(b"\x00" + body).digest()
                    lines.append(body)
                    frontier.append(leaf)
                    prev = leaf.hex().encode()
                out.write(b"\n".join(lines) + b"\n")
                batch = []
    return frontier.root()


def best_of(repeat: int, argv: list[str]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, cwd=ROOT)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"{argv[0]} failed ({done.returncode}):\n{done.stdout.decode()}{done.stderr.decode()}")
        best = min(best, elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="entries to generate (default 1,000,000)")
    parser.add_argument("--dir", help="keep the generated files here (reused when present)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command; the best counts")
    args = parser.parse_args()
    if shutil.which("sha256sum") is None:
        sys.exit("sha256sum is needed for the comparison")

    workdir = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    entries, checkpoint, key = workdir / f"entries-{args.entries}.jsonl", workdir / "checkpoint", workdir / "key"
    marker = workdir / f"entries-{args.entries}.done"
    try:
        if not marker.exists():
            print(f"generating {args.entries:,} entries in {workdir} ...", flush=True)
            start = time.perf_counter()
            root = generate(entries, args.entries)
            signer = Signer.generate(ORIGIN)
            checkpoint.write_text(signer.sign_note(format_checkpoint(ORIGIN, args.entries, root)), encoding="utf-8")
            key.write_text(signer.verifier_key() + "\n", encoding="utf-8")
            marker.write_text("ok\n")
            print(f"  done in {time.perf_counter() - start:.1f} s")
        size = os.path.getsize(entries)
        print(f"export: {args.entries:,} entries, {size / 1e6:.1f} MB ({size / max(args.entries, 1):.0f} bytes per line)")
        print(f"cores: {os.cpu_count()}; best of {args.repeat} runs each")

        t_sha = best_of(args.repeat, ["sha256sum", str(entries)])
        verify = [sys.executable, "-m", "ledger.verify", "--entries", str(entries), "--checkpoint", str(checkpoint), "--key", str(key)]
        t_verify = best_of(args.repeat, verify)
        ratio = t_verify / t_sha
        print(f"sha256sum:           {t_sha:7.2f} s")
        print(f"python -m ledger.verify: {t_verify:7.2f} s  ({t_verify / max(args.entries, 1) * 1e6:.2f} µs per entry)")
        print(f"ratio: {ratio:.2f}x (target ≤ {TARGET:.0f}x): {'MET' if ratio <= TARGET else 'NOT MET'}")
    finally:
        if not args.dir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
