"""Reading the log: tree size, entries, proofs, checkpoints (one or two queries each)."""

import json

from django.db import connection

from .core import merkle
from .models import Checkpoint, Entry, LogHead


def ledger_size() -> int:
    head = LogHead.objects.filter(pk=1).values_list("size", flat=True).first()
    return head or 0


class BeyondLog(LookupError):
    """A proof was asked for a tree larger than the log."""


def _stored(seqs) -> dict[int, tuple[bytes, bytes]]:
    """(leaf_hash, subtree_hashes) of the entries `seqs`, in one plain query (a proof is
    a few dozen primary-key lookups; the ORM's query building would cost more than them)."""
    seqs = sorted(seqs)
    if not seqs:
        return {}
    table = connection.ops.quote_name(Entry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "seq", "leaf_hash", "subtree_hashes" FROM {table} '
            f'WHERE "seq" IN ({", ".join(["%s"] * len(seqs))})',
            seqs,
        )
        return {seq: (bytes(leaf), bytes(subtrees)) for seq, leaf, subtrees in cursor.fetchall()}


def _node_seq(level, k):
    # Node (level, k) is completed, and stored, by entry (k+1)*2**level - 1.
    return ((k + 1) << level) - 1


def _hashes(stored, nodes):
    """The hashes of nodes from rows read by _stored: level 0 is the entry's leaf hash,
    level L >= 1 the L-th hash of its subtree_hashes."""
    hashes = []
    for level, k in nodes:
        row = stored.get(_node_seq(level, k))
        if row is None:
            raise BeyondLog(f"node ({level}, {k}) is not in the log")
        leaf, subtrees = row
        hashes.append(leaf if level == 0 else subtrees[(level - 1) * 32 : level * 32])
    return hashes


def _read_nodes(nodes):
    """Hashes of complete aligned subtrees (level, k), in one query."""
    return _hashes(_stored({_node_seq(level, k) for level, k in nodes}), nodes)


def _proof_reader(*also):
    """A read_nodes for the merkle generators that reads, in the same single query, the
    entries `also` (the leaf of an inclusion proof, the last entry of the tree asked for)."""
    stored = {}

    def read_nodes(nodes):
        stored.update(_stored({_node_seq(level, k) for level, k in nodes} | set(also)))
        return _hashes(stored, nodes)

    return read_nodes, stored


def tree_root(size: int) -> bytes:
    return merkle.tree_root(size, _read_nodes)


def inclusion_proof(index: int, size: int) -> tuple[bytes, list[bytes]]:
    """Leaf hash of entry `index` and its audit path in the tree of `size` (one query).
    BeyondLog if the log has fewer than `size` entries."""
    read_nodes, stored = _proof_reader(index, size - 1)
    path = merkle.inclusion_proof(index, size, read_nodes)
    if not stored:  # a one-leaf tree has an empty path: nothing was read yet
        stored.update(_stored({index, size - 1}))
    # Entries are contiguous from 0: entry size-1 exists if and only if the log has `size`.
    if size - 1 not in stored or index not in stored:
        raise BeyondLog(f"the log has fewer than {size} entries")
    return stored[index][0], path


def consistency_proof(old: int, new: int) -> list[bytes]:
    """The consistency proof from tree `old` to tree `new` (one query). BeyondLog if the log
    has fewer than `new` entries."""
    read_nodes, stored = _proof_reader(new - 1)
    path = merkle.consistency_proof(old, new, read_nodes)
    if not stored and new >= 1:  # empty proof (old == new or old == 0): nothing was read yet
        stored.update(_stored({new - 1}))
    if new >= 1 and new - 1 not in stored:
        raise BeyondLog(f"the log has fewer than {new} entries")
    return path


def entry_bodies(start: int, limit: int) -> list[bytes]:
    rows = Entry.objects.filter(seq__gte=start, seq__lt=start + limit).order_by("seq")
    return [bytes(body) for body in rows.values_list("body", flat=True)]


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


def checkpoints_after(size: int):
    return Checkpoint.objects.filter(size__gt=size).order_by("size")


def checkpoints_before(size: int | None, limit: int):
    """Newest first, keyset-paginated on size."""
    rows = Checkpoint.objects.all()
    if size is not None:
        rows = rows.filter(size__lt=size)
    return list(rows.order_by("-size")[:limit])


def covering_checkpoint(seq: int) -> Checkpoint | None:
    """The first checkpoint that covers entry `seq`."""
    return Checkpoint.objects.filter(size__gt=seq).order_by("size").first()


def entries_page(*, before: int | None = None, subject: str | None = None,
                 subjects: list[str] | None = None, kind: str | None = None, limit: int = 50):
    """Newest first, keyset-paginated on seq: fast at any depth of the log. `subject`
    keeps the entries of one subject, `subjects` (a list, possibly empty) those of any."""
    rows = Entry.objects.all()
    if subject:
        rows = rows.filter(subject=subject)
    if subjects is not None:
        rows = rows.filter(subject__in=subjects)
    if kind:
        rows = rows.filter(kind=kind)
    if before is not None:
        rows = rows.filter(seq__lt=before)
    page = list(rows.order_by("-seq")[: limit + 1])
    more = len(page) > limit
    return [decoded(entry) for entry in page[:limit]], more


def subject_known(subject: str) -> bool:
    """Whether the log has entries of `subject`."""
    return Entry.objects.filter(subject=subject).exists()


def subject_timeline(subject: str):
    return [decoded(entry) for entry in Entry.objects.filter(subject=subject).order_by("seq")]


def entry_detail(seq: int):
    entry = Entry.objects.filter(seq=seq).first()
    return decoded(entry) if entry else None


def decoded(entry: Entry) -> dict:
    """An entry with its parsed fields, for pages (the bytes stay the published form)."""
    body = bytes(entry.body)
    fields = json.loads(body)
    return {
        "seq": entry.seq,
        "ts": entry.ts,
        "kind": entry.kind,
        "subject": entry.subject,
        "actor": fields["actor"],
        "data": fields["data"],
        "prev": fields["prev"],
        "body": body.decode("utf-8"),
        "leaf_hash": bytes(entry.leaf_hash).hex(),
    }


def entry_seq_of(*, subject: str, kind: str, data_key: str, data_value) -> int | None:
    """The seq of the newest entry of `subject` and `kind` whose data[data_key] equals
    `data_value`, once sequenced (None before)."""
    for entry in Entry.objects.filter(subject=subject, kind=kind).order_by("-seq"):
        if decoded(entry)["data"].get(data_key) == data_value:
            return entry.seq
    return None
