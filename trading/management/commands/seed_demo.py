"""Load the demo: stations, accounts and the three reference transactions (DOMAIN.md).
Embedded mode only: refused when STATION_MODE=production (the demo's passwords are public)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ledger.sequencer import ledger_run_sequencer
from trading.demo import (
    DEMO_ACCOUNTS,
    DEMO_CUSTODIAN_PASSPHRASES,
    DEMO_PASSWORD,
    DEMO_REFUSED_IN_PRODUCTION,
    demo_calendar_years,
    demo_is_sandbox,
    demo_is_seeded,
    seed_demo,
)
from trading.models import CalendarYear


class Command(BaseCommand):
    help = "Create the demo stations, accounts and the three reference transactions."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing if stations exist (in the demo's sandbox: only enter this and "
                                 "next year as provisional where they have no calendar)")

    def handle(self, *args, if_empty=False, **options):
        if settings.PRODUCTION:
            raise CommandError(DEMO_REFUSED_IN_PRODUCTION)
        if demo_is_seeded():
            if if_empty:
                self.stdout.write("Demo data present.")
                # A demo loaded last year is walked today: its years may need stand-ins too.
                if demo_is_sandbox():
                    for year in demo_calendar_years():
                        self.stdout.write(f"  calendar {year}: provisional (weekends only) for the demo")
                return
            raise CommandError("The database already has stations; the demo is for an empty database.")
        codes = seed_demo()
        ledger_run_sequencer()
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {', '.join(codes)} filed and registered."))
        for username, full_name, _m, what in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<11} {full_name}  {what}")
        self.stdout.write(f"  password for every demo account: {DEMO_PASSWORD}")
        for username, passphrase in DEMO_CUSTODIAN_PASSPHRASES.items():
            self.stdout.write(f"  custodian passphrase of {username}: {passphrase}")
        for year in CalendarYear.objects.filter(provisional=True).values_list("year", flat=True):
            self.stdout.write(f"  calendar {year}: provisional (weekends only) for the demo")
