"""Writing the log: record an entry with the change it describes, sequence recorded
entries into the log in batches, sign checkpoints.

* `ledger_record` is called inside the caller's database transaction: the entry exists
  if and only if the change commits.
* `ledger_sequence_pending` takes committed records in the order they were recorded,
  gives each its `seq`, `ts` and `prev`, stores its canonical bytes, leaf hash and the
  tree hashes it completes, all in one database transaction per batch (docs/ledger.md).
* `ledger_sign_checkpoint` signs the current tree head with the key from the key file.
* `ledger_run_sequencer` is what the tasks call: one leader at a time drains the queue and
  signs a checkpoint, at most every LEDGER_CHECKPOINT_MIN_INTERVAL seconds.
"""

import atexit
import contextlib
import io
import json
import logging
import os
import threading
import time
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction

from .core.checkpoint import format_checkpoint
from .core.entry import ZERO_HASH_HEX, EntryError, format_ts, leaf_hash, make_entry
from .core.jcs import _encode as _canonical_encode
from .core.jcs import canonical_bytes
from .core.merkle import Frontier
from .models import Checkpoint, Entry, LogHead, PendingEntry
from .signing import get_signer

logger = logging.getLogger(__name__)

# Advisory-lock key for "the sequencer" on PostgreSQL (any fixed 64-bit number).
_PG_SEQUENCER_LOCK = 0x1ED6E5
_thread_lock = threading.Lock()
_recording_off = threading.local()


def clock():
    """Server time for `ts`: real UTC time, never the accelerated procedure clock."""
    return datetime.now(UTC)


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
    # is sequenced: the sequencer takes the recorded bytes as they are (_entry_bytes).
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


def _kick_sequencer():
    """On commit: have the sequencer run soon (LEDGER.md: within one second).

    With a broker the task is queued by a background thread (`_Kicker`), so a committing
    request never waits on the broker, nor hangs while it is down, and commits that come
    while a kick is being queued share the next one. Without one (embedded mode, tasks
    eager) the sequencer runs here, in-process, as before.
    """
    from .tasks import sequence

    if sequence.app.conf.task_always_eager:
        _queue_sequencer()
    else:
        _kicker.request()


def _queue_sequencer():
    from .tasks import sequence

    try:
        sequence.delay()
    except Exception:  # the periodic task sequences it within a second anyway
        logger.exception("could not queue the ledger sequencer; the periodic run will")


