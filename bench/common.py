"""Shared plumbing of the benchmarks: the throwaway PostgreSQL database, the production-like
environment of every process, child processes (Celery worker, gunicorn), timing helpers
and the result records that run.py prints and writes as JSON.

Nothing here imports Django at module level: run.py creates the database and sets the
environment first, then calls `BenchSession.setup_django()`.
"""

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
OUT_DIR = ROOT / "bench" / "out"

# Overridable for other machines; the defaults are the ones of docs/deploy.md's CI.
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
ORIGIN = "bench.localhost/ledger"


# --- statistics ----------------------------------------------------------------------------


def percentile(values, p):
    """The p-th percentile (0..100) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values):
    """count, mean, p50, p99 and max of a list of numbers (same unit as the values)."""
    if not values:
        return {"count": 0, "mean": None, "p50": None, "p99": None, "max": None}
    return {
        "count": len(values),
        "mean": sum(values) / len(values),
        "p50": percentile(values, 50),
        "p99": percentile(values, 99),
        "max": max(values),
    }


def median(values):
    return percentile(values, 50)


class Stopwatch:
    """`with Stopwatch() as sw: ...; sw.seconds`"""

    def __enter__(self):
        self._start = time.perf_counter()
        self.seconds = None
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        return False


_T0 = time.perf_counter()


def log(message):
    print(f"[{time.perf_counter() - _T0:6.1f}s] {message}", flush=True)


def group_cpu_seconds(pgid):
    """User + system CPU seconds of every live process in process group `pgid` (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after "(comm)": state ppid pgrp session ... utime(12) stime(13)
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


# --- results ---------------------------------------------------------------------------------


def result(name, *, measured, baseline, ratio, target, met, figures, notes=()):
    """One line of the final table (and one object of results.json).

    measured/baseline: short human strings of the figure and its baseline; ratio: a float
    (None when not measured); target: text such as ">= 0.8"; met: True/False/None;
    figures: every number measured, for the JSON.
    """
    return {
        "name": name,
        "measured": measured,
        "baseline": baseline,
        "ratio": ratio,
        "target": target,
        "met": met,
        "figures": figures,
        "notes": list(notes),
    }


def not_available(name, target, why):
    return result(name, measured="not available", baseline="-", ratio=None, target=target,
                  met=None, figures={}, notes=[why])


# --- child processes ------------------------------------------------------------------------------


def _die_with_parent():
    """In the child, before exec: SIGTERM it when the bench process dies, even by SIGKILL
    (Linux prctl PR_SET_PDEATHSIG), so that no worker or server outlives a killed run."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Child:
    """A process this run started, in its own session so that it and its children (gunicorn
    workers, Celery's embedded beat) are stopped together, by its process-group id."""

    def __init__(self, name, argv, env, log_path):
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )

    def alive(self):
        return self.process.poll() is None

    def stop(self, timeout=20):
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # Stragglers of the group (a worker that outlived its master).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()

    def tail(self, chars=3000):
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


# --- the session: database, environment, key, Django ------------------------------------------------


def _admin_connection():
    import psycopg2

    connection = psycopg2.connect(f"{PG_URL}/postgres")
    connection.autocommit = True
    return connection


def _drop_leftovers(cursor, *, like="bench\\_%", pattern=r"bench_(\d+)"):
    """Databases of earlier runs killed outright (SIGKILL: no cleanup) whose name matches
    `pattern` (the run's pid as its group) and whose process is gone. Without FORCE: one
    still in use is left alone."""
    import re

    cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [like])
    for (name,) in cursor.fetchall():
        match = re.fullmatch(pattern, name)
        if not match or _alive(int(match.group(1))):
            continue
        try:
            cursor.execute(f'DROP DATABASE "{name}"')
            log(f"dropped {name}, left behind by a run that was killed")
        except Exception as exc:
            log(f"could not drop {name}, left behind by a killed run: {exc}")


