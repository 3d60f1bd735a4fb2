"""Working days: the deployment's holiday calendar and the deadlines counted on it.

A day is a working day if it is Monday to Friday and not an official holiday, or a
weekend day the State Council made a working day in exchange (调休). The calendar
(`CalendarYear`, `CalendarDay`) is seeded from the pinned `chinesecalendar` package and
edited in the admin; these functions read the table on every call, so a correction
counts at once. A year without a `CalendarYear` row has no data: a count that reaches
into it raises `CalendarMissing` naming the year and how to enter it. Nothing is guessed.
A *provisional* year (`CalendarYear.provisional`: weekends only, no days) is what the demo
enters for a year without official data (`calendar_provisional_enter`, called by
`seed_demo` only); it is counted like any year, `provisional_warning` tells the clerk, and
entering the official year replaces it.

How "N working days" is read (docs/rules.md explains it to station staff): the day of
the event is not counted; the N working days are the next N working days after it, in
Beijing time. `earliest_deadline` allows a deadline from 00:00 of the N-th of them,
`working_days_deadline` ends at 24:00 of the N-th of them. Times are returned as aware
UTC datetimes.

The import services (`calendar_import_package`, `calendar_import_rows`,
`parse_calendar_csv`) are what `manage.py calendar_import` calls.
"""

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar import constants as calendar_constants
from django.db import transaction as db_transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from .errors import InvalidInput, RuleViolation
from .models import CalendarDay, CalendarYear, DayKind
from .models.rules import PROVISIONAL_LABEL
from .text import clean_text

# Official holidays and 调休 are days of Beijing time, whatever the server's zone.
CALENDAR_TZ = ZoneInfo("Asia/Shanghai")
_ONE_DAY = timedelta(days=1)


# Where a station enters a year by hand (the admin's "add calendar year" page).
CALENDAR_ADD_URL_NAME = "admin:trading_calendaryear_add"


def import_command(year: int) -> str:
    """The command that enters `year`: from the installed package if it has the year, else
    from a CSV file the station prepares from the State Council General Office notice."""
    if package_days(year):
        return f"python manage.py calendar_import --year {year}"
    return f"python manage.py calendar_import --year {year} --csv FILE"


class CalendarMissing(RuleViolation):
    """A working-day count reached a year that has no holiday calendar. The message says
    which year to enter and the two ways to enter it (docs/rules.md, "Entering a new year")."""

    def __init__(self, year: int):
        admin_url, command = reverse(CALENDAR_ADD_URL_NAME), import_command(year)
        if package_days(year):
            how = _("The installed chinesecalendar package has %(year)d: %(command)s, or administration → "
                    "calendar years → add (%(admin_url)s).")
        else:
            how = _("Enter %(year)d from the State Council General Office notice (国务院办公厅关于%(year)d年"
                    "部分节假日安排的通知): administration → calendar years → add (%(admin_url)s), or "
                    "%(command)s (a CSV file of lines date,kind,name; docs/rules.md).")
        super().__init__(
            _("no holiday calendar for %(year)d (official holidays and adjusted working days): working-day "
              "dates in %(year)d cannot be computed until the station enters them. %(how)s")
            % {"year": year, "how": how % {"year": year, "command": command, "admin_url": admin_url}},
            rule="calendar.missing", year=year, command=command, admin_url=admin_url,
        )
        self.year = year


class _Calendar:
    """The days of the years one computation touches, read once per year per call."""

    def __init__(self):
        self._years: dict[int, dict[date, str]] = {}

    def _kinds(self, year: int) -> dict[date, str]:
        if year not in self._years:
            if not CalendarYear.objects.filter(year=year).exists():
                raise CalendarMissing(year)
            self._years[year] = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "kind"))
        return self._years[year]

    def is_working_day(self, d: date) -> bool:
        kind = self._kinds(d.year).get(d)
        if kind == DayKind.HOLIDAY:
            return False
        if kind == DayKind.WORKDAY:
            return True
        return d.weekday() < 5


def _plain_date(d) -> date:
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"a calendar date is expected, not {type(d).__name__}")
    return d


def is_working_day(d: date) -> bool:
    """Mon–Fri unless a holiday; a weekend day that is an adjusted working day counts."""
    return _Calendar().is_working_day(_plain_date(d))


def add_working_days(d: date, n: int) -> date:
    """The n-th working day after `d` (n >= 1; `d` itself is not counted)."""
    d = _plain_date(d)
    if type(n) is not int or n < 1:
        raise ValueError(f"n must be a whole number of at least 1, not {n!r}")
    calendar = _Calendar()
    counted = 0
    while counted < n:
        d += _ONE_DAY
        if calendar.is_working_day(d):
            counted += 1
    return d


