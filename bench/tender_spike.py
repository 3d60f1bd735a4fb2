"""Benchmark 6, the tender deadline spike: 1,000 sealed bids, of them 300 replacements, and
100 withdrawals, from 50 concurrent HTTP clients into 20 open tenders whose bid deadlines
all fall within the same real minute, on gunicorn and PostgreSQL, closed by the platform's
own clock (with --quick: 20 clients x 10 tenders, 280 bids of them 84 replacements, 28
withdrawals).

What it reports:

* lost bids: the `bids.closed` entry of each tender must list exactly the live bids (the
  last accepted envelope of each company that did not withdraw after it), as `replaced`
  every accepted envelope a later one of the same company superseded (each exactly once)
  and as `withdrawn` the withdrawn ones; anything else is counted (must be 0);
* server errors: any 5xx or connection error (must be 0);
* the latency of `POST .../tender/bids/` and `POST .../tender/bids/withdraw/` (p50, p99)
  against `GET /ledger/key` on the same gunicorn, sampled by a separate client during the
  spike.

It runs on the machinery of bench/deadline_spike.py (its database and processes in embedded
mode with the sandbox clock, the keep-alive clients, the `/ledger/key` and lock samplers,
the ledger reading): the tenders are set up through the services in child processes of this
module (`python -m bench.tender_spike STEP`); the twenty days of the bid period are
compressed to seconds (`SANDBOX_TIME_FACTOR`); every company registers for its tenders before
the spike; the envelopes are sealed here with `bidding.crypto` before it, so that the spike
measures the server. bench/README.md has the details.
"""

import base64
import contextlib
import json
import math
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # `python bench/tender_spike.py STEP`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "bench"

from bench.common import (  # noqa: E402
    ORIGIN,
    PYTHON,
    ROOT,
    Stopwatch,
    _admin_connection,
    _drop_leftovers,
    fmt_ms,
    group_cpu_seconds,
    log,
    median,
    percentile,
    result,
    summary,
    wait_for,
)
from bench.deadline_spike import (  # noqa: E402
    GUNICORN,
    Http,
    Spike,
    _json,
    _ts,
    closed_entries,
    fetch_entries,
    key_alone,
    key_sampler,
    lock_sampler,
    lock_summary,
    login_all,
    offline_verify,
)

BID_PERIOD_DAYS = 20  # the rule set's bid period: compressed to `needed` real seconds
RACERS, RACE, MARGIN = 2, 0.1, 0.3  # per tender: last operations within +-RACE s of the deadline
TARGETS = {"tender_spike_lost_bids": "= 0", "tender_spike_server_errors": "= 0"}


def sizes(quick):
    if quick:
        return {"clients": 20, "tenders": 10, "bidders": 14, "replacements": 84, "withdrawals": 28,
                "needed": 10.0, "lead": 15.0, "spacing": 2.0, "window": 12.0, "alone": 300}
    # 20 tenders x 35 companies = 700 first bids + 300 replacements = 1,000 bids; 100 withdrawals.
    return {"clients": 50, "tenders": 20, "bidders": 35, "replacements": 300, "withdrawals": 100,
            "needed": 10.0, "lead": 20.0, "spacing": 2.0, "window": 18.0, "alone": 600}


