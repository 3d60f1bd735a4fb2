"""The one clock of the platform. Tests freeze it; nothing else in the domain reads the time.

`now()` is the server's real time, and it is the only time there is: every moment that a
page, a notice, a receipt, a PDF or the ledger shows for one event is the same instant.

A sandbox transaction (docs/clock.md) does not run a faster clock: its rules' periods are
compressed instead (Prozorro's accelerator). Three working days from a notice end, for the
rules, at a real moment `time_factor` times closer: `compress(tx, start, end)`. The
deadline a bidder sees, the server enforces and the ledger records is that real moment;
pages and notices mark the transaction as a sandbox so that nobody mistakes it for a real
procedure.
"""

import contextlib
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

_global = {"frozen": None, "offset": timedelta(0)}


def now() -> datetime:
    frozen = _global["frozen"]
    return frozen if frozen is not None else timezone.now() + _global["offset"]


@contextlib.contextmanager
def frozen_at(moment: datetime):
    """Freeze the clock at an aware datetime (for every thread) inside the block."""
    if timezone.is_naive(moment):
        raise ValueError("freeze the clock with an aware datetime")
    previous = _global["frozen"]
    _global["frozen"] = moment
    try:
        yield
    finally:
        _global["frozen"] = previous


def advance(delta: timedelta) -> None:
    """Tests: move the (frozen or running) clock forward."""
    if _global["frozen"] is not None:
        _global["frozen"] += delta
    else:
        _global["offset"] += delta


def sandbox_factor() -> int:
    """How many times the periods of transactions created from now on are compressed
    (1: not a sandbox)."""
    return int(getattr(settings, "SANDBOX_TIME_FACTOR", 1) or 1)


def compress(transaction, start: datetime, end: datetime) -> datetime:
    """The real end of a period of the rules that runs from `start` to `end`: `end` itself,
    or for a sandbox transaction `start + (end - start) / time_factor`."""
    factor = getattr(transaction, "time_factor", 1) or 1
    if factor == 1 or end <= start:
        return end
    return start + (end - start) / factor


def stretch(transaction, start: datetime, end: datetime) -> datetime:
    """The inverse of `compress`: the end of the rules' period that a sandbox compresses to
    `end` (what a clerk's chosen sandbox deadline stands for)."""
    factor = getattr(transaction, "time_factor", 1) or 1
    if factor == 1 or end <= start:
        return end
    return start + (end - start) * factor
