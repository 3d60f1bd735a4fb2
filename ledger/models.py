"""The published log as stored: pending records, sequenced entries, the log head and
signed checkpoints.

An entry is written in two steps. A change records a `PendingEntry` in its own database
transaction (so neither exists without the other); the sequencer then gives it its
place in the log (`seq`, `ts`, `prev`), stores the exact canonical bytes it hashed and
the Merkle tree hashes the new leaf completes, and removes the pending row. Entries and
checkpoints are never updated or deleted: the database refuses it (ledger/db.py).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PendingEntry(models.Model):
    """A recorded entry waiting for the sequencer (at most about a second)."""

    # Canonical JSON of {"kind", "subject", "actor", "data"}: validated when recorded.
    payload = models.TextField()
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("pending ledger entry")
        verbose_name_plural = _("pending ledger entries")

    def __str__(self):
        return f"pending {self.pk}"


class Entry(models.Model):
    """One entry of the log, exactly as published (LEDGER.md sections 2-3)."""

    seq = models.BigIntegerField(primary_key=True)
    ts = models.DateTimeField()
    kind = models.CharField(max_length=64)
    subject = models.CharField(max_length=64)
    # The bytes that were hashed: served as they are, never re-serialised.
    body = models.BinaryField()
    leaf_hash = models.BinaryField(max_length=32)
    # Hashes of the complete subtrees this leaf completes, levels 1, 2, ... (32 bytes
    # each): with leaf_hash, every node a proof needs is one primary-key lookup away.
    subtree_hashes = models.BinaryField(default=b"")

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["subject", "seq"], name="ledger_entry_subject_seq"),
            models.Index(fields=["kind", "seq"], name="ledger_entry_kind_seq"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=0), name="ledger_entry_seq_gte_0"),
        ]

    def __str__(self):
        return f"{self.seq} {self.kind} {self.subject}"


class LogHead(models.Model):
    """The sequencer's cursor: size, last leaf, last ts and the tree's compact range.

    A single row (id 1); the sequencer locks it, so one batch is sequenced at a time.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    last_leaf_hash = models.BinaryField(max_length=32, default=b"")
    last_ts = models.CharField(max_length=27, blank=True, default="")
    frontier = models.BinaryField(default=b"")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="ledger_loghead_single_row"),
        ]

    def __str__(self):
        return f"log head at size {self.size}"


class Checkpoint(models.Model):
    """A signed checkpoint (LEDGER.md section 5). Every one issued is kept."""

    size = models.BigIntegerField(unique=True)
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField()
    signed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gte=0), name="ledger_checkpoint_size_gte_0"),
        ]

    def __str__(self):
        return f"checkpoint {self.size}"
