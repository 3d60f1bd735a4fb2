"""The one clock of the trading domain. Tests freeze it; nothing else reads the time.

`now()` is the server's real time. `procedure_now(transaction)` is the time a
procedure's rules see: the same, except for a sandbox transaction (docs/clock.md), whose
time runs `time_factor` times faster from its `time_origin`, so that a demo can watch a
deadline of three working days pass in minutes. `real_time_of(transaction, moment)` maps
a procedure-time moment back to real time (when the tick must look again).
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
    """How much faster new transactions' procedure time runs (1: not a sandbox)."""
    return int(getattr(settings, "SANDBOX_TIME_FACTOR", 1) or 1)


def procedure_now(transaction) -> datetime:
    real = now()
    factor = transaction.time_factor or 1
    if factor == 1 or transaction.time_origin is None:
        return real
    return transaction.time_origin + (real - transaction.time_origin) * factor


def real_time_of(transaction, moment: datetime) -> datetime:
    factor = transaction.time_factor or 1
    if factor == 1 or transaction.time_origin is None:
        return moment
    return transaction.time_origin + (moment - transaction.time_origin) / factor