def local_date(moment: datetime) -> date:
    """The calendar day (Beijing time) of an aware moment."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working days are counted from an aware datetime")
    return moment.astimezone(CALENDAR_TZ).date()


def _start_of(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=CALENDAR_TZ).astimezone(UTC)


def earliest_deadline(notice_moment: datetime, n: int) -> datetime:
    """The earliest deadline "at least n working days after" the notice: 00:00 (Beijing)
    of the n-th working day after the notice's day. A notice on Monday with n = 3 allows
    a deadline from Thursday 00:00 (Tuesday, Wednesday, Thursday are the 3 days)."""
    return _start_of(add_working_days(local_date(notice_moment), n))


def working_days_deadline(moment: datetime, n: int) -> datetime:
    """The end (24:00 Beijing, i.e. 00:00 of the next day) of the n-th working day after
    the moment's day: "within n working days" of it."""
    return _start_of(add_working_days(local_date(moment), n) + _ONE_DAY)


# --- Provisional years ------------------------------------------------------------------

def provisional_years(first: date, last: date) -> list[int]:
    """The provisional years among those from `first` to `last` (inclusive)."""
    return list(CalendarYear.objects.filter(provisional=True, year__gte=first.year, year__lte=last.year)
                .order_by("year").values_list("year", flat=True))


def provisional_warning(moment: datetime, n: int) -> str | None:
    """What the clerk is told when "n working days after" `moment` counts days of a
    provisional year (None if it does not): the deadline stands on the demo's stand-in, not
    on the State Council's holidays. Raises CalendarMissing as the count itself does."""
    first = local_date(moment)
    years = provisional_years(first, add_working_days(first, n))
    if not years:
        return None
    return (_("the deadline counts working days of %(years)s from a provisional calendar (%(label)s): enter "
              "the official year before any real use (%(command)s, or the administration → calendar years)")
            % {"years": ", ".join(map(str, years)), "label": PROVISIONAL_LABEL,
               "command": import_command(years[0])})


def calendar_provisional_enter(*, year: int, source: str) -> CalendarYear | None:
    """Enter `year` as a provisional stand-in (weekends only) if it has no calendar at all;
    returns the new row, or None if the year is already there (official or provisional).
    The demo's only: a real station enters the State Council's notice."""
    source = clean_text(source, field=_("source"), max_length=CalendarYear._meta.get_field("source").max_length)
    row, created = CalendarYear.objects.get_or_create(year=year, defaults={"source": source, "provisional": True})
    return row if created else None


# --- Entering years ---------------------------------------------------------------------

def package_version() -> str:
    return chinese_calendar.__version__


def package_days(year: int) -> list[tuple[date, str, str]]:
    """The (date, kind, Chinese name) of the package's official data for `year`; [] if it
    has none."""
    constants = calendar_constants
    chinese = {h.value: h.chinese for h in constants.Holiday}
    days = [(d, DayKind.HOLIDAY.value, n) for d, n in constants.holidays.items() if d.year == year]
    days += [(d, DayKind.WORKDAY.value, n) for d, n in constants.workdays.items() if d.year == year]
    return sorted((d, kind, chinese.get(name, name)) for d, kind, name in days)


def package_source(year: int) -> str:
    return f"chinesecalendar {package_version()}: 国务院办公厅关于{year}年部分节假日安排的通知"


def calendar_import_rows(*, year: int, rows, source: str, replace: bool = False, user=None) -> CalendarYear:
    """Enter a whole year: `rows` are (date, kind, name). Refuses an existing year unless
    `replace` or the year is only provisional (the official year replaces the stand-in),
    days outside the year, duplicate dates, an adjusted working day on a weekday (it
    changes nothing: a mistake), and an empty list (a year without holidays is a guess)."""
    rows = list(rows)
    if not rows:
        raise InvalidInput(_("no days given for %(year)d: a year is entered with its official holidays and "
                             "adjusted working days") % {"year": year})
    seen = set()
    for d, kind, _name in rows:
        if d.year != year:
            raise InvalidInput(_("%(date)s is not in %(year)d") % {"date": d.isoformat(), "year": year})
        if d in seen:
            raise InvalidInput(_("%(date)s is given twice") % {"date": d.isoformat()})
        seen.add(d)
        if kind not in DayKind.values:
            raise InvalidInput(_("%(date)s: kind must be holiday or workday (given: %(kind)s)")
                               % {"date": d.isoformat(), "kind": kind})
        if kind == DayKind.WORKDAY and d.weekday() < 5:
            raise InvalidInput(_("%(date)s is a weekday, a working day anyway: an adjusted working day "
                                 "(workday) is a Saturday or Sunday") % {"date": d.isoformat()})
    source = clean_text(source, field=_("source"), max_length=CalendarYear._meta.get_field("source").max_length)
    with db_transaction.atomic():
        existing = CalendarYear.objects.select_for_update().filter(year=year).first()
        if existing is not None:
            if not (replace or existing.provisional):
                raise InvalidInput(
                    _("%(year)d is already in the calendar (%(source)s): it is replaced only on request "
                      "(calendar_import --replace)") % {"year": year, "source": existing.source})
            existing.delete()
        row = CalendarYear.objects.create(year=year, source=source, entered_by=user)
        # Days of other years filed under this one by hand would collide on `date`.
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(year=row, date=d, kind=kind,
                        name=clean_text(name, field=_("name"), max_length=64, required=False))
            for d, kind, name in sorted(rows)
        )
    return row


