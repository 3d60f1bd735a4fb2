"""Enter a year of the holiday calendar: from the pinned chinesecalendar package, or from
a CSV file the station prepared from the State Council General Office notice
(docs/rules.md, "Entering a new year"). A provisional year (the demo's weekends-only
stand-in) is replaced without --replace: the official year is what it stands in for.

    python manage.py calendar_import --year 2026
    python manage.py calendar_import --csv 2027.csv [--year 2027] [--source "..."] [--replace]
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trading.errors import DomainError
from trading.models import CalendarYear
from trading.workdays import calendar_import_package, calendar_import_rows, parse_calendar_csv


def _provisional(year) -> bool:
    return CalendarYear.objects.filter(year=year, provisional=True).exists()


class Command(BaseCommand):
    help = "Import a year of official holidays and adjusted working days (调休)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="the year (with --csv: the year the file is for)")
        parser.add_argument("--csv", dest="csv_file", help="a CSV file date,kind,name for one whole year")
        parser.add_argument("--source", default="",
                            help="with --csv: where the dates come from (default: the file's name)")
        parser.add_argument("--replace", action="store_true", help="replace the year if it is already entered")

    def handle(self, *args, year=None, csv_file=None, source="", replace=False, **options):
        if csv_file is None and year is None:
            raise CommandError("give --year YEAR (from the package) or --csv FILE")
        try:
            if csv_file is None:
                was_provisional = _provisional(year)
                row = calendar_import_package(year=year, replace=replace)
            else:
                path = Path(csv_file)
                try:
                    text = path.read_text(encoding="utf-8-sig")
                except (OSError, UnicodeDecodeError) as exc:
                    raise CommandError(f"cannot read {path}: {exc}") from exc
                year, rows = parse_calendar_csv(text, year=year)
                was_provisional = _provisional(year)
                source = source or f"station calendar file {path.name}"
                row = calendar_import_rows(year=year, rows=rows, source=source, replace=replace)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        days = row.days.count()
        replaced = " (replaces the provisional year)" if was_provisional else ""
        self.stdout.write(self.style.SUCCESS(f"{row.year}: {days} days entered ({row.source}){replaced}"))
