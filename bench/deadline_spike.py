"""Benchmark 5, the deadline spike: 1,000 sealed quotes from 50 concurrent HTTP clients
into 20 inquiries whose quote deadlines all fall within the same real minute (with --quick
200: 20 clients x 10 inquiries), on gunicorn and PostgreSQL, with the platform's own clock
closing them.

What it reports:

* lost quotes: accepted (201) but missing from the inquiry's `bids.closed` entry, or
  listed there but never accepted (must be 0);
* server errors: any 5xx or connection error (must be 0);
* the latency of `POST /api/v1/transactions/{code}/quotes/` (p50, p99) against
  `GET /ledger/key` on the same gunicorn, sampled by a separate client during the spike
  (and alone before it);
* the time to open an inquiry's envelopes (`POST .../opening/` with the shares of two
  custodians, each decrypted on the custodian's side, here, from its share bundle and
  passphrase; the median of three openings), per envelope, against a plain HPKE open
  measured here, with the custodians' side (scrypt of their keys) reported apart.

How (bench/README.md has the details): a throwaway database `bench_<pid>_spike` of its
own; every process of the platform runs in embedded mode (sandboxes are refused in
production settings) on that PostgreSQL database, with a Redis broker, DEBUG off and
`SANDBOX_TIME_FACTOR=N`, so that the three working days of the quote period are
compressed into seconds (docs/clock.md). The inquiries are set up through the services (child processes of this module:
`python -m bench.deadline_spike STEP`), the quotes sealed here with `bidding.crypto`
before the spike, gunicorn serves (`--workers 2 --threads 8`, gthread) and a Celery
worker with beat runs the tick that closes each inquiry at its deadline.
"""

import base64
import contextlib
import http.client
import json
import math
import os
import random
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # `python bench/deadline_spike.py STEP`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "bench"

from bench.common import (  # noqa: E402
    ORIGIN,
    OUT_DIR,
    PG_URL,
    PYTHON,
    ROOT,
    Child,
    Stopwatch,
    _admin_connection,
    _drop_leftovers,
    fmt_ms,
    group_cpu_seconds,
    log,
    median,
    percentile,
    result,
    start_gunicorn,
    summary,
    wait_for,
)

# Its own Redis database: benchmarks 1-2 use /14.
BROKER_URL = os.environ.get("BENCH_SPIKE_BROKER_URL", "redis://127.0.0.1:6379/13")
GUNICORN = {"workers": 2, "threads": 8, "keep_alive": 75}
MIN_FACTOR = 10_000
STAND_IN_SOURCE = "bench stand-in, weekends only"
# Of each inquiry's quotes, this many are sent within +-RACE seconds of its deadline (they
# race the closing: accepted or refused, never lost); the others in its last WINDOW
# seconds, denser towards the deadline, at least MARGIN before it.
RACERS, RACE, MARGIN = 2, 0.1, 0.3
BASELINE_INTERVAL = 0.05  # /ledger/key every 50 ms during the spike
TARGETS = {"spike_lost_quotes": "= 0", "spike_server_errors": "= 0"}
OPENINGS = 3  # inquiries opened after the spike; the median one is reported


def sizes(quick):
    if quick:
        # 20 clients x 10 inquiries = 200 quotes; deadlines 2 s apart (18 s).
        return {"clients": 20, "inquiries": 10, "lead": 15.0, "spacing": 2.0, "window": 12.0,
                "alone": 300}
    # 50 clients x 20 inquiries = 1,000 quotes; deadlines 2 s apart (38 s: one minute).
    return {"clients": 50, "inquiries": 20, "lead": 20.0, "spacing": 2.0, "window": 18.0, "alone": 600}


# --- HTTP -------------------------------------------------------------------------------------


