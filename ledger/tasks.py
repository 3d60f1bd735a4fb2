"""Celery tasks of the ledger: thin wrappers around ledger.services."""

from celery import shared_task

from .services import ledger_run_sequencer


@shared_task(name="ledger.sequence", ignore_result=True)
def sequence():
    """Sequence committed records and sign a checkpoint (kicked on commit, and every second)."""
    return ledger_run_sequencer()
