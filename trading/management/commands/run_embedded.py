"""Serve the platform in embedded mode: uvicorn in this one process, plus the in-process
scheduler thread. DEBUG stays as the settings have it: off unless a developer sets
DJANGO_DEBUG=1. Refused when STATION_MODE=production (it prints the demo's passwords;
production runs gunicorn, a Celery worker and beat: docs/deploy.md)."""

import signal
import socket

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trading.demo import DEMO_ACCOUNTS, DEMO_CUSTODIAN_PASSPHRASES, DEMO_PASSWORD
from trading.scheduler import EmbeddedScheduler

WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def hosts_served(host):
    """The names a browser may put in the Host header for a server bound to `host`:
    the host itself, or for a wildcard bind this machine's name and addresses."""
    if host not in WILDCARD_HOSTS:
        return [f"[{host}]" if ":" in host else host]
    name = socket.gethostname()
    try:
        _name, aliases, addresses = socket.gethostbyname_ex(name)
    except OSError:
        aliases, addresses = [], []
    return [name, *aliases, *addresses]


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the embedded server (uvicorn, SQLite, tasks in-process) on 127.0.0.1:PORT."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port=8000, host="127.0.0.1", **options):
        if settings.PRODUCTION:
            raise CommandError("run_embedded is refused when STATION_MODE=production: it prints the demo's "
                               "passwords; run gunicorn, a Celery worker and beat (docs/deploy.md).")

        for name in hosts_served(host):
            if name not in settings.ALLOWED_HOSTS:
                settings.ALLOWED_HOSTS.append(name)
        self.stdout.write(self.banner(f"http://{hosts_served(host)[0]}:{port}"))
        server = uvicorn.Server(uvicorn.Config(
            "config.asgi:application", host=host, port=port,
            # The asyncio loop and the h11 parser: pure Python, nothing to compile.
            loop="asyncio", http="h11", ws="none", lifespan="on",
            # Logging stays Django's (settings.LOGGING); config.asgi writes the access log.
            log_config=None, access_log=False, log_level="warning",
            # Not behind a proxy: no client may rewrite its address with X-Forwarded-For.
            proxy_headers=False, server_header=False, timeout_graceful_shutdown=5,
        ))
        scheduler = EmbeddedScheduler()
        scheduler.start()
        # uvicorn stops gracefully on Ctrl-C or SIGTERM, then raises the signal again for
        # its caller: both end here, as one clean stop.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            scheduler.stop()
            scheduler.join(timeout=10)
        self.stdout.write("Stopped.")

    @staticmethod
    def banner(base):
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
        return "\n".join(lines)