class Http:
    """One keep-alive HTTP/1.1 connection to the gunicorn under test."""

    def __init__(self, port, timeout=120):
        self.port, self.timeout = port, timeout
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method, path, body=None, token=None):
        headers = {"Connection": "keep-alive", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
            if not isinstance(body, bytes):
                body = json.dumps(body).encode()
        if token:
            headers["Authorization"] = f"Token {token}"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            raise
        return response.status, data, time.perf_counter() - started

    def json(self, method, path, body=None, token=None, expect=(200,)):
        status, data, _ = self.request(method, path, body, token)
        if status not in expect:
            raise RuntimeError(f"{method} {path}: {status} {data[:500]!r}")
        return json.loads(data) if data else None

    def close(self):
        self.connection.close()


# --- the platform's processes ------------------------------------------------------------------------


class Spike:
    """The spike's database, environment and children; `close()` removes them all."""

    def __init__(self, session, factor=None):
        self.session = session
        self.db_name = f"bench_{os.getpid()}_spike"
        self.database_url = f"{PG_URL}/{self.db_name}"
        self.dir = session.tmp / "spike"
        (self.dir / "logs").mkdir(parents=True, exist_ok=True)
        self.children = []
        self.db_created = False
        self.factor = factor

    def env(self):
        env = {k: v for k, v in os.environ.items()
               if k not in ("STATION_MODE", "DJANGO_DEBUG", "STATION_VAR_DIR", "DJANGO_SETTINGS_MODULE",
                            "LEDGER_ALLOW_RECORDING_OFF", "LEDGER_ALLOW_HTTP", "SANDBOX_TIME_FACTOR",
                            "DATABASE_URL", "CELERY_BROKER_URL")}
        env.update({
            # Embedded mode: the sandbox clock is refused with STATION_MODE=production.
            "STATION_MODE": "embedded",
            "DJANGO_DEBUG": "0",
            "STATION_VAR_DIR": str(self.dir / "var"),
            "DJANGO_SECRET_KEY": self.session.env.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": BROKER_URL,
            "LEDGER_ORIGIN": ORIGIN,
            "LEDGER_SIGNING_KEY_FILE": str(self.dir / "keys" / "ledger.key"),
            "LEDGER_CHECKPOINT_MIN_INTERVAL": "0.25",  # as in production
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",  # messages composed, not printed
            "MEDIA_ROOT": str(self.dir / "media"),
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONUNBUFFERED": "1",
        })
        if self.factor:
            env["SANDBOX_TIME_FACTOR"] = str(self.factor)
        return env

    def create_database(self):
        with contextlib.closing(_admin_connection()) as admin, admin.cursor() as cursor:
            drop_leftovers(cursor)
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.db_name}"')
            cursor.execute(f'CREATE DATABASE "{self.db_name}"')
        self.db_created = True

    def step(self, name, config):
        """Run a setup step of this module in a child process with the spike's environment."""
        config_path, out_path = self.dir / f"{name}-in.json", self.dir / f"{name}-out.json"
        config_path.write_text(json.dumps(config))
        done = subprocess.run([PYTHON, "-m", "bench.deadline_spike", name, str(config_path), str(out_path)],
                              cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"setup step {name} failed:\n{(done.stdout + done.stderr)[-4000:]}")
        return json.loads(out_path.read_text())

    def start(self, name, argv):
        child = Child(name, argv, self.env(), self.dir / "logs" / f"{name}.log")
        self.children.append(child)
        self.session.children.append(child)  # stopped by the session too, whatever happens
        return child

    def start_worker(self):
        subprocess.run([PYTHON, "-m", "celery", "-A", "config", "purge", "-f"], cwd=ROOT, env=self.env(),
                       capture_output=True, timeout=120)
        # Messages have their own worker, as in production (docs/deploy.md, "Processes").
        self.start("celery-messages", [PYTHON, "-m", "celery", "-A", "config", "worker", "-Q", "messages",
                                       "--pool", "solo", "--loglevel", "WARNING", "-n", "messages@%h"])
        return self.start("celery-worker", [
            PYTHON, "-m", "celery", "-A", "config", "worker", "-Q", "celery", "-B", "--pool", "solo",
            "--loglevel", "WARNING", "--schedule", str(self.dir / "celerybeat-schedule"),
        ])

    def start_server(self):
        return start_gunicorn(self.start, [
            "--worker-class", "gthread", "--workers", str(GUNICORN["workers"]),
            "--threads", str(GUNICORN["threads"]), "--keep-alive", str(GUNICORN["keep_alive"])])

    def close(self):
        for child in reversed(self.children):
            try:
                child.stop()
            except Exception as exc:
                print(f"could not stop {child.name}: {exc}", file=sys.stderr)
            if child in self.session.children:
                self.session.children.remove(child)
        self.children.clear()
        if self.db_created:
            try:
                with contextlib.closing(_admin_connection()) as admin, admin.cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
                self.db_created = False
                log(f"deadline_spike: database {self.db_name} dropped")
            except Exception as exc:
                print(f"could not drop database {self.db_name}: {exc}", file=sys.stderr)


def drop_leftovers(cursor):
    """Spike databases of runs killed outright (bench_<pid>_spike whose process is gone)."""
    _drop_leftovers(cursor, like="bench\\_%\\_spike", pattern=r"bench_(\d+)_spike")


# --- setup steps (child processes, Django set up with the spike's environment) -----------------------------


def _step_prepare(config):
    """Migrate, make the signing key, the station and its people, pools and custodian keys;
    measure how far ahead the quote period's earliest deadline is, on the holiday calendar
    (before the sandbox compresses it). A year that count reaches without a holiday calendar
    gets a labelled stand-in (weekends only) in this throwaway database."""
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from bidding.services.companies import company_register, expert_pool_add, supplier_pool_add
    from bidding.services.custodians import custodian_key_set
    from bidding.uscc import check_character
    from trading import clock, rulesets, workdays
    from trading.models import Membership, Role, Station, Unit, User

    with Stopwatch() as sw:
        call_command("migrate", verbosity=0, interactive=False)
    migrate_s = sw.seconds
    call_command("ledger_keygen", verbosity=0)
    station = Station.objects.create(code="spike", name="城关镇公共资源交易站（压测）", county="示范县")
    unit = Unit.objects.create(station=station, name="城关镇人民政府")
    password = secrets.token_urlsafe(16)
    encoded = make_password(password)  # one hash for every account: PBKDF2 is slow on purpose

    def person(username, full_name, role, unit=None):
        user = User.objects.create(username=username, full_name=full_name, password=encoded)
        Membership.objects.create(user=user, station=station, role=role, unit=unit)
        return user

    clerk = person("clerk", "王明", Role.CLERK)
    supervisor = person("supervisor", "赵刚", Role.SUPERVISOR)
    purchaser = person("purchaser", "张伟", Role.PURCHASER, unit)
    passphrases = {}
    for user in (clerk, supervisor, purchaser):
        passphrases[user.username] = f"{user.username}-opens-{secrets.token_hex(6)}"
        custodian_key_set(user=user, passphrase=passphrases[user.username])
    for i in range(config["experts"]):
        expert = person(f"expert{i + 1}", f"专家{i + 1}", Role.EXPERT)
        expert_pool_add(station=station, user=expert, specialty="计算机", employer=f"县职业中学{i + 1}")
    companies = []
    for i in range(config["clients"]):
        bidder = person(f"bidder{i + 1:02d}", f"供应商代表{i + 1}", Role.BIDDER)
        base = f"91350100MA{i + 1:07d}"
        company = company_register(user=bidder, uscc=base + check_character(base),
                                   name=f"示范县第{i + 1}电脑有限公司", contact_name=f"联系人{i + 1}",
                                   contact_phone=f"0591-8765{i + 1:04d}")
        supplier_pool_add(station=station, company=company, categories="计算机设备")
        companies.append({"pk": company.pk, "uscc": company.uscc, "username": bidder.username})
    period = int(rulesets.param(rulesets.in_force(station, "inquiry"), "quote_period_working_days"))
    now = clock.now()
    stand_ins = []
    while True:
        try:
            # The notices go out within the next minutes: the longest wait to the earliest
            # deadline over that time (it jumps at midnight, Beijing time).
            span = max((workdays.earliest_deadline(now + timedelta(minutes=m), period)
                        - (now + timedelta(minutes=m))).total_seconds() for m in range(0, 11))
            break
        except workdays.CalendarMissing as missing:
            if workdays.calendar_provisional_enter(year=missing.year, source=STAND_IN_SOURCE) is None:
                raise
            stand_ins.append(missing.year)
    return {
        "migrate_seconds": migrate_s, "password": password, "passphrases": passphrases,
        "clerk": clerk.username, "supervisor": supervisor.username, "purchaser": purchaser.username,
        "supervisor_pk": supervisor.pk, "purchaser_pk": purchaser.pk, "companies": companies,
        "period_working_days": period, "span_seconds": span, "stand_in_years": stand_ins,
    }