class _Kicker:
    """One thread per process that queues the `ledger.sequence` task when asked.

    `request()` only sets a flag. The thread clears the flag *before* it queues the task,
    so every commit is followed by at least one task queued after it (a commit that comes
    while a task is being queued sets the flag again and gets the next one), while a burst
    of commits costs one broker round trip instead of one each. Started lazily, again in
    a forked child (gunicorn and Celery workers fork after import).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._pid = None
        self._wanted = None

    def request(self):
        if self._pid != os.getpid():
            self._start()
        self._wanted.set()

    def _start(self):
        with self._lock:
            if self._pid == os.getpid():
                return
            wanted = threading.Event()
            thread = threading.Thread(target=self._run, args=(wanted,), name="ledger-kicker", daemon=True)
            thread.start()
            self._wanted, self._pid = wanted, os.getpid()

    @staticmethod
    def _run(wanted):
        while True:
            wanted.wait()
            wanted.clear()
            _queue_sequencer()
            # Commits in the next moment share the next kick: at most a few kicks a second
            # per process however busy it is (the sequencer signs at most every
            # LEDGER_CHECKPOINT_MIN_INTERVAL anyway); each waits at most this long more.
            time.sleep(_KICK_MIN_INTERVAL)

    def flush(self):
        """At exit: queue the task now if a request is still waiting for the thread."""
        if self._pid == os.getpid() and self._wanted.is_set():
            self._wanted.clear()
            _queue_sequencer()


_KICK_MIN_INTERVAL = 0.05
_kicker = _Kicker()
atexit.register(_kicker.flush)
os.register_at_fork(after_in_child=lambda: setattr(_kicker, "_lock", threading.Lock()))


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


def _head_for_update() -> LogHead:
    head = LogHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        LogHead.objects.get_or_create(pk=1)
        head = LogHead.objects.select_for_update().get(pk=1)
    return head


def ledger_sequence_pending(*, batch: int | None = None) -> int:
    """Sequence one batch of committed records; returns how many entries were added."""
    batch = batch or settings.LEDGER_SEQUENCE_BATCH
    with transaction.atomic():
        head = _head_for_update()
        # Plain rows, not model instances: the sequencer's cost is per entry.
        pending = list(PendingEntry.objects.order_by("id").values_list("id", "payload")[:batch])
        if not pending:
            return 0
        frontier = Frontier.from_bytes(head.size, bytes(head.frontier))
        prev = bytes(head.last_leaf_hash).hex() if head.size else ZERO_HASH_HEX
        now = format_ts(clock())
        # Never earlier than the previous entry (fixed-width format: string order is time order).
        ts = max(now, head.last_ts)
        ts_value = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        ts_db = Entry._meta.get_field("ts").get_db_prep_save(ts_value, connection)
        rows = []
        for _id, payload in pending:
            seq = frontier.size
            body, kind, subject = _entry_bytes(payload, seq=seq, ts=ts, prev=prev)
            leaf = leaf_hash(body)
            completed = frontier.append(leaf)
            rows.append((seq, ts_db, kind, subject, body, leaf, b"".join(completed)))
            prev = leaf.hex()
        _insert_entries(rows, ts)
        _delete_pending([pk for pk, _ in pending])
        head.size = frontier.size
        head.last_leaf_hash = bytes.fromhex(prev)
        head.last_ts = ts
        head.frontier = frontier.to_bytes()
        head.save()
    return len(rows)


_SUBJECT_MEMBER = ',"subject":"'
_KIND_MEMBER = ',"kind":"'


def _entry_bytes(payload: str, *, seq: int, ts: str, prev: str) -> tuple[bytes, str, str]:
    """The canonical bytes of the entry recorded as `payload`, with its kind and subject.

    `payload` is what ledger_record stored: the canonical bytes (RFC 8785) of
    {"actor", "data", "kind", "subject"}, checked there against every rule of LEDGER.md
    section 2 that one entry must keep. In canonical form members are sorted and each is
    serialised on its own, so the entry's bytes are the payload's with `"prev"` and `"seq"`
    inserted before `"subject"` (its last member) and `"ts"` and `"v"` appended:

        {"actor":…,"data":…,"kind":…,"prev":…,"seq":…,"subject":…,"ts":…,"v":1}

    `,"subject":"` cannot occur inside a serialised string (a quote in a string is always
    escaped, so never follows a comma directly): the last occurrence is the top-level
    member, and the last `,"kind":"` before it is the top-level kind. A payload not of this
    shape takes the long way (parse, check every rule, serialise), which refuses it if it
    breaks a rule.
    """
    s = payload.rfind(_SUBJECT_MEMBER)
    k = payload.rfind(_KIND_MEMBER, 0, s)
    if k > 0 and payload.startswith('{"actor":{') and payload.endswith('"}'):
        try:
            kind = json.loads(payload[k + len(_KIND_MEMBER) - 1 : s])
            subject = json.loads(payload[s + len(_SUBJECT_MEMBER) - 1 : -1])
        except ValueError:
            kind = subject = None
        if type(kind) is str and type(subject) is str:
            body = f'{payload[:s]},"prev":"{prev}","seq":{seq}{payload[s:-1]},"ts":"{ts}","v":1}}'
            return body.encode("utf-8"), kind, subject
    fields = json.loads(payload)
    # make_entry checks every rule of section 2, ending with the value space (check_value):
    # the canonical encoder needs no second check.
    body = _canonical_encode(make_entry(seq=seq, ts=ts, prev=prev, **fields)).encode("utf-8")
    return body, fields["kind"], fields["subject"]


_ENTRY_COLUMNS = ("seq", "ts", "kind", "subject", "body", "leaf_hash", "subtree_hashes")
_INSERT_CHUNK = 500  # rows per INSERT statement (7 parameters each: within SQLite's limit)
_COPY_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _insert_entries(rows, ts):
    """Store the new entries: the rows `Entry.objects.bulk_create` would write, without a
    model instance per entry. PostgreSQL: one COPY (a few times faster than INSERT for a
    batch); elsewhere multi-row INSERTs."""
    quote = connection.ops.quote_name
    table, columns = quote(Entry._meta.db_table), ", ".join(map(quote, _ENTRY_COLUMNS))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy_expert"):
            # COPY text format: bytea as \\x<hex>; text with \\, tab, newline and CR escaped.
            escape = _COPY_TEXT_ESCAPES
            data = "".join(
                f"{seq}\t{ts}\t{kind.translate(escape)}\t{subject.translate(escape)}"
                f"\t\\\\x{body.hex()}\t\\\\x{leaf.hex()}\t\\\\x{subtrees.hex()}\n"
                for seq, _, kind, subject, body, leaf, subtrees in rows
            )
            cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(data))
            return
        head = f"INSERT INTO {table} ({columns}) VALUES "
        row_sql = "(" + ", ".join(["%s"] * len(_ENTRY_COLUMNS)) + ")"
        for start in range(0, len(rows), _INSERT_CHUNK):
            chunk = rows[start : start + _INSERT_CHUNK]
            cursor.execute(head + ", ".join([row_sql] * len(chunk)), [v for row in chunk for v in row])


def _delete_pending(ids):
    """Remove exactly the sequenced records (never by range: a record with a smaller id may
    commit later, and must wait for the next batch)."""
    table = connection.ops.quote_name(PendingEntry._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [ids])
            return
        for start in range(0, len(ids), _INSERT_CHUNK):
            chunk = ids[start : start + _INSERT_CHUNK]
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)


def ledger_sign_checkpoint() -> Checkpoint | None:
    """Sign the current tree head unless the latest checkpoint already covers it."""
    with transaction.atomic():
        head = _head_for_update()
        latest = Checkpoint.objects.order_by("-size").first()
        if latest is not None and latest.size >= head.size:
            return None
        root = Frontier.from_bytes(head.size, bytes(head.frontier)).root()
        note = get_signer().sign_note(format_checkpoint(settings.LEDGER_ORIGIN, head.size, root))
        return Checkpoint.objects.create(
            size=head.size, root_hash=root, note=note, signed_at=clock()
        )


def _seconds_until_checkpoint_allowed() -> float | None:
    """None when the latest checkpoint covers the whole log, else how long to wait."""
    head = LogHead.objects.filter(pk=1).first()
    latest = Checkpoint.objects.order_by("-size").first()
    if head is None or (latest is not None and latest.size >= head.size):
        return None
    if latest is None:
        return 0.0
    elapsed = (clock() - latest.signed_at).total_seconds()
    return max(0.0, settings.LEDGER_CHECKPOINT_MIN_INTERVAL - elapsed)


@contextlib.contextmanager
def _sequencer_leadership():
    """One sequencer at a time: a PostgreSQL advisory lock across processes, a thread lock
    in the embedded (single-process) mode. Yields False when another one leads."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_PG_SEQUENCER_LOCK])
            acquired = cursor.fetchone()[0]
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [_PG_SEQUENCER_LOCK])
    else:
        acquired = _thread_lock.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                _thread_lock.release()


