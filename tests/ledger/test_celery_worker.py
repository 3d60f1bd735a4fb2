"""Production mode's task path with a real Celery worker and beat on a real broker: an
entry committed by a change is sequenced and covered by a signed checkpoint within a
second (kicked on commit), and one whose kick was lost is picked up by beat.

Runs in the PostgreSQL pass of .ci/run, which sets CELERY_TEST_BROKER_URL.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from bidding.models import BidRound
from bidding.selectors_sealed import round_of
from config.celery import app
from ledger.models import Checkpoint, Entry
from ledger.recording import actor, ledger_record
from tests.trading.inquiry_world import make_inquiry_world, submit_quote
from trading import clock, workdays
from trading.models import Transaction
from trading.procedures.inquiry import services

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("CELERY_TEST_BROKER_URL")

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not BROKER, reason="needs CELERY_TEST_BROKER_URL (set by .ci/run)"),
]


def wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def worker(ledger_transactional_db, postgres_only):
    """A worker with embedded beat, on the test database and the test broker."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": BROKER,
        "LEDGER_SIGNING_KEY_FILE": str(settings.LEDGER_SIGNING_KEY_FILE),
        "LEDGER_CHECKPOINT_MIN_INTERVAL": "0.25",
    }
    subprocess.run([sys.executable, "-m", "celery", "-A", "config", "purge", "-f"], cwd=ROOT, env=env,
                   capture_output=True, timeout=60)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "--pool", "solo", "--loglevel", "INFO",
         "--schedule", str(Path(settings.MEDIA_ROOT).parent / "celerybeat-schedule")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    previous = dict(app.conf.items())
    app.conf.update(broker_url=BROKER, task_always_eager=False)
    try:
        yield process
    finally:
        app.conf.update(broker_url=previous.get("broker_url"), task_always_eager=True)
        process.terminate()
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output[-4000:])


def covered(n):
    checkpoint = Checkpoint.objects.order_by("-size").first()
    return checkpoint is not None and checkpoint.size >= n and Entry.objects.count() >= n


def worker_ready(worker):
    """Beat's first run signs the empty log's checkpoint: the worker is up."""
    assert wait_for(Checkpoint.objects.exists, 60), "the worker did not start"
    assert worker.poll() is None


def test_worker_sequences_and_signs_soon_after_commit(worker):
    worker_ready(worker)
    with transaction.atomic():
        ledger_record(kind="note", subject="JY-2026-0001", actor=actor("clerk", "王明"), data={"n": 1})
    committed = time.monotonic()
    assert wait_for(lambda: covered(1), 10), "the worker did not sequence the entry"
    # How fast is for `make bench` to measure; here: it happened, by the worker.
    print(f"commit to signed checkpoint: {time.monotonic() - committed:.3f} s")


def test_beat_picks_up_an_entry_whose_kick_was_lost(worker, monkeypatch):
    worker_ready(worker)
    monkeypatch.setattr("ledger.recording._kick_sequencer", lambda: None)
    with transaction.atomic():
        ledger_record(kind="note", subject="JY-2026-0001", actor=actor("clerk", "王明"), data={"n": 2})
    assert wait_for(lambda: covered(1), 10), "beat did not run the sequencer"


def test_beat_runs_the_procedures_clock_a_deadline_passes_without_a_click(worker):
    """The inquiry's quote deadline passes; nobody clicks; the worker's beat runs the tick,
    which closes the quotes (and records bids.closed)."""
    worker_ready(worker)
    iw = make_inquiry_world()
    services.inquiry_announce_expert_draw(code=iw.tx.code, user=iw.world.clerk, count=3)
    assert wait_for(lambda: iw.tx.draws.filter(performed_at__isnull=False).exists(), 20), "beat did not draw"
    services.inquiry_form_group(code=iw.tx.code, user=iw.world.clerk)
    services.inquiry_issue_notice(
        code=iw.tx.code, user=iw.world.clerk, deadline=workdays.earliest_deadline(clock.now(), 3),
        price_composition="含税", award_criterion="最低价", invitees=[c.pk for _u, c in iw.suppliers],
        supervisor=iw.world.supervisor.pk, purchaser_rep=iw.world.purchaser.pk)
    assert wait_for(lambda: Transaction.objects.get(pk=iw.tx.pk).stage == "quoting", 20)
    iw.tx = Transaction.objects.get(pk=iw.tx.pk).as_procedure()
    for index, price in enumerate(["1.00", "2.00", "3.00"]):
        submit_quote(iw, index, price)
    # Bring the deadline to now (the worker is another process: its clock is real time).
    BidRound.objects.filter(pk=round_of(iw.tx).pk).update(deadline=clock.now())
    Transaction.objects.filter(pk=iw.tx.pk).update(next_check=clock.now())
    assert wait_for(lambda: Transaction.objects.get(pk=iw.tx.pk).stage == "quotes_closed", 20), \
        "the tick did not close the quotes"
    assert wait_for(lambda: Entry.objects.filter(subject=iw.tx.code, kind="bids.closed").exists(), 10)
