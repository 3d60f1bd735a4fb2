"""Benchmark 6, the live auction (issue 11): 50 bidders over the API for 2 minutes of
continuous bidding (`--seconds`, and fewer with `--quick`, for a smoke run) against one
online auction, on gunicorn and PostgreSQL, with the live event stream served by uvicorn
in its own process as in production (docs/deploy.md, "Live pages").

What it reports:

* accepted bids per second, and the bids refused by the rules (mostly `auction.increment`:
  bidders racing the same amount; one wins, by arrival at the auction's lock);
* the latency from a bid's submission to the live update that shows it, seen by another
  client on the event stream (p50, p99), against `GET /ledger/key` on the same gunicorn,
  sampled every 50 ms in the same run (the ratio column: p50 / p50);
* lost bids (accepted, 201, but not in the ledger as `auction.bid` with that seq and
  amount; or in the ledger but never accepted), server errors (5xx, connection errors),
  and out-of-order (ledger bids whose seq, amount or acceptance time do not strictly
  increase by the rules, or stream updates whose bid count goes back): all must be 0;
  and the replay of the auction from the exported ledger (`bidding.auction_replay`).

Its own throwaway database `bench_<pid>_auction` and Redis database /12; every process in
embedded mode with DEBUG off (as `deadline_spike`), a Celery worker with beat sequencing
the ledger, gunicorn (`gthread`, 2 workers x 8 threads) for the API, uvicorn for the
stream.

    python bench/auction_live.py [--quick] [--seconds N]     # alone
    python bench/run.py --only auction_live                  # in the table of make bench
"""

import argparse
import contextlib
import http.client
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # `python bench/auction_live.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "bench"

from bench.common import (  # noqa: E402
    OUT_DIR,
    PG_URL,
    PYTHON,
    ROOT,
    Child,
    _admin_connection,
    _drop_leftovers,
    fmt_ms,
    free_port,
    log,
    percentile,
    result,
    start_gunicorn,
    wait_for,
)

BROKER_URL = os.environ.get("BENCH_AUCTION_BROKER_URL", "redis://127.0.0.1:6379/12")
TARGETS = {"auction_live": "0 lost, 0 5xx, 0 out-of-order"}
BIDDERS, SECONDS, QUICK_BIDDERS, QUICK_SECONDS = 50, 120, 20, 20


class Run:
    def __init__(self, seconds, bidders):
        self.seconds, self.bidders = seconds, bidders
        self.dir = Path(tempfile.mkdtemp(prefix="bench-auction-"))
        (self.dir / "logs").mkdir()
        self.db = f"bench_{os.getpid()}_auction"
        self.children = []
        self.created = False

    def env(self):
        env = {k: v for k, v in os.environ.items() if k not in ("STATION_MODE", "DJANGO_DEBUG")}
        env.update(DATABASE_URL=f"{PG_URL}/{self.db}", CELERY_BROKER_URL=BROKER_URL, DJANGO_DEBUG="0",
                   LEDGER_SIGNING_KEY_FILE=str(self.dir / "ledger.key"), MEDIA_ROOT=str(self.dir / "media"),
                   STATION_VAR_DIR=str(self.dir / "var"), LEDGER_ORIGIN="bench.localhost/ledger",
                   LEDGER_CHECKPOINT_MIN_INTERVAL="0.25", PYTHONUNBUFFERED="1")
        return env

    def start(self, name, argv):
        child = Child(name, argv, self.env(), self.dir / "logs" / f"{name}.log")
        self.children.append(child)
        return child

    def open(self):
        with contextlib.closing(_admin_connection()) as admin, admin.cursor() as cursor:
            _drop_leftovers(cursor, like="bench\\_%\\_auction", pattern=r"bench_(\d+)_auction")
            cursor.execute(f'CREATE DATABASE "{self.db}"')
        self.created = True

    def step(self, name, config):
        config_path, out_path = self.dir / f"{name}-in.json", self.dir / f"{name}-out.json"
        config_path.write_text(json.dumps(config))
        done = subprocess.run([PYTHON, "-m", "bench.auction_live", name, str(config_path), str(out_path)], cwd=ROOT,
                              env=self.env(), capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"setup step {name} failed:\n{(done.stdout + done.stderr)[-4000:]}")
        return json.loads(out_path.read_text())

    def close(self):
        for child in reversed(self.children):
            with contextlib.suppress(Exception):
                child.stop()
        if self.created:
            with contextlib.suppress(Exception), contextlib.closing(_admin_connection()) as admin, \
                    admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')