class TenderSpike(Spike):
    """The spike's database (`bench_<pid>_tender`), environment and children."""

    suffix = "tender"

    def __init__(self, session, factor=None):
        super().__init__(session, factor)
        self.db_name = f"bench_{os.getpid()}_{self.suffix}"
        self.database_url = self.database_url.rsplit("/", 1)[0] + "/" + self.db_name
        self.dir = session.tmp / self.suffix
        (self.dir / "logs").mkdir(parents=True, exist_ok=True)

    def create_database(self):
        with contextlib.closing(_admin_connection()) as admin, admin.cursor() as cursor:
            _drop_leftovers(cursor, like=f"bench\\_%\\_{self.suffix}", pattern=rf"bench_(\d+)_{self.suffix}")
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.db_name}"')
            cursor.execute(f'CREATE DATABASE "{self.db_name}"')
        self.db_created = True

    def step(self, name, config, module="bench.tender_spike"):
        config_path, out_path = self.dir / f"{name}-in.json", self.dir / f"{name}-out.json"
        config_path.write_text(json.dumps(config))
        done = subprocess.run([PYTHON, "-m", module, name, str(config_path), str(out_path)],
                              cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(f"setup step {name} failed:\n{(done.stdout + done.stderr)[-4000:]}")
        return json.loads(out_path.read_text())


# --- setup steps (child processes, Django set up with the spike's environment) --------------------


def _step_prepare(config):
    """Migrate, the signing key, the station, its people and custodian keys, the companies."""
    import secrets

    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from bidding.services.companies import company_register
    from bidding.services.custodians import custodian_key_set
    from bidding.uscc import check_character
    from trading.models import Membership, Role, Station, Unit, User

    with Stopwatch() as sw:
        call_command("migrate", verbosity=0, interactive=False)
    call_command("ledger_keygen", verbosity=0)
    station = Station.objects.create(code="tspike", name="城关镇公共资源交易站（招标压测）", county="示范县")
    unit = Unit.objects.create(station=station, name="城关镇人民政府")
    password = secrets.token_urlsafe(16)
    encoded = make_password(password)

    def person(username, full_name, role, unit=None):
        user = User.objects.create(username=username, full_name=full_name, password=encoded)
        Membership.objects.create(user=user, station=station, role=role, unit=unit)
        return user

    people = {"clerk": person("clerk", "王明", Role.CLERK), "supervisor": person("supervisor", "赵刚", Role.SUPERVISOR),
              "purchaser": person("purchaser", "张伟", Role.PURCHASER, unit)}
    for user in people.values():
        custodian_key_set(user=user, passphrase=f"{user.username}-opens-{secrets.token_hex(6)}")
    companies = []
    for i in range(config["clients"]):
        bidder = person(f"builder{i + 1:02d}", f"投标人代表{i + 1}", Role.BIDDER)
        base = f"91350200MA{i + 1:07d}"
        company = company_register(user=bidder, uscc=base + check_character(base), name=f"示范县第{i + 1}建筑工程有限公司",
                                   contact_name=f"联系人{i + 1}", contact_phone=f"0591-8765{i + 1:04d}")
        companies.append({"pk": company.pk, "uscc": company.uscc, "username": bidder.username})
    return {"migrate_seconds": sw.seconds, "password": password, "companies": companies,
            "clerk": "clerk", "purchaser": "purchaser", "supervisor_pk": people["supervisor"].pk,
            "purchaser_pk": people["purchaser"].pk}


def _step_world(config):
    """The tenders, through the services: filed, registered (in the sandbox)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from trading import clock
    from trading.models import Unit, User
    from trading.services.transactions import document_attach, transaction_create
    from trading.services.transitions import transaction_transition

    purchaser, clerk = User.objects.get(username="purchaser"), User.objects.get(username="clerk")
    unit = Unit.objects.get(station__code="tspike")
    codes = []
    with Stopwatch() as sw:
        for i in range(config["tenders"]):
            tx = transaction_create(user=purchaser, unit=unit, type="tender", title=f"道路硬化工程（压测第{i + 1}标段）",
                                    amount="460000.00")
            for name, purpose in (("立项批复.txt", "approval"), ("工程量清单.txt", "specification")):
                document_attach(transaction=tx, user=purchaser, purpose=purpose, upload=SimpleUploadedFile(
                    name, f"{name} 第{i + 1}标段".encode(), content_type="text/plain"))
            transaction_transition(code=tx.code, action="submit", user=purchaser)
            transaction_transition(code=tx.code, action="register", user=clerk)
            codes.append(tx.code)
    return {"codes": codes, "factor": clock.sandbox_factor(), "world_seconds": sw.seconds}


def _step_notices(config):
    """Issue the notices (tender j's deadline at real time first + j x spacing, or later
    if the compressed bid period needs it), then register the companies the plan names."""
    from datetime import UTC, datetime

    from bidding.models import Company, OpeningKey
    from bidding.selectors_sealed import round_of
    from trading import clock, deadlines
    from trading.models import Transaction, User
    from trading.procedures.tender.services import bids, notice

    clerk = User.objects.get(username="clerk")
    now = clock.now()
    tx0 = Transaction.objects.get(code=config["codes"][0])
    needed = (deadlines.at_least_days(tx0, now, BID_PERIOD_DAYS) - now).total_seconds()
    first = max(config["first_deadline"], now.timestamp() + needed + 2.0 + 0.15 * len(config["codes"]))
    out = []
    for j, code in enumerate(config["codes"]):
        deadline = datetime.fromtimestamp(first + j * config["spacing"], tz=UTC)
        with Stopwatch() as sw:
            notice.tender_issue_notice(
                code=code, user=clerk, deadline=deadline, documents_until=deadline, method="lowest_price",
                qualifications="市政公用工程施工总承包三级及以上", security_amount="9000.00",
                supervisor=config["supervisor_pk"], purchaser_rep=config["purchaser_pk"])
        tx = Transaction.objects.get(code=code)
        key = OpeningKey.objects.get(bid_round=round_of(tx))
        out.append({"code": code, "deadline": deadline.timestamp(), "public_key": bytes(key.public_key).hex(),
                    "issue_seconds": sw.seconds})
    users = {u.username: u for u in User.objects.filter(username__startswith="builder")}
    companies = {c.pk: c for c in Company.objects.all()}
    with Stopwatch() as reg:
        for j, c in config["registrations"]:
            company = companies[config["companies"][c]["pk"]]
            bids.tender_register(code=config["codes"][j], user=users[config["companies"][c]["username"]],
                                 company=company)
    return {"tenders": out, "first": first, "needed_seconds": needed, "registration_seconds": reg.seconds}


STEPS = {"prepare": _step_prepare, "world": _step_world, "notices": _step_notices}


def _child_main(argv):
    name, config_path, out_path = argv
    import django

    django.setup()
    out = STEPS[name](json.loads(Path(config_path).read_text()))
    Path(out_path).write_text(json.dumps(out))


# --- the plan and the clients ------------------------------------------------------------------


def make_plan(rnd, s):
    """{(client, tender): [(seconds before the deadline, "bid" | "replace" | "withdraw"), ...]}
    in time order: every pair bids once, `replacements` of them bid again, `withdrawals` of
    them withdraw after their last bid; per tender RACERS pairs have their last operation
    within +-RACE s of the deadline."""
    pairs = [(c, t) for t in range(s["tenders"]) for c in sorted(rnd.sample(range(s["clients"]), s["bidders"]))]
    replacing = set(rnd.sample(pairs, s["replacements"]))
    withdrawing = set(rnd.sample(pairs, s["withdrawals"]))
    racers = {p for t in range(s["tenders"]) for p in rnd.sample([p for p in pairs if p[1] == t], RACERS)}
    plan = {}
    for pair in pairs:
        kinds = ["bid"] + (["replace"] if pair in replacing else []) + (["withdraw"] if pair in withdrawing else [])
        times = sorted((MARGIN + (s["window"] - MARGIN) * rnd.random() ** 2 for _ in kinds), reverse=True)
        if pair in racers:
            times[-1] = rnd.uniform(-RACE, RACE)
        plan[pair] = list(zip(times, kinds, strict=True))
    return plan


def client_loop(port, token, items, out):
    """One company: its operations in time order on one keep-alive connection; an item is
    (scheduled epoch, tender, kind, path, body)."""
    http_ = Http(port)
    try:
        for scheduled, tender, kind, path, body in items:
            delay = scheduled - time.time()
            if delay > 0:
                time.sleep(delay)
            sent = time.time()
            record = {"tender": tender, "kind": kind, "scheduled": scheduled, "sent": sent, "body": body}
            try:
                status, data, elapsed = http_.request("POST", path, body, token)
            except Exception as exc:  # a connection error counts as a server error
                record.update(status=None, error=f"{type(exc).__name__}: {exc}", latency=time.time() - sent)
            else:
                record.update(status=status, latency=elapsed, answer=data.decode("utf-8", "replace"))
            record["done"] = time.time()
            out.append(record)
    finally:
        http_.close()


# --- the benchmark -----------------------------------------------------------------------------


def run(session, quick):
    spike = TenderSpike(session)
    try:
        return _run(spike, sizes(quick), quick)
    finally:
        spike.close()


def _run(spike, s, quick):
    rnd = random.Random(10)
    spike.create_database()
    log(f"tender_spike: database {spike.db_name} created")
    people = spike.step("prepare", {"clients": s["clients"]})
    # The twenty days of the bid period pass in `needed` real seconds.
    spike.factor = math.ceil(BID_PERIOD_DAYS * 86400 / s["needed"] / 1000) * 1000
    world = spike.step("world", {"tenders": s["tenders"]})
    codes = world["codes"]
    log(f"tender_spike: {s['clients']} companies, {s['tenders']} tenders registered in {world['world_seconds']:.1f} s; "
        f"SANDBOX_TIME_FACTOR={spike.factor}")
    worker = spike.start_worker()
    server, port = spike.start_server()
    http_ = Http(port)
    tokens = login_all(port, [c["username"] for c in people["companies"]] + ["clerk"], people["password"])
    alone = key_alone(port, s["alone"])
    log(f"tender_spike: GET /ledger/key alone: p50 {fmt_ms(median(alone))}, p99 {fmt_ms(percentile(alone, 99))}")

    plan = make_plan(rnd, s)
    notices = spike.step("notices", {
        "codes": codes, "supervisor_pk": people["supervisor_pk"], "purchaser_pk": people["purchaser_pk"],
        "first_deadline": time.time() + 8.0 + 0.2 * s["tenders"] + s["lead"], "spacing": s["spacing"],
        "companies": people["companies"], "registrations": sorted((t, c) for c, t in plan)})
    tenders = notices["tenders"]
    deadlines = [t["deadline"] for t in tenders]
    log(f"tender_spike: notices issued (median {median([t['issue_seconds'] for t in tenders]) * 1000:.0f} ms), "
        f"{len(plan)} registrations in {notices['registration_seconds']:.1f} s; deadlines in "
        f"{deadlines[0] - time.time():.1f} .. {deadlines[-1] - time.time():.1f} s")

    from bidding import crypto

    bodies, envelopes = {}, {}
    with Stopwatch() as sealing:
        for (c, t), ops in plan.items():
            company = people["companies"][c]
            for n, (_before, kind) in enumerate(ops):
                if kind == "withdraw":
                    bodies[c, t, n] = json.dumps({"supplier": company["uscc"]}).encode()
                    continue
                envelope = crypto.seal_quote(bytes.fromhex(tenders[t]["public_key"]), origin=ORIGIN,
                                             code=codes[t], supplier=company["uscc"],
                                             price=f"{rnd.randint(40_000_000, 46_000_000) / 100:.2f}")
                envelopes[c, t, n] = envelope
                bodies[c, t, n] = json.dumps({"supplier": company["uscc"], "part": "offer",
                                              "envelope": base64.b64encode(envelope).decode(),
                                              "idempotency_key": f"ts-{codes[t]}-{company['uscc']}-{n}"}).encode()
    log(f"tender_spike: {len(envelopes)} envelopes sealed in {sealing.seconds:.2f} s")

    items = {c: [] for c in range(s["clients"])}
    for (c, t), ops in plan.items():
        for n, (before, kind) in enumerate(ops):
            path = f"/api/v1/transactions/{codes[t]}/tender/bids/" + ("withdraw/" if kind == "withdraw" else "")
            items[c].append((deadlines[t] - before, t, (kind, n), path, bodies[c, t, n]))
    for c in items:
        items[c].sort(key=lambda item: item[0])
    spike_start = max(time.time(), deadlines[0] - s["lead"])
    records = {c: [] for c in range(s["clients"])}
    threads = [threading.Thread(target=client_loop, args=(port, tokens[people["companies"][c]["username"]],
                                                          items[c], records[c])) for c in range(s["clients"])]
    samples, pg_samples, stop = [], [], threading.Event()
    samplers = [threading.Thread(target=key_sampler, args=(port, stop, samples)),
                threading.Thread(target=lock_sampler, args=(spike.database_url, stop, pg_samples))]
    time.sleep(max(0.0, spike_start - time.time()))
    cpu0 = (group_cpu_seconds(server.process.pid), group_cpu_seconds(worker.process.pid))
    started = time.time()
    log(f"tender_spike: spike starts, first deadline in {deadlines[0] - started:.1f} s")
    for thread in samplers + threads:
        thread.start()
    for thread in threads:
        thread.join()
    last_done = time.time()
    stop.set()
    for thread in samplers:
        thread.join()
    cpu = {"server": group_cpu_seconds(server.process.pid) - cpu0[0],
           "worker": group_cpu_seconds(worker.process.pid) - cpu0[1]}

    wait_for(lambda: len(closed_entries(fetch_entries(http_), set(codes))) == len(codes),
             max(30.0, deadlines[-1] - time.time() + 30), interval=0.5)
    closed = closed_entries(fetch_entries(http_), set(codes))
    figures = analyse(records, envelopes, codes, tenders, closed, samples, started, last_done)
    figures.update(locks=lock_summary(pg_samples), cpu_seconds=cpu, key_alone_s=summary(alone), sizes=s,
                   factor=spike.factor, spike_seconds=last_done - started, sealing_seconds=sealing.seconds,
                   setup={"migrate_seconds": people["migrate_seconds"], "world_seconds": world["world_seconds"],
                          "registration_seconds": notices["registration_seconds"]})
    figures["offline_verify"] = offline_verify(spike, http_, figures.pop("receipts"))
    log(f"tender_spike: accepted bids {figures['accepted_bids']}, withdrawals {figures['accepted_withdrawals']}, "
        f"refused after the deadline {figures['refused_late']}, lost {figures['lost']}, replaced-once check "
        f"{figures['replaced_ok']}, server errors {figures['server_errors']}; log "
        f"{'valid' if figures['offline_verify']['ok'] else 'REFUSED'}")
    if not server.alive() or not worker.alive():
        raise RuntimeError(f"a child died:\n{server.tail()}\n{worker.tail()}")
    http_.close()
    return results(figures)


def analyse(records, envelopes, codes, tenders, closed, samples, started, last_done):
    """What each tender's `bids.closed` must say, from the answers, against what it says."""
    from bidding import crypto

    statuses, late, errors, other = Counter(), [], [], []
    latency = {"bid": [], "withdraw": []}
    expected = {t: {"live": set(), "replaced": [], "withdrawn": set()} for t in range(len(codes))}
    receipts = {}
    accepted_bids = accepted_withdrawals = 0
    for c, recs in records.items():
        history = {}  # tender -> accepted submissions (commitments), withdrawn flag
        for r in recs:
            t, (kind, n) = r["tender"], r["kind"]
            statuses[f"{kind} {r['status']}"] += 1
            if r["status"] is None or r["status"] >= 500:
                errors.append({"client": c, "tender": codes[t], "kind": kind, "status": r["status"],
                               "error": r.get("error") or r.get("answer", "")[:300]})
                continue
            answer = _json(r["answer"])
            subs = history.setdefault(t, {"subs": [], "withdrawn": False})
            if kind != "withdraw" and r["status"] == 201:
                mine = crypto.commitment(envelopes[c, t, n])
                if answer.get("commitment") != mine:
                    other.append({"client": c, "tender": codes[t], "why": "commitment differs"})
                subs["subs"].append(mine)
                subs["withdrawn"] = False
                accepted_bids += 1
                latency["bid"].append(r["latency"])
                receipts.setdefault(t, {})[mine] = answer.get("receipt")
                continue
            if kind == "withdraw" and r["status"] == 200:
                subs["withdrawn"] = True
                accepted_withdrawals += 1
                latency["withdraw"].append(r["latency"])
                continue
            detail = answer.get("error", {}).get("details", {})
            if (r["status"] == 422 and detail.get("rule") == "sealed.deadline") or (
                    r["status"] == 409 and detail.get("stage") in ("bids_closed", "failed")):
                late.append({"client": c, "tender": codes[t], "kind": kind,
                             "sent_after_deadline_ms": (r["sent"] - tenders[t]["deadline"]) * 1000})
            elif kind == "withdraw" and r["status"] == 400:
                other.append({"client": c, "tender": codes[t], "why": "nothing to withdraw (its bid was refused late)"})
            else:
                other.append({"client": c, "tender": codes[t], "kind": kind, "status": r["status"],
                              "answer": r["answer"][:300]})
        for t, h in history.items():
            if not h["subs"]:
                continue
            expected[t]["replaced"] += h["subs"][:-1]
            (expected[t]["withdrawn"].add if h["withdrawn"] else expected[t]["live"].add)(h["subs"][-1])
    lost, lag, replaced_problems = [], [], []
    for t, code in enumerate(codes):
        entry = closed.get(code)
        if entry is None:
            lost.append({"tender": code, "why": "no bids.closed entry"})
            continue
        data = entry["data"]
        listed, replaced, withdrawn = set(data["commitments"]), data.get("replaced", []), set(data.get("withdrawn", []))
        exp = expected[t]
        # `commitments` lists every accepted envelope (LEDGER.md section 6); the live ones are
        # those not named under `replaced` or `withdrawn`.
        live_listed = listed - set(replaced) - withdrawn
        accepted = exp["live"] | exp["withdrawn"] | set(exp["replaced"])
        lost += [{"tender": code, "commitment": m, "why": "accepted but not listed"} for m in accepted - listed]
        lost += [{"tender": code, "commitment": m, "why": "listed but never accepted"} for m in listed - accepted]
        lost += [{"tender": code, "commitment": m, "why": "live but listed as not opened"}
                 for m in exp["live"] - live_listed]
        lost += [{"tender": code, "commitment": m, "why": "withdrawn but not listed as withdrawn"}
                 for m in exp["withdrawn"] - withdrawn]
        if data["count"] != len(data["commitments"]) or sorted(replaced) != sorted(exp["replaced"]) or (
                len(set(replaced)) != len(replaced)) or set(replaced) & withdrawn or not set(replaced) <= listed:
            replaced_problems.append(code)
        lag.append(_ts(entry["ts"]) - tenders[t]["deadline"])
    during = [latency_ for sent, latency_, status in samples if status == 200 and started <= sent <= last_done]
    key_errors = sum(1 for _s, _l, status in samples if status != 200)
    # One receipt per tender for `python -m ledger.verify`, of a bid live at the close
    # (a replaced or withdrawn one's receipt is listed in `commitments` too).
    live_receipts = {codes[t]: next(receipts[t][m] for m in sorted(expected[t]["live"]))
                     for t in range(len(codes)) if expected[t]["live"] and t in receipts}
    return {"statuses": dict(statuses), "accepted_bids": accepted_bids, "accepted_withdrawals": accepted_withdrawals,
            "live": sum(len(e["live"]) for e in expected.values()),
            "replaced": sum(len(e["replaced"]) for e in expected.values()),
            "withdrawn": sum(len(e["withdrawn"]) for e in expected.values()),
            "refused_late": len(late), "refused_late_detail": late[:50], "lost": len(lost), "lost_detail": lost[:50],
            "replaced_ok": not replaced_problems, "replaced_problems": replaced_problems,
            "closed_entries": len(closed), "server_errors": len(errors) + key_errors,
            "server_errors_detail": errors[:50], "key_sampler_errors": key_errors, "key_requests": len(samples),
            "other_refusals": len(other), "other_refusals_detail": other[:50],
            "bid_latency_s": summary(latency["bid"]), "withdraw_latency_s": summary(latency["withdraw"]),
            "key_latency_during_s": summary(during), "closing_lag_s": summary(lag), "receipts": live_receipts}


def results(f):
    b, w, during = f["bid_latency_s"], f["withdraw_latency_s"], f["key_latency_during_s"]
    s = f["sizes"]
    scope = (f"{f['accepted_bids']} bids accepted ({f['replaced']} replaced), {f['accepted_withdrawals']} withdrawals, "
             f"{s['clients']} clients, {s['tenders']} tenders")
    ratio = b["p50"] / during["p50"] if b["p50"] and during["p50"] else None
    p99_ratio = b["p99"] / during["p99"] if b["p99"] and during["p99"] else None
    return [
        result("tender_spike_lost_bids", measured=f"{f['lost']} lost; replaced once: {f['replaced_ok']}",
               baseline="-", ratio=None, target=TARGETS["tender_spike_lost_bids"],
               met=f["lost"] == 0 and f["replaced_ok"] and f["closed_entries"] == s["tenders"], figures=f,
               notes=[f"{scope}; live at the close {f['live']}, refused after the deadline {f['refused_late']}, "
                      f"other refusals {f['other_refusals']}; bids.closed {f['closed_entries']}/{s['tenders']}, "
                      f"closed {fmt_ms(f['closing_lag_s']['p50'])} (p50) after the deadline; whole log "
                      + ("valid" if f["offline_verify"]["ok"] else "REFUSED") + " by python -m ledger.verify"]),
        result("tender_spike_server_errors", measured=f"{f['server_errors']} errors", baseline="-", ratio=None,
               target=TARGETS["tender_spike_server_errors"], met=f["server_errors"] == 0, figures={},
               notes=[f"{f['statuses']}"]),
        result("tender_spike_latency", measured=f"bid p50 {fmt_ms(b['p50'])}, p99 {fmt_ms(b['p99'])}; withdraw p50 "
                                                f"{fmt_ms(w['p50'])}, p99 {fmt_ms(w['p99'])}",
               baseline=f"/ledger/key during p50 {fmt_ms(during['p50'])}, p99 {fmt_ms(during['p99'])}",
               ratio=ratio, target="report", met=None, figures={},
               notes=[f"ratio of p50s; p99 ratio {p99_ratio:.2f}" if p99_ratio else "p99 ratio -",
                      f"/ledger/key alone p50 {fmt_ms(f['key_alone_s']['p50'])}; gunicorn {GUNICORN}; CPU gunicorn "
                      f"{f['cpu_seconds']['server']:.1f} s, worker {f['cpu_seconds']['worker']:.1f} s; sandbox factor "
                      f"{f['factor']}"]),
    ]


if __name__ == "__main__":
    _child_main(sys.argv[1:])
