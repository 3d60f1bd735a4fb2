"""Create the log's Ed25519 signing key file (LEDGER_SIGNING_KEY_FILE), and sign the
checkpoint of the empty log while the log is still empty (docs/ledger.md: every
deployment's checkpoint history starts at size 0, `make run`'s demo included, whose data
is recorded right after this command)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ledger.models import Checkpoint
from ledger.selectors import ledger_size
from ledger.sequencer import ledger_sign_checkpoint
from ledger.signing import create_signing_key, get_signer


class Command(BaseCommand):
    help = "Create the ledger signing key file named by LEDGER_SIGNING_KEY_FILE (never overwrites)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-missing", action="store_true", help="do nothing if the key file exists"
        )

    def handle(self, *args, if_missing=False, **options):
        path = Path(settings.LEDGER_SIGNING_KEY_FILE)
        if path.exists():
            if not if_missing:
                raise CommandError(f"{path} already exists; a log keeps its key. Refusing to overwrite.")
            self.stdout.write(f"Signing key present: {path}")
            self.stdout.write(f"Verifier key: {get_signer().verifier_key()}")
        else:
            signer = create_signing_key(path, settings.LEDGER_ORIGIN)
            self.stdout.write(self.style.SUCCESS(f"Created signing key {path} (mode 0600)."))
            self.stdout.write(f"Verifier key (publish it): {signer.verifier_key()}")
        if ledger_size() == 0 and not Checkpoint.objects.exists():
            ledger_sign_checkpoint()
            self.stdout.write("Signed the checkpoint of the empty log (size 0).")
