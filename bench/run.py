"""The ledger's benchmarks (`make bench`): each one measured against a baseline in the same
run, printed as a table and written to bench/out/results.json. Benchmarks never fail:
a missed target is reported, not raised.

    python bench/run.py [--quick] [--only NAME ...]

NAME: recording, sequencing, verify_offline, proofs, deadline_spike, tender_spike, tender_scoring,
auction_live. See bench/README.md.
"""

import argparse
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`: make `bench` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "bench"

from bench import common  # noqa: E402

BENCHMARKS = ("recording", "sequencing", "verify_offline", "proofs", "deadline_spike", "tender_spike",
              "tender_scoring", "auction_live")
TARGETS = {
    "recording": ">= 0.8",
    "sequencing": ">= 3x",
    "commit_to_checkpoint": "p99 < 1 s",
    "verify_offline": "<= 3x",
    "proofs_inclusion": "<= 2x",
    "proofs_consistency": "<= 2x",
    "deadline_spike": "0 lost, 0 errors",
    "spike_lost_quotes": "= 0",
    "spike_server_errors": "= 0",
    "tender_spike": "0 lost, 0 errors",
    "tender_scoring": "< 1 s",
    "auction_live": "0 lost, 0 5xx, 0 out-of-order",
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes, for a smoke run")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}")
    args = parser.parse_args(argv)
    selected = [name for name in BENCHMARKS if not args.only or name in args.only]

    common.install_signal_handlers()
    started = time.perf_counter()
    results, errors = [], {}
    session = common.BenchSession(quick=args.quick)
    interrupted = False
    try:
        # verify_offline needs nothing; deadline_spike makes its own database (embedded mode).
        if set(selected) - {"verify_offline", "deadline_spike", "tender_spike", "tender_scoring", "auction_live"}:
            session.open()
        lag = None
        for name in selected:
            common.log(f"=== {name}{' (quick)' if args.quick else ''}")
            try:
                if name == "recording":
                    from bench import recording

                    res, lag = recording.run(session, args.quick)
                    results.append(res)
                elif name == "sequencing":
                    from bench import recording, sequencing

                    if lag is None:  # the lag is measured under benchmark 1's load
                        _, lag = recording.run(session, args.quick, want_ratio=False)
                    results.extend(sequencing.run(session, args.quick, lag))
                elif name == "verify_offline":
                    results.append(run_verify_offline(args.quick))
                elif name == "proofs":
                    from bench import proofs_http

                    results.extend(proofs_http.run(session, args.quick))
                elif name == "deadline_spike":
                    from bench import deadline_spike

                    results.extend(deadline_spike.run(session, args.quick))
                elif name == "tender_spike":
                    from bench import tender_spike

                    results.extend(tender_spike.run(session, args.quick))
                elif name == "tender_scoring":
                    from bench import tender_scoring

                    results.extend(tender_scoring.run(session, args.quick))
                elif name == "auction_live":
                    from bench import auction_live

                    results.extend(auction_live.run(session, args.quick))
            except KeyboardInterrupt:
                raise
            except Exception as exc:
                traceback.print_exc()
                errors[name] = f"{type(exc).__name__}: {exc}"
                results.append(common.result(name, measured="error", baseline="-", ratio=None,
                                             target=TARGETS.get(name, "-"), met=None, figures={},
                                             notes=[errors[name][:500]]))
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted: cleaning up", file=sys.stderr)
    finally:
        common.ignore_signals()
        session.close()

    total = time.perf_counter() - started
    print_table(results, total, args.quick, interrupted)
    write_json(results, total, args, interrupted)
    return 130 if interrupted else 0


VERIFY_OFFLINE = common.ROOT / "bench" / "verify_offline.py"


def run_verify_offline(quick):
    """Benchmark 3 is bench/verify_offline.py (standalone, written separately): run it and
    take its figures from --json if it offers that, else from its printed lines."""
    import re
    import subprocess

    target = TARGETS["verify_offline"]
    if not VERIFY_OFFLINE.exists():
        return common.not_available("verify_offline", target, "bench/verify_offline.py does not exist yet")
    helptext = subprocess.run([common.PYTHON, str(VERIFY_OFFLINE), "--help"], cwd=common.ROOT,
                              capture_output=True, text=True, timeout=120).stdout
    argv = [common.PYTHON, str(VERIFY_OFFLINE)]
    if quick and "--entries" in helptext:
        argv += ["--entries", "100000"]
    wants_json = "--json" in helptext
    if wants_json:
        argv.append("--json")
    common.log(f"verify_offline: {' '.join(argv[1:])}")
    lines = []
    with subprocess.Popen(argv, cwd=common.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}) as process:
        for line in process.stdout:  # shown as it comes: generating 1M entries takes a while
            lines.append(line)
            common.log(f"verify_offline | {line.rstrip()}")
    output = "".join(lines)
    if process.returncode != 0:
        return common.result("verify_offline", measured="error", baseline="-", ratio=None,
                             target=target, met=None, figures={"output": output[-3000:]},
                             notes=[f"bench/verify_offline.py exited with {process.returncode}"])
    figures = {"argv": argv[1:], "output": output}
    if wants_json:
        try:
            figures.update(json.loads(output[output.index("{"):]))
        except ValueError:
            pass
    number = r"([0-9][0-9.,]*)"
    patterns = {
        "sha256sum_s": rf"sha256sum:\s*{number}\s*s",
        "verify_s": rf"ledger\.verify:\s*{number}\s*s",
        "ratio": rf"ratio:\s*{number}\s*x",
        "entries": rf"export:\s*{number}\s*entries",
    }
    for key, pattern in patterns.items():
        match = re.search(pattern, output)
        if match and key not in figures:
            figures[key] = float(match.group(1).replace(",", ""))
    ratio = figures.get("ratio")
    if ratio is None and figures.get("verify_s") and figures.get("sha256sum_s"):
        ratio = figures["verify_s"] / figures["sha256sum_s"]
    if ratio is None:
        return common.result("verify_offline", measured="see its output", baseline="-", ratio=None,
                             target=target, met=None, figures=figures,
                             notes=["could not read the figures; its output is in results.json"])
    entries = figures.get("entries")
    return common.result(
        "verify_offline",
        measured=(f"ledger.verify {figures['verify_s']:.2f} s" if "verify_s" in figures else "ledger.verify")
        + (f" ({entries:,.0f} entries)" if entries else ""),
        baseline=f"sha256sum {figures['sha256sum_s']:.2f} s" if "sha256sum_s" in figures else "sha256sum",
        ratio=ratio,
        target=target,
        met=ratio <= 3.0,
        figures=figures,
        notes=["measured by bench/verify_offline.py (best of its runs; its own output above)"]
        + (["--quick: at 100,000 entries the verifier's start-up (interpreter, imports, worker "
            "processes) weighs much more than at the 1,000,000 the target is set for"] if quick else []),
    )


def _ratio(r):
    if r["ratio"] is None:
        return "-"
    return f"{r['ratio']:.2f}" + ("x" if r["target"].endswith("x") else "")


def print_table(results, total, quick, interrupted=False):
    rows = [("benchmark", "measured", "baseline (same run)", "ratio", "target", "")]
    for r in results:
        met = {True: "met", False: "NOT MET", None: ""}[r["met"]]
        rows.append((r["name"], r["measured"], r["baseline"], _ratio(r), r["target"], met))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    print(f"Ledger benchmarks{' (--quick: reduced sizes)' if quick else ''}, "
          f"{os.cpu_count()} cores, {total / 60:.1f} min{' (INTERRUPTED: partial)' if interrupted else ''}")
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * width for width in widths))
    notes = [(r["name"], note) for r in results for note in r["notes"]]
    if notes:
        print()
        for name, note in notes:
            print(f"  {name}: {note}")
    print()


def write_json(results, total, args, interrupted=False):
    common.OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = common.OUT_DIR / "results.json"
    document = {
        "quick": args.quick,
        "only": args.only,
        "interrupted": interrupted,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "total_seconds": total,
        "results": results,
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"results written to {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
