"""The one clock of the trading domain. Tests freeze it; nothing else reads the time."""

import contextlib
import threading
from datetime import datetime

from django.utils import timezone

_state = threading.local()
_global = {"frozen": None}


def now() -> datetime:
    frozen = getattr(_state, "frozen", None) or _global["frozen"]
    return frozen if frozen is not None else timezone.now()


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