def _step_world(config):
    """The inquiries, through the services: created (as sandbox transactions: the factor
    is this process's SANDBOX_TIME_FACTOR), registered, experts drawn, group formed."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bidding.models import Draw
    from bidding.services.draws import draws_perform_due
    from ledger.sequencer import ledger_run_sequencer
    from trading import clock
    from trading.models import Unit, User
    from trading.procedures.inquiry import services
    from trading.services.ticks import tick
    from trading.services.transactions import document_attach, transaction_create
    from trading.services.transitions import transaction_transition

    purchaser = User.objects.get(username=config["purchaser"])
    clerk = User.objects.get(username=config["clerk"])
    unit = Unit.objects.get(station__code="spike")
    codes = []
    with Stopwatch() as sw:
        for i in range(config["inquiries"]):
            tx = transaction_create(user=purchaser, unit=unit, type="inquiry",
                                    title=f"办公电脑采购（压测第{i + 1}批）", amount="78000.00")
            document_attach(transaction=tx, user=purchaser, upload=SimpleUploadedFile(
                "采购申请审批表.txt", f"办公电脑采购第{i + 1}批，预算78,000.00元。".encode(), content_type="text/plain"))
            transaction_transition(code=tx.code, action="submit", user=purchaser)
            transaction_transition(code=tx.code, action="register", user=clerk)
            services.inquiry_announce_expert_draw(code=tx.code, user=clerk, count=3)
            codes.append(tx.code)
        deadline = time.monotonic() + 60
        while Draw.objects.filter(transaction__code__in=codes, performed_at__isnull=True).exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the expert draws were not performed within 60 s")
            ledger_run_sequencer()  # signs the checkpoint whose root seeds the draws
            draws_perform_due()
            tick()
            time.sleep(0.3)
        for code in codes:
            services.inquiry_form_group(code=code, user=clerk)
        ledger_run_sequencer()
    return {"codes": codes, "factor": clock.sandbox_factor(), "world_seconds": sw.seconds}


def _step_notices(config):
    """Issue the notices: inquiry j's quote deadline is the real moment first + j * spacing
    (or later if the rule's earliest deadline, the quote period compressed by the sandbox
    factor, needs it)."""
    from datetime import UTC, datetime

    from bidding.selectors_sealed import round_of
    from trading import clock, deadlines
    from trading.models import Transaction, User
    from trading.procedures.inquiry import services
    from trading.procedures.inquiry.services.common import round_of as inquiry_round_of

    clerk = User.objects.get(username=config["clerk"])
    period = config["period_working_days"]
    transactions = [Transaction.objects.get(code=code).as_procedure() for code in config["codes"]]
    now = clock.now()
    needed = (deadlines.at_least_working_days(transactions[0], now, period) - now).total_seconds()
    first = max(config["first_deadline"], now.timestamp() + needed * 1.05 + 1.0)
    out = []
    for j, tx in enumerate(transactions):
        deadline = datetime.fromtimestamp(first + j * config["spacing"], tz=UTC)
        with Stopwatch() as sw:
            services.inquiry_issue_notice(
                code=tx.code, user=clerk, deadline=deadline, price_composition="含运输、安装、税费及三年上门保修",
                award_criterion="满足需求且报价最低", invitees=config["invitees"],
                supervisor=config["supervisor_pk"], purchaser_rep=config["purchaser_pk"])
        tx = Transaction.objects.get(pk=tx.pk).as_procedure()
        bid_round, issued = round_of(tx), inquiry_round_of(tx).notice_issued_at
        assert bid_round.deadline == deadline, (bid_round.deadline, deadline)
        out.append({"code": tx.code, "time_factor": tx.time_factor, "notice_issued_at": issued.isoformat(),
                    "quote_deadline": bid_round.deadline.isoformat(),
                    "real_deadline": bid_round.deadline.timestamp(),
                    "grace_seconds": bid_round.grace_seconds,
                    "earliest_allowed": deadlines.at_least_working_days(tx, issued, period).isoformat(),
                    "issue_seconds": sw.seconds})
    return {"inquiries": out, "requested_first": config["first_deadline"], "first": first}


def _step_bundles(config):
    """The share bundles of the custodians who open (the clerk and the supervisor) for the
    inquiries to be opened: what each custodian's own device fetches at the opening
    (tests/trading/inquiry_world.py `custodian_share` reads them the same way)."""
    from bidding.models import CustodianShare
    from bidding.selectors_sealed import round_of
    from bidding.services.custodians import share_bundle
    from trading.models import Transaction

    out = {}
    for code in config["codes"]:
        bid_round = round_of(Transaction.objects.get(code=code))
        out[code] = {username: share_bundle(CustodianShare.objects.get(custodian__username=username,
                                                                       opening_key__bid_round=bid_round))
                     for username in config["custodians"]}
    return out


STEPS = {"prepare": _step_prepare, "world": _step_world, "notices": _step_notices, "bundles": _step_bundles}


def _child_main(argv):
    name, config_path, out_path = argv
    import django

    django.setup()
    out = STEPS[name](json.loads(Path(config_path).read_text()))
    Path(out_path).write_text(json.dumps(out))


# --- the clients --------------------------------------------------------------------------------------------


def quote_plan(rnd, inquiries, clients, window):
    """For each inquiry and client: when (seconds before the real deadline) the quote is sent."""
    plan = {}
    for i in range(len(inquiries)):
        racers = set(rnd.sample(range(clients), min(RACERS, clients)))
        for c in range(clients):
            if c in racers:
                plan[c, i] = rnd.uniform(-RACE, RACE)
            else:
                plan[c, i] = MARGIN + (window - MARGIN) * rnd.random() ** 2
    return plan


def client_loop(port, token, items, out):
    """One company: its quotes in time order on one keep-alive connection; an item is
    (scheduled epoch, inquiry index, path, body). Appends one record per quote to `out`."""
    http_ = Http(port)
    try:
        for scheduled, index, path, body in items:
            delay = scheduled - time.time()
            if delay > 0:
                time.sleep(delay)
            sent = time.time()
            record = {"inquiry": index, "scheduled": scheduled, "sent": sent, "was_idle": delay > 0}
            try:
                status, data, elapsed = http_.request("POST", path, body, token)
            except (OSError, http.client.HTTPException) as exc:
                record.update(status=None, error=f"{type(exc).__name__}: {exc}", latency=time.time() - sent)
            else:
                record.update(status=status, latency=elapsed, answer=data.decode("utf-8", "replace"))
            record["done"] = time.time()
            out.append(record)
    finally:
        http_.close()


def key_sampler(port, stop, out, interval=BASELINE_INTERVAL):
    """GET /ledger/key every `interval` seconds until `stop` is set: (epoch, latency, status)."""
    http_ = Http(port)
    try:
        next_at = time.time()
        while not stop.is_set():
            sent = time.time()
            try:
                status, _data, elapsed = http_.request("GET", "/ledger/key")
            except (OSError, http.client.HTTPException):
                status, elapsed = None, time.time() - sent
            out.append((sent, elapsed, status))
            next_at += interval
            pause = next_at - time.time()
            if pause > 0:
                stop.wait(pause)
            else:
                next_at = time.time()
    finally:
        http_.close()


def key_alone(port, count, warmup=50):
    http_ = Http(port)
    latencies = []
    try:
        for n in range(count + warmup):
            status, _data, elapsed = http_.request("GET", "/ledger/key")
            if status != 200:
                raise RuntimeError(f"GET /ledger/key: {status}")
            if n >= warmup:
                latencies.append(elapsed)
    finally:
        http_.close()
    return latencies


def lock_sampler(database_url, stop, out, interval=0.1):
    """Every `interval` s, the bench database's backends that wait for a lock, by what they
    wait for and their query (pg_stat_activity): where quotes queue, if they do."""
    import psycopg2

    connection = psycopg2.connect(database_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            while not stop.is_set():
                cursor.execute(
                    "SELECT wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 160), "
                    "backend_type FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'")
                out.append((time.time(), cursor.fetchall()))
                stop.wait(interval)
    finally:
        connection.close()


def lock_summary(samples):
    """How many backends were active and waiting for locks, and on which queries."""
    waiting = [sum(1 for row in rows if row[0] == "Lock") for _t, rows in samples]
    active = [len(rows) for _t, rows in samples]
    by_query, autovacuum = Counter(), Counter()
    for _t, rows in samples:
        for wait_type, wait_event, query, backend_type in rows:
            if wait_type == "Lock":
                by_query[f"{wait_event}: {query}"] += 1
            if backend_type == "autovacuum worker":
                autovacuum[query] += 1
    return {"samples": len(samples), "active_backends_mean": sum(active) / len(active) if active else None,
            "active_backends_max": max(active, default=0),
            "lock_waiting_mean": sum(waiting) / len(waiting) if waiting else None,
            "lock_waiting_max": max(waiting, default=0),
            "lock_waits_by_query": by_query.most_common(5),
            "autovacuum_samples": sum(autovacuum.values()), "autovacuum_by_query": autovacuum.most_common(10)}


# --- reading the ledger ------------------------------------------------------------------------------------------


def fetch_entries(http_, start=0):
    lines = []
    while True:
        status, data, _ = http_.request("GET", f"/ledger/entries?start={start + len(lines)}&limit=1000")
        if status != 200:
            raise RuntimeError(f"/ledger/entries: {status} {data[:300]!r}")
        chunk = data.split(b"\n")[:-1]
        lines.extend(chunk)
        if len(chunk) < 1000:
            return lines


def closed_entries(lines, codes):
    """code -> its first bids.closed entry (parsed), for the codes given."""
    closed = {}
    for line in lines:
        entry = json.loads(line)
        if entry["kind"] == "bids.closed" and entry["subject"] in codes and entry["subject"] not in closed:
            closed[entry["subject"]] = entry
    return closed


def _json(text):
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _ts(text):
    """Epoch seconds of a ledger time (UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`) or an ISO time."""
    from datetime import UTC, datetime

    if text.endswith("Z"):
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
    return datetime.fromisoformat(text).timestamp()


# --- the benchmark ------------------------------------------------------------------------------------------------


def run(session, quick):
    s = sizes(quick)
    spike = Spike(session)
    try:
        return _run(spike, s, quick)
    finally:
        spike.close()


def _run(spike, s, quick):
    clients, n_inq = s["clients"], s["inquiries"]
    spike.create_database()
    log(f"deadline_spike: database {spike.db_name} created")

    # 1. Database, key, station, people (factor not needed yet).
    with Stopwatch() as sw:
        people = spike.step("prepare", {"clients": clients, "experts": 5})
    span = people["span_seconds"]
    # The quote period (period working days to the earliest deadline), compressed by the
    # sandbox factor, must fit between a notice and its deadline, `lead` real seconds later.
    spike.factor = max(MIN_FACTOR, math.ceil(span * 1.1 / s["lead"] / 1000) * 1000)
    log(f"deadline_spike: migrated, {clients} companies and their people in {sw.seconds:.1f} s "
        f"(migrate {people['migrate_seconds']:.1f} s); earliest deadline {span / 86400:.2f} days after a "
        f"notice: SANDBOX_TIME_FACTOR={spike.factor}" + (f"; stand-in calendar years: {people['stand_in_years']}"
                                                         if people["stand_in_years"] else ""))

    # 2. The inquiries, up to their inquiry groups.
    world = spike.step("world", {"inquiries": n_inq, "purchaser": people["purchaser"], "clerk": people["clerk"]})
    codes = world["codes"]
    log(f"deadline_spike: {n_inq} inquiries registered, experts drawn, groups formed in "
        f"{world['world_seconds']:.1f} s")

    # 3. gunicorn and the worker (tick and sequencer every second).
    worker = spike.start_worker()
    server, port = spike.start_server()
    http_ = Http(port)
    with Stopwatch() as sw:
        tokens = login_all(port, [c["username"] for c in people["companies"]] + [people["clerk"]],
                           people["password"])
    log(f"deadline_spike: gunicorn {GUNICORN}, {len(tokens)} API tokens in {sw.seconds:.1f} s")

    # 4. The baseline alone, before anything else loads the server.
    alone = key_alone(port, s["alone"])
    log(f"deadline_spike: GET /ledger/key alone: p50 {fmt_ms(median(alone))}, p99 {fmt_ms(percentile(alone, 99))}")

    # 5. The notices: deadlines `lead` seconds after the spike starts, `spacing` apart.
    # The step's start-up, the notices (each publishes a notice, makes the opening key and
    # messages every invitee), quoting opened by the tick (behind the worker's deliveries of
    # those messages), sealing: more than enough; the spike waits for its start time.
    prep = 6.0 + 0.8 * n_inq + 10.0
    notices = spike.step("notices", {
        "codes": codes, "clerk": people["clerk"], "invitees": [c["pk"] for c in people["companies"]],
        "supervisor_pk": people["supervisor_pk"], "purchaser_pk": people["purchaser_pk"],
        "period_working_days": people["period_working_days"], "first_deadline": time.time() + prep + s["lead"],
        "spacing": s["spacing"]})
    inquiries = notices["inquiries"]
    deadlines = [q["real_deadline"] for q in inquiries]
    log(f"deadline_spike: notices issued (median {median([q['issue_seconds'] for q in inquiries]) * 1000:.0f} ms "
        f"each); deadlines in {deadlines[0] - time.time():.1f} .. {deadlines[-1] - time.time():.1f} s")

    # 6. Quoting opens with the tick; the opening keys; every envelope sealed now.
    clerk_token = tokens[people["clerk"]]
    if not wait_for(lambda: all(http_.json("GET", f"/api/v1/transactions/{c}/", token=clerk_token)["stage"]
                                == "quoting" for c in codes), 20, interval=0.2):
        raise RuntimeError("quoting did not open within 20 s (is the worker's beat running?)\n" + worker.tail())
    log(f"deadline_spike: quoting open in all {n_inq} inquiries; first deadline in {deadlines[0] - time.time():.1f} s")
    keys = {c: http_.json("GET", f"/api/v1/transactions/{c}/opening-key/") for c in codes}
    from bidding import crypto

    rnd = random.Random(5)
    prices, envelopes, bodies = {}, {}, {}
    with Stopwatch() as sealing:
        for i, code in enumerate(codes):
            key = keys[code]
            for c, company in enumerate(people["companies"]):
                price = f"{rnd.randint(6_000_000, 7_800_000) / 100:.2f}"
                envelope = crypto.seal_quote(bytes.fromhex(key["public_key"]), origin=key["origin"], code=code,
                                             supplier=company["uscc"], price=price)
                prices[c, i], envelopes[c, i] = price, envelope
                bodies[c, i] = json.dumps({"supplier": company["uscc"],
                                           "envelope": base64.b64encode(envelope).decode(),
                                           "idempotency_key": f"spike-{code}-{company['uscc']}"}).encode()
    log(f"deadline_spike: {len(envelopes)} envelopes sealed in {sealing.seconds:.2f} s")

    # 7. The spike.
    plan = quote_plan(rnd, inquiries, clients, s["window"])
    spike_start = deadlines[0] - s["lead"]
    if spike_start < time.time():
        log(f"deadline_spike: setup ran {time.time() - spike_start:.1f} s late: the first deadline is "
            f"{deadlines[0] - time.time():.1f} s away")
        spike_start = time.time()
    items = {c: sorted((deadlines[i] - plan[c, i], i, f"/api/v1/transactions/{codes[i]}/quotes/", bodies[c, i])
                       for i in range(n_inq)) for c in range(clients)}
    records = {c: [] for c in range(clients)}
    threads = [threading.Thread(target=client_loop, name=f"client-{c}",
                                args=(port, tokens[people["companies"][c]["username"]], items[c], records[c]))
               for c in range(clients)]
    samples, stop = [], threading.Event()
    sampler = threading.Thread(target=key_sampler, name="key-sampler", args=(port, stop, samples))
    pg_samples = []
    pg_sampler = threading.Thread(target=lock_sampler, name="lock-sampler",
                                  args=(spike.database_url, stop, pg_samples))
    time.sleep(max(0.0, spike_start - time.time()))
    cpu = {"server": group_cpu_seconds(server.process.pid), "worker": group_cpu_seconds(worker.process.pid),
           "client": time.process_time()}
    started = time.time()
    log(f"deadline_spike: spike starts: {clients} clients, {clients * n_inq} quotes, first deadline in "
        f"{deadlines[0] - started:.1f} s, last in {deadlines[-1] - started:.1f} s")
    sampler.start()
    pg_sampler.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    last_done = time.time()
    stop.set()
    sampler.join()
    pg_sampler.join()
    spike_seconds = last_done - started
    cpu = {"server": group_cpu_seconds(server.process.pid) - cpu["server"],
           "worker": group_cpu_seconds(worker.process.pid) - cpu["worker"],
           "client": time.process_time() - cpu["client"]}
    log(f"deadline_spike: all quotes sent in {spike_seconds:.1f} s (CPU: gunicorn {cpu['server']:.1f} s, "
        f"worker {cpu['worker']:.1f} s, clients {cpu['client']:.1f} s)")

    # 8. The closings: every inquiry's bids.closed entry in the log.
    def all_closed():
        return len(closed_entries(fetch_entries(http_), set(codes))) == n_inq

    wait_for(all_closed, max(30.0, deadlines[-1] - time.time() + 30), interval=0.5)
    closed = closed_entries(fetch_entries(http_), set(codes))
    figures = analyse(records, plan, inquiries, codes, envelopes, closed, samples, started, last_done)
    figures.update(locks=lock_summary(pg_samples), spike_seconds=spike_seconds, cpu_seconds=cpu,
                   key_alone_s=summary(alone), sizes=s, sealing_seconds=sealing.seconds, factor=spike.factor, stand_in_years=people["stand_in_years"],
                   earliest_deadline_days=span / 86400, gunicorn=GUNICORN, client_mode="threads",
                   setup={"migrate_seconds": people["migrate_seconds"], "world_seconds": world["world_seconds"]},
                   notices={"requested_first": notices["requested_first"], "first": notices["first"],
                            "inquiries": inquiries})
    save_records(records, plan, inquiries, started, samples, pg_samples)
    log(f"deadline_spike: accepted {figures['accepted']}, refused after the deadline {figures['refused_late']}, "
        f"lost {figures['lost']}, server errors {figures['server_errors']}, other refusals "
        f"{figures['other_refusals']}")

    # 9. The openings of the first inquiries, by the clerk with two custodians' shares.
    bundles = spike.step("bundles", {"codes": codes[:OPENINGS], "custodians": [people["clerk"], people["supervisor"]]})
    figures["opening"] = opening = openings(http_, codes, clerk_token, people, prices, bundles)
    log("deadline_spike: openings: " + ", ".join(
        f"{o['code']} {o['envelopes']} envelopes in {o['seconds']:.3f} s" for o in opening["all"])
        + f"; two custodians' shares decrypted on their side in {opening['custodians_seconds']:.3f} s")

    # 10. The whole log offline, with one receipt per inquiry.
    figures["offline_verify"] = offline_verify(spike, http_, figures.pop("receipts"))
    log(f"deadline_spike: the log ({figures['offline_verify']['entries']} entries) "
        f"{'valid' if figures['offline_verify']['ok'] else 'REFUSED'} by python -m ledger.verify "
        f"with {figures['offline_verify']['receipts']} receipts")
    if not server.alive() or not worker.alive():
        raise RuntimeError(f"a child died:\n{server.tail()}\n{worker.tail()}")
    http_.close()
    return results(figures, quick)


RECORDS = "deadline_spike_records.json"


def save_records(records, plan, inquiries, started, key_samples, pg_samples):
    """Every request of the spike, the /ledger/key samples and the lock samples, for a
    closer look (bench/out/, like results.json)."""
    rows = []
    for c, recs in records.items():
        for r in recs:
            deadline = inquiries[r["inquiry"]]["real_deadline"]
            rows.append({"client": c, "inquiry": r["inquiry"], "planned_before_deadline_s": plan[c, r["inquiry"]],
                         "sent_s": r["sent"] - started, "sent_before_deadline_s": deadline - r["sent"],
                         "latency_s": r["latency"], "status": r["status"],
                         "rule": (_json(r.get("answer")).get("error", {}).get("details", {}).get("rule")
                                  if r["status"] != 201 else None),
                         "error": r.get("error")})
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    keys = [{"sent_s": sent - started, "latency_s": latency, "status": status}
            for sent, latency, status in key_samples]
    locks = [{"at_s": at - started, "active": len(rows), "lock_waiting": sum(1 for row in rows if row[0] == "Lock"),
              "waits": [f"{row[1]}: {row[2][:60]}" for row in rows if row[0] == "Lock"]}
             for at, rows in pg_samples if rows]
    (OUT_DIR / RECORDS).write_text(json.dumps({"quotes": sorted(rows, key=lambda row: row["sent_s"]),
                                               "ledger_key": keys, "pg_activity": locks}))


def login_all(port, usernames, password):
    tokens, errors = {}, []

    def login(names):
        http_ = Http(port)
        try:
            for name in names:
                try:
                    tokens[name] = http_.json("POST", "/api/v1/auth/token/",
                                              {"username": name, "password": password})["token"]
                except Exception as exc:
                    errors.append(f"{name}: {exc}")
        finally:
            http_.close()

    threads = [threading.Thread(target=login, args=(usernames[k::4],)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError("logins failed: " + "; ".join(errors[:5]))
    return tokens


def analyse(records, plan, inquiries, codes, envelopes, closed, samples, started, last_done):
    """Classify every answer; compare accepted quotes with the bids.closed entries."""
    from bidding import crypto

    statuses = Counter()
    accepted = {i: {} for i in range(len(codes))}  # inquiry -> commitment -> client
    receipts = {}
    late, errors, other, racing = [], [], [], Counter()
    latency_201, latency_all, wake, margins, buckets = [], [], [], [], {}
    sent_after = 0
    for c, recs in records.items():
        for r in recs:
            i = r["inquiry"]
            deadline = inquiries[i]["real_deadline"]
            statuses[str(r["status"])] += 1
            r["racer"] = abs(plan[c, i]) <= RACE
            if r["sent"] >= deadline:
                sent_after += 1
            if r["was_idle"]:
                wake.append(r["sent"] - r["scheduled"])
            if r["status"] is None or r["status"] >= 500:
                errors.append({"client": c, "inquiry": codes[i], "status": r["status"],
                               "error": r.get("error") or r.get("answer", "")[:300]})
                continue
            latency_all.append(r["latency"])
            ahead = deadline - r["sent"]
            bucket = ("sent > 5 s before the deadline" if ahead > 5 else "1-5 s before" if ahead > 1
                      else "0.3-1 s before" if ahead > 0.3 else "< 0.3 s (racers)")
            buckets.setdefault(bucket, []).append(r["latency"])
            answer = _json(r["answer"])
            if r["status"] == 201:
                latency_201.append(r["latency"])
                # The server's own time of receipt against the deadline (both real moments).
                if "received_at" in answer:
                    margins.append(_ts(inquiries[i]["quote_deadline"]) - _ts(answer["received_at"]))
                mine = crypto.commitment(envelopes[c, i])
                if answer.get("commitment") != mine:
                    other.append({"client": c, "inquiry": codes[i], "why": "commitment differs from the envelope's"})
                accepted[i][mine] = c
                receipts.setdefault(codes[i], answer.get("receipt"))
                racing["racer accepted" if r["racer"] else "accepted"] += 1
                continue
            detail = answer.get("error", {}).get("details", {})
            after_deadline = (r["status"] == 422 and detail.get("rule") == "sealed.deadline") or (
                r["status"] == 409 and detail.get("stage") in ("quotes_closed", "terminated"))
            if after_deadline:
                late.append({"client": c, "inquiry": codes[i], "status": r["status"], "racer": r["racer"],
                             "sent_after_deadline_ms": (r["sent"] - deadline) * 1000,
                             "answered_after_deadline_ms": (r["done"] - deadline) * 1000})
                racing["racer refused" if r["racer"] else "refused"] += 1
            else:
                other.append({"client": c, "inquiry": codes[i], "status": r["status"], "answer": r["answer"][:300]})
    lost, closing_lag, mismatched = [], [], []
    for i, code in enumerate(codes):
        entry = closed.get(code)
        if entry is None:
            lost.extend({"inquiry": code, "commitment": m, "why": "no bids.closed entry"} for m in accepted[i])
            continue
        listed = entry["data"]["commitments"]
        if entry["data"]["count"] != len(listed):
            mismatched.append(code)
        lost.extend({"inquiry": code, "commitment": m, "why": "accepted (201) but not in bids.closed"}
                    for m in accepted[i] if m not in listed)
        lost.extend({"inquiry": code, "commitment": m, "why": "in bids.closed but never accepted"}
                    for m in listed if m not in accepted[i])
        closing_lag.append(_ts(entry["ts"]) - inquiries[i]["real_deadline"])
    during = [latency for sent, latency, status in samples if status == 200 and started <= sent <= last_done]
    key_errors = sum(1 for _s, _l, status in samples if status != 200)
    per_second = Counter(int(r["sent"] - started) for recs in records.values() for r in recs)
    return {
        "quotes": sum(len(recs) for recs in records.values()),
        "statuses": dict(statuses),
        "accepted": sum(len(a) for a in accepted.values()),
        "accepted_by_inquiry": {codes[i]: len(a) for i, a in accepted.items()},
        "refused_late": len(late),
        "refused_late_detail": late,
        "racing": dict(racing),
        "sent_after_deadline": sent_after,
        "lost": len(lost),
        "lost_detail": lost[:50],
        "accepted_at_or_after_deadline": sum(1 for m in margins if m <= 0),
        "closest_acceptance_before_deadline_s": min(margins) if margins else None,
        "closed_entries": len(closed),
        "count_mismatch": mismatched,
        "server_errors": len(errors) + key_errors,
        "server_errors_detail": errors[:50],
        "key_sampler_errors": key_errors,
        "key_requests": len(samples),
        "other_refusals": len(other),
        "other_refusals_detail": other[:50],
        "quote_latency_s": summary(latency_201),
        "quote_latency_all_answers_s": summary(latency_all),
        "quote_latency_by_time_before_deadline_s": {k: summary(v) for k, v in buckets.items()},
        "key_latency_during_s": summary(during),
        "client_wake_lag_s": summary(wake),
        "peak_quotes_per_s": max(per_second.values()) if per_second else 0,
        "closing_lag_s": summary(closing_lag),
        "receipts": receipts,
    }


def custodian_shares(bundles, people):
    """What each custodian's own device does at the opening: its share bundle (the protected
    custodian key and the sealed share) opened with its passphrase, which the server never
    receives. Returns (shares for the opening's body, seconds, scrypt parameters)."""
    from bidding import crypto

    shares, parameters = [], None
    with Stopwatch() as sw:
        for username, bundle_json in bundles.items():
            bundle = crypto.parse_bundle(json.dumps(bundle_json))
            parameters = crypto.scrypt_parameters(bundle.key)
            share = crypto.open_share_with_passphrase(bundle, people["passphrases"][username])
            shares.append({"username": username, "share": share.hex()})
    return shares, sw.seconds, list(parameters)


def open_one(http_, code, index, clerk_token, people, prices, bundles):
    """Open one inquiry over the API, as its clerk with the clerk's and the supervisor's
    shares, each decrypted on the custodian's side; every price is checked against what was
    sealed."""
    shares, custodian_seconds, parameters = custodian_shares(bundles, people)
    status, data, seconds = http_.request("POST", f"/api/v1/transactions/{code}/opening/", {"shares": shares},
                                          clerk_token)
    if status != 200:
        raise RuntimeError(f"opening {code}: {status} {data[:500]!r}")
    records = json.loads(data)["openings"][-1]["records"]
    by_uscc = {c["uscc"]: n for n, c in enumerate(people["companies"])}
    wrong = [r for r in records if r["outcome"] != "opened" or r["price"] != prices[by_uscc[r["uscc"]], index]]
    return {"code": code, "envelopes": len(records), "seconds": seconds,
            "per_envelope_s": seconds / len(records) if records else None, "wrong_records": wrong[:10],
            "custodians_seconds": custodian_seconds, "scrypt_parameters": parameters}


def opening_baselines(n):
    """The same cryptography without the platform, here: n HPKE opens."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from bidding import crypto

    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    usccs = [f"91350100MA{k:07d}" for k in range(n)]
    sealed = [crypto.seal_quote(public, origin=ORIGIN, code="JY-0000-0000", supplier=u, price="70000.00")
              for u in usccs]
    with Stopwatch() as hpke:
        for uscc, envelope in zip(usccs, sealed, strict=True):
            crypto.open_quote(envelope, private, origin=ORIGIN, code="JY-0000-0000", supplier=uscc)
    return {"hpke_open_per_envelope_s": hpke.seconds / n}


def openings(http_, codes, clerk_token, people, prices, bundles):
    """Open the first inquiries (OPENINGS of them) one after the other; the figure is the
    median one by time per envelope."""
    opened = [open_one(http_, code, i, clerk_token, people, prices, bundles[code])
              for i, code in enumerate(codes[:OPENINGS])]
    middle = sorted(opened, key=lambda o: o["per_envelope_s"])[len(opened) // 2]
    base = opening_baselines(middle["envelopes"])
    return {**middle, **base, "all": opened, "wrong_records": [w for o in opened for w in o["wrong_records"]]}


def offline_verify(spike, http_, receipts):
    """The whole log as /ledger/entries serves it, checked by `python -m ledger.verify`
    against the latest signed checkpoint, with one bid receipt per inquiry."""
    folder = spike.dir / "export"
    folder.mkdir(exist_ok=True)
    _status, key, _ = http_.request("GET", "/ledger/key")

    def covered():  # the latest checkpoint covers the whole log (the worker signs it)
        size = len(fetch_entries(http_))
        _status, note, _ = http_.request("GET", "/ledger/checkpoint")
        return note.split(b"\n")[1].strip() == str(size).encode()

    wait_for(covered, 30, interval=0.5)
    _status, note, _ = http_.request("GET", "/ledger/checkpoint")
    lines = fetch_entries(http_)
    (folder / "entries.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
    (folder / "key").write_bytes(key)
    (folder / "checkpoint").write_bytes(note)
    argv = [PYTHON, "-m", "ledger.verify", "--entries", str(folder / "entries.jsonl"), "--key",
            str(folder / "key"), "--checkpoint", str(folder / "checkpoint")]
    for n, (_code, receipt) in enumerate(sorted(receipts.items())):
        path = folder / f"receipt-{n}.txt"
        path.write_text(receipt)
        argv += ["--receipt", str(path)]
    with Stopwatch() as sw:
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)
    output = (done.stdout + done.stderr).strip()
    return {"ok": done.returncode == 0, "exit": done.returncode, "entries": len(lines), "receipts": len(receipts),
            "seconds": sw.seconds, "output": output[-2000:]}


def results(f, quick):
    q, during, alone = f["quote_latency_s"], f["key_latency_during_s"], f["key_alone_s"]
    opening = f["opening"]
    quotes = f["quotes"]
    scope = f"{quotes:,} quotes, {f['sizes']['clients']} clients, {f['sizes']['inquiries']} inquiries"
    lost_notes = [
        f"{scope}; accepted {f['accepted']}, refused after the deadline {f['refused_late']} "
        f"({f['racing'].get('racer refused', 0)} of them sent within {RACE * 1000:.0f} ms of it on purpose), "
        f"other refusals {f['other_refusals']}; bids.closed entries {f['closed_entries']}/{f['sizes']['inquiries']}, "
        f"closed {fmt_ms(f['closing_lag_s']['p50'])} (p50) / {fmt_ms(f['closing_lag_s']['max'])} (max) after "
        f"the deadline (sequenced ts); accepted at or after the deadline by the server's clock: "
        f"{f['accepted_at_or_after_deadline']}"
        + (f" (closest acceptance {f['closest_acceptance_before_deadline_s'] * 1000:.3f} ms before it)"
           if f["closest_acceptance_before_deadline_s"] is not None else "")
        + "; whole log "
        + ("valid" if f["offline_verify"]["ok"] else "REFUSED") + " by python -m ledger.verify, "
        f"{f['offline_verify']['receipts']} receipts listed",
    ]
    if f["lost"]:
        lost_notes.append(f"lost: {f['lost_detail'][:3]}")
    error_notes = [f"{f['statuses']}; key sampler errors {f['key_sampler_errors']}"]
    if f["server_errors"]:
        error_notes.append(f"first errors: {f['server_errors_detail'][:3]}")
    if f["other_refusals"]:
        error_notes.append(f"other refusals (not errors, unexpected): {f['other_refusals_detail'][:3]}")
    p50_ratio = q["p50"] / during["p50"] if q["p50"] and during["p50"] else None
    p99_ratio = q["p99"] / during["p99"] if q["p99"] and during["p99"] else None
    wake = f["client_wake_lag_s"]
    out = [
        result("spike_lost_quotes", measured=f"{f['lost']} lost of {f['accepted']} accepted"
               + (f"; {f['accepted_at_or_after_deadline']} ACCEPTED AFTER THE DEADLINE"
                  if f["accepted_at_or_after_deadline"] else ""), baseline="-",
               ratio=None, target=TARGETS["spike_lost_quotes"], met=f["lost"] == 0 and f["closed_entries"] ==
               f["sizes"]["inquiries"], figures=f, notes=lost_notes),
        result("spike_server_errors", measured=f"{f['server_errors']} in {quotes + f['key_requests']:,} requests",
               baseline="-", ratio=None, target=TARGETS["spike_server_errors"], met=f["server_errors"] == 0,
               figures={}, notes=error_notes),
        result("spike_latency",
               measured=f"quote p50 {fmt_ms(q['p50'])}, p99 {fmt_ms(q['p99'])}",
               baseline=f"/ledger/key during p50 {fmt_ms(during['p50'])}, p99 {fmt_ms(during['p99'])}",
               ratio=p50_ratio, target="report", met=None, figures={},
               notes=[f"ratio of p50s; p99 ratio {p99_ratio:.2f}" if p99_ratio else "p99 ratio -",
                      f"/ledger/key alone before the spike: p50 {fmt_ms(alone['p50'])}, p99 {fmt_ms(alone['p99'])}; "
                      f"peak {f['peak_quotes_per_s']} quotes/s; spike {f['spike_seconds']:.0f} s; gunicorn gthread "
                      f"{GUNICORN['workers']} workers x {GUNICORN['threads']} threads, keep-alive; CPU: gunicorn "
                      f"{f['cpu_seconds']['server']:.1f} s, worker {f['cpu_seconds']['worker']:.1f} s, "
                      f"client threads {f['cpu_seconds']['client']:.1f} s",
                      f"client threads' wake-up lag (GIL, scheduler) p50 {fmt_ms(wake['p50'])}, p99 "
                      f"{fmt_ms(wake['p99'])}; sandbox factor {f['factor']}"
                      + (f"; stand-in calendar years {f['stand_in_years']}" if f["stand_in_years"] else "")]),
        result("spike_opening",
               measured=f"{opening['per_envelope_s'] * 1000:.2f} ms/envelope ({opening['envelopes']} in "
                        f"{opening['seconds']:.3f} s)",
               baseline=f"HPKE open {opening['hpke_open_per_envelope_s'] * 1000:.3f} ms/envelope",
               ratio=opening["per_envelope_s"] / opening["hpke_open_per_envelope_s"],
               target="report", met=None, figures={},
               notes=[f"median of {len(opening['all'])} openings over the API ("
                      + ", ".join(f"{o['envelopes']} in {o['seconds']:.3f} s" for o in opening["all"])
                      + f"), each with two custodians' shares, decrypted on their side before the request "
                      f"(scrypt N=2^{opening['scrypt_parameters'][0]}, r={opening['scrypt_parameters'][1]} of each "
                      f"custodian key: {opening['custodians_seconds']:.3f} s for the two, not in the figure); "
                      f"ratio: per envelope / HPKE open alone; "
                      f"{len(opening['wrong_records'])} records differ from the prices sealed"]),
    ]
    return out


if __name__ == "__main__":
    _child_main(sys.argv[1:])