def start_gunicorn(start, args):
    """gunicorn on a free port with `args` (workers, threads...) through `start(name, argv)`
    (a BenchSession's), and wait until it answers GET /ledger/key. Returns (child, port)."""
    import http.client

    port = free_port()
    server = start("gunicorn", [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", *args,
                                "--bind", f"127.0.0.1:{port}", "--log-level", "warning"])

    def up():
        if not server.alive():
            raise RuntimeError(f"gunicorn exited:\n{server.tail()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/ledger/key")
            ok = connection.getresponse().status == 200
            connection.close()
            return ok
        except OSError:
            return False

    if not wait_for(up, 60, interval=0.2):
        raise RuntimeError(f"gunicorn did not answer:\n{server.tail()}")
    return server, port


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class BenchSession:
    """The run's throwaway database `bench_<pid>`, temporary folder (key, media, logs), the
    environment of every process, and the child processes; all removed by close(), which
    run.py calls in a `finally` (also on an error, Ctrl-C or SIGTERM)."""

    def __init__(self, *, quick):
        self.quick = quick
        self.db_name = f"bench_{os.getpid()}"
        self.database_url = f"{PG_URL}/{self.db_name}"
        self.tmp = Path(tempfile.mkdtemp(prefix="station-bench-"))
        self.key_file = self.tmp / "keys" / "ledger.key"
        self.children = []
        self.db_created = False
        self.env = self._environment()

    def _environment(self):
        env = {k: v for k, v in os.environ.items()
               if k not in ("DJANGO_DEBUG", "STATION_VAR_DIR", "DJANGO_SETTINGS_MODULE")}
        env.update({
            # Production settings (docs/deploy.md), on the bench database and broker.
            "STATION_MODE": "production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": BROKER_URL,
            "LEDGER_ORIGIN": ORIGIN,
            "LEDGER_SIGNING_KEY_FILE": str(self.key_file),
            "LEDGER_ALLOW_HTTP": "1",  # plain HTTP to /ledger/* (no TLS proxy in the bench)
            # Messages (docs/notifications.md) are composed as in production, not mailed.
            "STATION_SITE_URL": "http://bench.localhost",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "MEDIA_ROOT": str(self.tmp / "media"),
            "STATIC_ROOT": str(self.tmp / "static"),
            "LOG_LEVEL": "WARNING",
            # Benchmarks only: lets recording be switched off to measure its cost.
            "LEDGER_ALLOW_RECORDING_OFF": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONUNBUFFERED": "1",
        })
        return env

    # -- lifecycle

    def open(self):
        with contextlib.closing(_admin_connection()) as admin, admin.cursor() as cursor:
            _drop_leftovers(cursor)
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.db_name}"')
            cursor.execute(f'CREATE DATABASE "{self.db_name}"')
        self.db_created = True
        log(f"database {self.db_name} created; temporary files in {self.tmp}")
        (self.tmp / "media").mkdir(parents=True)
        (self.tmp / "logs").mkdir()
        os.environ.update(self.env)
        self.setup_django()
        from django.core.management import call_command

        with Stopwatch() as sw:
            call_command("migrate", verbosity=0, interactive=False)
        log(f"migrated in {sw.seconds:.1f} s")
        # After migrate: the command also signs the empty log's checkpoint (size 0).
        keygen = subprocess.run(
            [PYTHON, "manage.py", "ledger_keygen"], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=120,
        )
        if keygen.returncode != 0:
            raise RuntimeError(f"ledger_keygen failed:\n{keygen.stdout}{keygen.stderr}")
        return self

    def setup_django(self):
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from config.celery import app

        # As tests/ledger/test_celery_worker.py: tasks go to the broker, never run in-process.
        app.conf.update(broker_url=BROKER_URL, task_always_eager=False)

    def close(self):
        for child in reversed(self.children):
            try:
                child.stop()
            except Exception as exc:  # keep cleaning up
                print(f"could not stop {child.name}: {exc}", file=sys.stderr)
        self.children.clear()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        if self.db_created:
            try:
                with contextlib.closing(_admin_connection()) as admin, admin.cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
                self.db_created = False
                log(f"database {self.db_name} dropped")
            except Exception as exc:
                print(f"could not drop database {self.db_name}: {exc}", file=sys.stderr)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- children

    def start(self, name, argv):
        child = Child(name, argv, self.env, self.tmp / "logs" / f"{name}-{len(self.children)}.log")
        self.children.append(child)
        return child

    def stop(self, child):
        child.stop()
        if child in self.children:
            self.children.remove(child)

    def purge_broker(self):
        subprocess.run([PYTHON, "-m", "celery", "-A", "config", "purge", "-f"], cwd=ROOT,
                       env=self.env, capture_output=True, timeout=120)

    def start_worker(self):
        """A Celery worker with embedded beat (`-B`), solo pool, as in production: it takes
        the kicks queued on commit and beat's once-a-second safety net."""
        self.purge_broker()
        # Messages have their own worker, as in production (docs/deploy.md, "Processes").
        self.start("celery-messages", [PYTHON, "-m", "celery", "-A", "config", "worker", "-Q", "messages",
                                       "--pool", "solo", "--loglevel", "WARNING", "-n", "messages@%h"])
        return self.start("celery-worker", [
            PYTHON, "-m", "celery", "-A", "config", "worker", "-Q", "celery", "-B", "--pool", "solo",
            "--loglevel", "WARNING", "--schedule", str(self.tmp / "celerybeat-schedule"),
        ])


def ignore_signals():
    """While cleaning up: a second Ctrl-C must not leave the database behind."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)


def install_signal_handlers():
    """SIGINT, SIGTERM and SIGHUP end the run like Ctrl-C does, so that cleanup runs (SIGINT
    too when the shell started us in the background, where it would be ignored)."""

    def stop(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)


def fmt_rate(x):
    return "-" if x is None else f"{x:,.0f}/s"


def fmt_ms(x):
    return "-" if x is None else f"{x * 1000:.2f} ms"


def fmt_s(x):
    return "-" if x is None else f"{x:.3f} s"
