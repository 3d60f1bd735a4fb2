"""Serve the platform in embedded mode: the web server plus the in-process scheduler.
Refused when STATION_MODE=production (it prints the demo's passwords; production runs
gunicorn, a Celery worker and beat: docs/deploy.md)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from trading.demo import DEMO_ACCOUNTS, DEMO_CUSTODIAN_PASSPHRASES, DEMO_PASSWORD
from trading.scheduler import EmbeddedScheduler


class Command(BaseCommand):
    help = "Run the embedded server (SQLite, tasks in-process) on 127.0.0.1:PORT."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port="8000", host="127.0.0.1", **options):
        if settings.PRODUCTION:
            raise CommandError("run_embedded is refused when STATION_MODE=production: it serves with "
                               "Django's development server and prints the demo's passwords; run "
                               "gunicorn, a Celery worker and beat (docs/deploy.md).")
        base = f"http://{host}:{port}"
        lines = [
            "",
            "Township trading station platform (embedded mode)",
            f"  Home page ............ {base}/",
            f"  Public audit trail ... {base}/audit/",
            f"  Log in ............... {base}/accounts/login/",
            f"  Ledger (verifiers) ... {base}/ledger/checkpoint  {base}/ledger/entries?start=0",
            f"  API docs ............. {base}/api/docs/",
            f"  Administration ....... {base}/admin/   (user admin)",
            "",
            f"Demo accounts (password {DEMO_PASSWORD}):",
        ]
        lines += [f"  {u:<11} {name}  {what}" for u, name, _m, what in DEMO_ACCOUNTS]
        lines += ["", "Custodian passphrases (to open sealed quotes; two of the three are needed):"]
        lines += [f"  {u:<11} {p}" for u, p in DEMO_CUSTODIAN_PASSPHRASES.items()]
        lines += ["", f"Data in {settings.DATABASES['default']['NAME']}; stop with Ctrl-C.", ""]
        self.stdout.write("\n".join(lines))
        scheduler = EmbeddedScheduler()
        scheduler.start()
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            scheduler.stop()