# --- the setup, in a child process with Django -----------------------------------------------------

def _step_setup(config):
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import transaction as db_transaction

    from bidding.services.auctions import auction_open
    from bidding.services.companies import company_register
    from bidding.uscc import check_character
    from trading import clock
    from trading.models import Membership, Role, Station, Unit, User
    from trading.services.transactions import document_attach, transaction_create
    from trading.services.transitions import transaction_transition

    call_command("migrate", verbosity=0, interactive=False)
    call_command("ledger_keygen", verbosity=0)
    station = Station.objects.create(code="auction", name="城关镇公共资源交易站（压测）", county="示范县")
    unit = Unit.objects.create(station=station, name="城关镇中学")
    password = secrets.token_urlsafe(16)
    encoded = make_password(password)

    def person(username, role, unit=None):
        user = User.objects.create(username=username, full_name=username, password=encoded)
        Membership.objects.create(user=user, station=station, role=role, unit=unit)
        return user

    clerk, school = person("clerk", Role.CLERK), person("school", Role.PURCHASER, unit)
    companies, usernames = [], []
    for i in range(config["bidders"]):
        bidder = person(f"buyer{i + 1:02d}", Role.BIDDER)
        base = f"91350200MA{i + 1:07d}"
        companies.append(company_register(user=bidder, uscc=base + check_character(base), name=f"竞买公司{i + 1}",
                                          contact_name="联系人", contact_phone="0591-87650000"))
        usernames.append(bidder.username)
    tx = transaction_create(user=school, unit=unit, type="asset_sale", title="镇中学北门二楼房屋出售（压测）",
                            amount="320000.00")
    document_attach(transaction=tx, user=school, upload=SimpleUploadedFile("批复.txt", "同意出售。".encode()))
    transaction_transition(code=tx.code, action="submit", user=school)
    transaction_transition(code=tx.code, action="register", user=clerk)
    with db_transaction.atomic():
        auction_open(transaction=tx, companies=companies, starting_price=320000, increment=100, reserve_price=320000,
                     countdown_seconds=config["seconds"] + 120, starts_at=clock.now(), user=clerk)
    return {"code": tx.code, "password": password, "usernames": usernames}


def _child_main(argv):
    name, config_path, out_path = argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    out = {"setup": _step_setup}[name](json.loads(Path(config_path).read_text()))
    Path(out_path).write_text(json.dumps(out))


# --- the clients ----------------------------------------------------------------------------------

def _post(conn, path, body, headers):
    conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json", **headers})
    response = conn.getresponse()
    return response.status, response.read()


def login(port, usernames, password):
    tokens = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for username in usernames:
        status, body = _post(conn, "/api/v1/auth/token/", {"username": username, "password": password}, {})
        if status != 200:
            raise RuntimeError(f"login of {username}: {status} {body[:300]!r}")
        tokens[username] = json.loads(body)["token"]
    conn.close()
    return tokens


class Stream(threading.Thread):
    """Another client: reads the event stream, notes when each bid count was first seen."""

    def __init__(self, port, code, stop):
        super().__init__(daemon=True)
        self.port, self.code, self.stop_at = port, code, stop
        self.seen = {}  # bid count -> time first seen (perf_counter)
        self.latest = None
        self.backwards = 0
        self.events = 0
        self.ready = threading.Event()

    def run(self):
        while not self.stop_at.is_set():
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", f"/live/{self.code}/events/", headers={"Accept": "text/event-stream"})
                response = conn.getresponse()
                data = None
                while not self.stop_at.is_set():
                    line = response.fp.readline().decode()
                    if not line:
                        break
                    if line.startswith("data: "):
                        data = line[6:]
                    elif line == "\n" and data:
                        now = time.perf_counter()
                        state = json.loads(data)
                        data = None
                        self.events += 1
                        if self.latest is not None and state["bid_count"] < self.latest["bid_count"]:
                            self.backwards += 1
                        self.latest = state
                        for count in range(1, state["bid_count"] + 1):
                            self.seen.setdefault(count, now)
                        self.ready.set()
                conn.close()
            except OSError:
                time.sleep(0.1)