def _nothing_to_do() -> bool:
    """No record waiting and the latest checkpoint covers the log: one cheap query.

    Kicks come after every commit and beat every second, so most runs find nothing to do
    (a burst of commits leaves kicks queued behind the run that took them all in); they
    end here. A record committed just after this check has its own kick coming.
    """
    pending = connection.ops.quote_name(PendingEntry._meta.db_table)
    head = connection.ops.quote_name(LogHead._meta.db_table)
    checkpoints = connection.ops.quote_name(Checkpoint._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM {pending} LIMIT 1) AS p), "
            f"(SELECT size FROM {head} WHERE id = 1), (SELECT MAX(size) FROM {checkpoints})"
        )
        waiting, size, signed = cursor.fetchone()
    return not waiting and size is not None and signed is not None and signed >= size


def ledger_run_sequencer() -> int:
    """Drain the pending queue and sign a checkpoint covering it. Returns entries added.

    If another process leads, return at once: the leader re-checks the queue after it lets
    go, so a record committed while it was finishing is never left behind.
    """
    if _nothing_to_do():
        return 0
    added = 0
    while True:
        with _sequencer_leadership() as leading:
            if not leading:
                return added
            while True:
                while n := ledger_sequence_pending():
                    added += n
                wait = _seconds_until_checkpoint_allowed()
                if wait is None:
                    break
                if wait > 0:
                    time.sleep(wait)
                    continue  # sequence what arrived meanwhile, then sign
                ledger_sign_checkpoint()
        if not PendingEntry.objects.exists():
            return added


def ledger_checkpoint_now() -> Checkpoint:
    """Sequence everything committed and sign at once (bid openings, awards)."""
    while ledger_sequence_pending():
        pass
    checkpoint = ledger_sign_checkpoint()
    return checkpoint or Checkpoint.objects.order_by("-size").first()
