"""Celery tasks of the ledger: thin wrappers around ledger.sequencer."""

from celery import shared_task

from .sequencer import ledger_run_sequencer


@shared_task(name="ledger.sequence", ignore_result=True)
def sequence():
    """Sequence committed records and sign a checkpoint (kicked on commit, and every second)."""
    return ledger_run_sequencer()
