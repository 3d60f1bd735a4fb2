"""Check the database's log with the same checker as the offline verifier.

Reads every entry in seq order and checks: canonical bytes, the chain, ts order, the
path of every subject's transitions (ledger.verify.LogChecker); the stored leaf hashes
and tree hashes against recomputed ones; the log head; every stored checkpoint's
signature and root. Exits 1 naming the first bad seq, 0 when all holds.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from ledger.core.checkpoint import parse_checkpoint
from ledger.core.entry import leaf_hash
from ledger.core.merkle import Frontier
from ledger.core.note import NoteError, Verifier, open_note
from ledger.models import Checkpoint, Entry, LogHead, PendingEntry
from ledger.sequencer import clock
from ledger.signing import verifier_key
from ledger.verify import LogChecker, VerifyError

CHUNK = 5000


class Command(BaseCommand):
    help = "Verify the ledger stored in the database (exit status 1 on the first problem)."

    def handle(self, *args, **options):
        verifier = Verifier.from_string(verifier_key())
        checkpoints = list(Checkpoint.objects.order_by("size").values_list("size", "note"))
        checker = LogChecker()
        checker.want_root_at({size for size, _ in checkpoints})
        frontier = Frontier()
        seq = -1
        try:
            last = -1
            while True:
                rows = list(
                    Entry.objects.filter(seq__gt=last)
                    .order_by("seq")
                    .values_list("seq", "body", "leaf_hash", "subtree_hashes")[:CHUNK]
                )
                if not rows:
                    break
                for seq, body, leaf, subtrees in rows:
                    if seq != checker.size:
                        raise VerifyError(checker.size, f"entry {checker.size} is missing from the table")
                    checker.add(bytes(body))
                    expected = frontier.append(bytes(leaf))
                    if leaf_hash(bytes(body)) != bytes(leaf):
                        raise VerifyError(seq, "stored leaf hash differs from the hash of the stored bytes")
                    if b"".join(expected) != bytes(subtrees):
                        raise VerifyError(seq, "stored tree hashes differ from the recomputed ones")
                last = rows[-1][0]
        except VerifyError as exc:
            raise CommandError(f"LEDGER NOT OK: seq {exc.seq}: {exc.message}") from None

        head = LogHead.objects.filter(pk=1).first()
        if head is None or head.size != checker.size:
            raise CommandError(
                f"LEDGER NOT OK: the log head says {head.size if head else 0} entries, "
                f"the table holds {checker.size}"
            )
        if checker.size and bytes(head.frontier) != frontier.to_bytes():
            raise CommandError("LEDGER NOT OK: the log head's tree state differs from the entries")

        for size, note in checkpoints:
            try:
                text = open_note(note, verifier)
                parsed = parse_checkpoint(text)
            except (NoteError, ValueError) as exc:
                raise CommandError(f"LEDGER NOT OK: checkpoint of size {size}: {exc}") from None
            if parsed.size != size or size > checker.size:
                raise CommandError(f"LEDGER NOT OK: checkpoint of size {size} does not match the log")
            if parsed.root != checker.roots[size]:
                bad = max(size - 1, 0)
                raise CommandError(
                    f"LEDGER NOT OK: seq {bad}: the checkpoint of size {size} signs a different "
                    "tree root than the stored entries give"
                )

        stale = PendingEntry.objects.filter(recorded_at__lt=clock() - timedelta(seconds=5)).count()
        if stale:
            self.stderr.write(
                f"warning: {stale} recorded entries have waited over 5 s for the sequencer; "
                "is the Celery worker (or the embedded server) running?"
            )
        latest = checkpoints[-1][0] if checkpoints else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"LEDGER OK: {checker.size} entries, {len(checkpoints)} checkpoints checked; "
                f"latest checkpoint covers {latest} entries; root {checker.root().hex()}"
            )
        )
