"""Create the log's Ed25519 signing key file (LEDGER_SIGNING_KEY_FILE)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

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
            if if_missing:
                self.stdout.write(f"Signing key present: {path}")
                self.stdout.write(f"Verifier key: {get_signer().verifier_key()}")
                return
            raise CommandError(f"{path} already exists; a log keeps its key. Refusing to overwrite.")
        signer = create_signing_key(path, settings.LEDGER_ORIGIN)
        self.stdout.write(self.style.SUCCESS(f"Created signing key {path} (mode 0600)."))
        self.stdout.write(f"Verifier key (publish it): {signer.verifier_key()}")
