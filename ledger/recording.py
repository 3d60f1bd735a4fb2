"""Recording an entry: `ledger_record` writes the entry, with the change it describes, in
the caller's database transaction, so the entry exists if and only if the change commits.
It checks every rule of LEDGER.md section 2 that one entry must keep there and then, and
on commit kicks the sequencer (ledger/kicker.py), which later gives the entry its place in
the log (ledger/sequencer.py).
"""

import contextlib
import threading

from django.conf import settings
from django.db import connection, transaction

from .core.entry import ZERO_HASH_HEX, EntryError, make_entry
from .core.jcs import canonical_bytes
from .kicker import _kick_sequencer
from .models import Entry, PendingEntry
from .sequencer import clock

_recording_off = threading.local()


def actor(role: str, name: str) -> dict:
    return {"role": role, "name": name}


def ledger_record(*, kind: str, subject: str, actor: dict, data: dict) -> None:
    """Record one entry in the current database transaction.

    Raises CanonicalError for data the published format does not allow (floats, non-NFC
    text...): that is a programming error, never user input reaching the ledger raw.
    """
    if getattr(_recording_off, "value", False):
        return
    if not connection.in_atomic_block:
        raise RuntimeError("ledger_record must run inside the transaction of the change it records")
    for name, value in (("kind", kind), ("subject", subject)):
        if not isinstance(value, str) or not 0 < len(value) <= _COLUMN_LIMIT:
            raise EntryError(f"{name} must be a string of 1 to {_COLUMN_LIMIT} characters")
    payload = canonical_bytes({"kind": kind, "subject": subject, "actor": actor, "data": data})
    # Every rule of LEDGER.md section 2 that one entry must keep, checked now, in the
    # change's transaction (EntryError: the change does not happen), not when the entry
    # is sequenced: the sequencer takes the recorded bytes as they are (sequencer._entry_bytes).
    make_entry(seq=0, ts=_ZERO_TS, prev=ZERO_HASH_HEX, kind=kind, subject=subject, actor=actor, data=data)
    # One plain INSERT (what PendingEntry.objects.create does, without the ORM's per-call
    # query building: this runs in every change's transaction).
    recorded_at = PendingEntry._meta.get_field("recorded_at").get_db_prep_save(clock(), connection)
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_PENDING, [payload.decode("utf-8"), recorded_at])
    transaction.on_commit(_kick_sequencer)


_COLUMN_LIMIT = Entry._meta.get_field("subject").max_length  # kind and subject columns: 64
_ZERO_TS = "1970-01-01T00:00:00.000000Z"  # a valid stand-in: seq, ts and prev come later
_INSERT_PENDING = f'INSERT INTO "{PendingEntry._meta.db_table}" ("payload", "recorded_at") VALUES (%s, %s)'


@contextlib.contextmanager
def recording_switched_off_for_benchmark():
    """Benchmarks only: measure what the ledger costs by not recording."""
    if not settings.LEDGER_ALLOW_RECORDING_OFF:
        raise RuntimeError("recording can only be switched off when LEDGER_ALLOW_RECORDING_OFF is set")
    _recording_off.value = True
    try:
        yield
    finally:
        _recording_off.value = False


def is_recording_off() -> bool:
    return getattr(_recording_off, "value", False)