def bidder_loop(port, token, code, stream, until, out, rnd):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    n = 0
    while time.perf_counter() < until:
        state = stream.latest
        amount = float(state["next_minimum"]) + 100 * rnd.choice((0, 0, 0, 1, 2))
        n += 1
        key = f"{token[:6]}-{n}"
        sent = time.perf_counter()
        try:
            status, body = _post(conn, f"/api/v1/transactions/{code}/asset-sale/auction/bids/",
                                 {"amount": f"{amount:.2f}", "idempotency_key": key},
                                 {"Authorization": f"Token {token}"})
        except OSError as exc:
            out.append({"sent": sent, "status": "connection", "error": str(exc)})
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        record = {"sent": sent, "done": time.perf_counter(), "status": status, "amount": f"{amount:.2f}"}
        answer = json.loads(body) if body.startswith(b"{") else {}
        if status in (200, 201):
            record["seq"] = answer["seq"]
        else:
            record["rule"] = answer.get("error", {}).get("details", {}).get("rule")
        out.append(record)
        time.sleep(rnd.uniform(0.05, 0.6))
    conn.close()


def key_sampler(port, stop, out):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        sent = time.perf_counter()
        try:
            conn.request("GET", "/ledger/key")
            response = conn.getresponse()
            response.read()
            out.append({"ms": (time.perf_counter() - sent) * 1000, "status": response.status})
        except OSError:
            out.append({"ms": None, "status": "connection"})
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        time.sleep(0.05)
    conn.close()


def ledger_bids(port, code):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    entries, start = [], 0
    while True:
        conn.request("GET", f"/ledger/entries?start={start}&limit=1000")
        lines = conn.getresponse().read().splitlines()
        entries += [json.loads(line) for line in lines]
        if len(lines) < 1000:
            break
        start += 1000
    conn.close()
    return entries


# --- the run ---------------------------------------------------------------------------------------

def run(session=None, quick=False, seconds=None):
    bidders = QUICK_BIDDERS if quick else BIDDERS
    seconds = seconds or (QUICK_SECONDS if quick else SECONDS)
    r = Run(seconds, bidders)
    try:
        r.open()
        setup = r.step("setup", {"bidders": bidders, "seconds": seconds})
        subprocess.run([PYTHON, "-m", "celery", "-A", "config", "purge", "-f"], cwd=ROOT, env=r.env(),
                       capture_output=True, timeout=120)
        r.start("celery-messages", [PYTHON, "-m", "celery", "-A", "config", "worker", "-Q", "messages", "--pool",
                                    "solo", "--loglevel", "WARNING", "-n", "messages@%h"])
        r.start("celery-worker", [PYTHON, "-m", "celery", "-A", "config", "worker", "-Q", "celery", "-B", "--pool",
                                  "solo", "--loglevel", "WARNING", "--schedule", str(r.dir / "celerybeat-schedule")])
        _server, port = start_gunicorn(r.start, ["--worker-class", "gthread", "--workers", "2", "--threads", "8",
                                                 "--keep-alive", "75"])
        live_port = free_port()
        r.start("uvicorn", [PYTHON, "-m", "uvicorn", "config.asgi:application", "--port", str(live_port),
                            "--loop", "asyncio", "--http", "h11", "--no-access-log"])
        if not wait_for(lambda: _answers(live_port), 60, interval=0.2):
            raise RuntimeError("uvicorn did not answer")
        tokens = login(port, setup["usernames"], setup["password"])
        stop = threading.Event()
        stream = Stream(live_port, setup["code"], stop)
        stream.start()
        if not stream.ready.wait(30):
            raise RuntimeError("no event from the stream")
        key_samples, records = [], []
        sampler = threading.Thread(target=key_sampler, args=(port, stop, key_samples), daemon=True)
        sampler.start()
        log(f"auction_live: {bidders} bidders for {seconds} s")
        started = time.perf_counter()
        until = started + seconds
        threads = [threading.Thread(target=bidder_loop, daemon=True,
                                    args=(port, tokens[u], setup["code"], stream, until, records,
                                          random.Random(i))) for i, u in enumerate(setup["usernames"])]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + 120)
        elapsed = time.perf_counter() - started
        time.sleep(2)  # the last updates reach the stream
        stop.set()
        time.sleep(2)  # the sequencer places the last entries
        entries = ledger_bids(port, setup["code"])
        return analyse(records, key_samples, stream, entries, setup["code"], elapsed, bidders, seconds)
    finally:
        r.close()


