"""Sequencing recorded entries into the log in batches, and signing checkpoints.

* `ledger_sequence_pending` takes committed records in the order they were recorded,
  gives each its `seq`, `ts` and `prev`, stores its canonical bytes, leaf hash and the
  tree hashes it completes, all in one database transaction per batch (docs/ledger.md).
* `ledger_sign_checkpoint` signs the current tree head with the key from the key file.
* `ledger_run_sequencer` is what the tasks call: one leader at a time drains the queue and
  signs a checkpoint, at most every LEDGER_CHECKPOINT_MIN_INTERVAL seconds.
* `ledger_checkpoint_now` sequences everything and signs at once (bid openings, awards).
"""

import contextlib
import io
import json
import threading
import time
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction

from .core.checkpoint import format_checkpoint
from .core.entry import ZERO_HASH_HEX, format_ts, leaf_hash, make_entry
from .core.jcs import _encode as _canonical_encode
from .core.merkle import Frontier
from .models import Checkpoint, Entry, LogHead, PendingEntry
from .signing import get_signer

# Advisory-lock key for "the sequencer" on PostgreSQL (any fixed 64-bit number).
_PG_SEQUENCER_LOCK = 0x1ED6E5
_thread_lock = threading.Lock()


def clock():
    """Server time for `ts`: real UTC time, never the accelerated procedure clock."""
    return datetime.now(UTC)


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