def calendar_import_package(*, year: int, replace: bool = False, user=None) -> CalendarYear:
    """Enter `year` from the pinned package; refuses a year the package has no data for."""
    days = package_days(year)
    if not days:
        raise InvalidInput(
            _("chinesecalendar %(version)s has no data for %(year)d: enter the year from the State Council "
              "General Office notice (admin, or a CSV file)") % {"version": package_version(), "year": year})
    return calendar_import_rows(year=year, rows=days, source=package_source(year), replace=replace, user=user)


def calendar_years_seed(*, user=None) -> list[int]:
    """Enter every year the pinned package has data for and the calendar lacks, or holds
    only provisionally; returns them. The data migration 0003 does it on migrate; this
    restores the seeded years where a test's flush emptied every table, and after a newer
    package is installed replaces the demo's stand-ins with the official years."""
    years = sorted({d.year for d in calendar_constants.holidays} | {d.year for d in calendar_constants.workdays})
    present = set(CalendarYear.objects.filter(year__in=years, provisional=False).values_list("year", flat=True))
    missing = [year for year in years if year not in present]
    for year in missing:
        calendar_import_package(year=year, user=user)
    return missing


CSV_HEADER = ["date", "kind", "name"]
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def parse_calendar_csv(text: str, *, year: int | None = None) -> tuple[int, list[tuple[date, str, str]]]:
    """Parse a station-prepared CSV `date,kind,name` (an optional header line; dates
    YYYY-MM-DD; kind holiday or workday). Returns (year, rows); the year is `year` or that
    of the first date. Refuses a malformed line, a day outside the year and a duplicate,
    naming the line."""
    rows, seen = [], {}
    for number, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not fields or all(not f.strip() for f in fields):
            continue
        fields = [f.strip() for f in fields]
        if number == 1 and [f.lower().lstrip("\ufeff") for f in fields] == CSV_HEADER:
            continue
        if len(fields) not in (2, 3):
            raise InvalidInput(_("line %(line)d: expected date,kind,name (got %(count)d fields)")
                               % {"line": number, "count": len(fields)}, line=number)
        raw_date, kind = fields[0].lstrip("\ufeff"), fields[1].lower()
        try:
            if not _ISO_DATE.match(raw_date):
                raise ValueError(raw_date)
            d = date.fromisoformat(raw_date)
        except ValueError:
            raise InvalidInput(_("line %(line)d: “%(value)s” is not a date written YYYY-MM-DD")
                               % {"line": number, "value": raw_date}, line=number) from None
        if kind not in DayKind.values:
            raise InvalidInput(_("line %(line)d: kind must be holiday or workday (given: %(kind)s)")
                               % {"line": number, "kind": fields[1]}, line=number)
        year = d.year if year is None else year
        if d.year != year:
            raise InvalidInput(_("line %(line)d: %(date)s is not in %(year)d")
                               % {"line": number, "date": raw_date, "year": year}, line=number)
        if d in seen:
            raise InvalidInput(_("line %(line)d: %(date)s is already given on line %(first)d")
                               % {"line": number, "date": raw_date, "first": seen[d]}, line=number)
        if kind == DayKind.WORKDAY and d.weekday() < 5:
            raise InvalidInput(_("line %(line)d: %(date)s is a weekday, a working day anyway: an adjusted "
                                 "working day (workday) is a Saturday or Sunday")
                               % {"line": number, "date": raw_date}, line=number)
        name = fields[2] if len(fields) == 3 else ""
        try:
            name = clean_text(name, field=_("name"), max_length=64, required=False)
        except InvalidInput as exc:
            raise InvalidInput(_("line %(line)d: %(error)s") % {"line": number, "error": exc.message},
                               line=number) from None
        seen[d] = number
        rows.append((d, kind, name))
    if not rows:
        raise InvalidInput(_("the file has no days: a year is entered with its official holidays and "
                             "adjusted working days"))
    return year, rows


__all__ = [
    "CALENDAR_ADD_URL_NAME", "CALENDAR_TZ", "CSV_HEADER", "CalendarMissing", "add_working_days",
    "calendar_import_package", "calendar_import_rows", "calendar_provisional_enter", "calendar_years_seed",
    "earliest_deadline", "import_command", "is_working_day", "local_date", "package_days", "package_source",
    "package_version", "parse_calendar_csv", "provisional_warning", "provisional_years", "working_days_deadline",
]
