"""Celery tasks of the trading domain: thin wrappers."""

from celery import shared_task

from .services.ticks import tick as _tick


@shared_task(name="trading.tick", ignore_result=True)
def tick():
    """Perform the time-driven moves that are due (Celery beat, every second)."""
    return _tick()
