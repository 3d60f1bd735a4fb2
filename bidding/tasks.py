"""Celery tasks of bidding: thin wrappers."""

from celery import shared_task

from .services.draws import draws_perform_due


@shared_task(name="bidding.perform_draws", ignore_result=True)
def perform_draws():
    """Perform the announced draws whose seed checkpoint has been signed (beat, every second)."""
    return draws_perform_due()