def _answers(port):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/ledger/key")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def analyse(records, key_samples, stream, entries, code, elapsed, bidders, seconds):
    from bidding.auction_replay import ReplayError, auctions_of, replay

    accepted = {rec["seq"]: rec for rec in records if rec["status"] in (200, 201)}
    errors = [rec for rec in records if rec["status"] == "connection" or (isinstance(rec["status"], int)
                                                                           and rec["status"] >= 500)]
    errors += [k for k in key_samples if k["status"] != 200]
    refused = {}
    for rec in records:
        if isinstance(rec["status"], int) and 400 <= rec["status"] < 500:
            refused[rec.get("rule") or str(rec["status"])] = refused.get(rec.get("rule") or str(rec["status"]), 0) + 1
    bids = [e["data"] for e in entries if e["subject"] == code and e["kind"] == "auction.bid"]
    in_ledger = {b["seq"]: b for b in bids}
    lost = [s for s, rec in accepted.items() if in_ledger.get(s, {}).get("amount") != rec["amount"]]
    lost += [s for s in in_ledger if s not in accepted]
    out_of_order = stream.backwards + sum(
        1 for a, b in zip(bids, bids[1:], strict=False)
        if b["seq"] != a["seq"] + 1 or float(b["amount"]) < float(a["amount"]) + 100 or b["accepted_at"] <= a["accepted_at"])
    try:
        outcome = replay(auctions_of(entries, code)[1])
        replay_note = f"replay from the ledger: {outcome.bids} bids, all within the rules"
    except (ReplayError, KeyError) as exc:
        out_of_order += 1
        replay_note = f"replay failed: {exc}"
    latencies = [(stream.seen[s] - rec["sent"]) * 1000 for s, rec in accepted.items() if s in stream.seen]
    key_ms = [k["ms"] for k in key_samples if k["ms"] is not None]
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    k50, k99 = percentile(key_ms, 50), percentile(key_ms, 99)
    rate = len(accepted) / elapsed if elapsed else 0
    met = not lost and not errors and not out_of_order
    figures = {"bidders": bidders, "seconds": seconds, "accepted": len(accepted), "accepted_per_second": rate,
               "submitted": len(records), "refused": refused, "lost": len(lost), "server_errors": len(errors),
               "out_of_order": out_of_order, "update_p50_ms": p50, "update_p99_ms": p99, "key_p50_ms": k50,
               "key_p99_ms": k99, "stream_events": stream.events, "unseen_by_stream": len(accepted) - len(latencies)}
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "auction_live_records.json").write_text(json.dumps({"figures": figures, "records": records}))
    ms = lambda x: fmt_ms(x / 1000) if x is not None else "-"  # noqa: E731  (fmt_ms takes seconds)
    return [result("auction_live", measured=f"{rate:.1f} bids/s; update p50 {ms(p50)} p99 {ms(p99)}",
                   baseline=f"/ledger/key p50 {ms(k50)} p99 {ms(k99)}",
                   ratio=(p50 / k50) if p50 and k50 else None, target=TARGETS["auction_live"], met=met,
                   figures=figures,
                   notes=[f"{len(accepted)} accepted of {len(records)} submitted; refused by rule: {refused}",
                          f"lost {len(lost)}, server errors {len(errors)}, out of order {out_of_order}",
                          replay_note])]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=int, default=None)
    args = parser.parse_args(argv)
    for row in run(quick=args.quick, seconds=args.seconds):
        print(json.dumps(row, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("setup",):
        _child_main(sys.argv[1:])
    else:
        main()
