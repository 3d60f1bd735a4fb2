"""Celery tasks of the trading domain: thin wrappers."""

from smtplib import SMTPException

from celery import shared_task

from .services.messages import message_deliver, notify_waiting
from .services.ticks import tick as _tick


@shared_task(name="trading.tick", ignore_result=True)
def tick():
    """Perform the time-driven moves that are due (Celery beat, every second)."""
    return _tick()


@shared_task(name="trading.deliver_message", ignore_result=True, autoretry_for=(SMTPException, OSError),
             retry_backoff=30, retry_backoff_max=3600, retry_jitter=True, max_retries=8)
def deliver_message(pk):
    """E-mail (and SMS) one message; a mail server that is down is tried again later."""
    message_deliver(pk)


@shared_task(name="trading.notify_waiting", ignore_result=True)
def notify_waiting_task(transaction_pk, actor_pk=None):
    """After a move: tell the people concerned what now waits for them."""
    return notify_waiting(transaction_pk, actor_pk)
