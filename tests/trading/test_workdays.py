"""Working days on the deployment's holiday calendar: official holidays and adjusted
working days (调休) from the pinned chinesecalendar package, years the station enters, and
the refusal to count into a year without data (docs/rules.md, "N working days")."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from chinese_calendar import constants
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_user
from trading import workdays
from trading.models import CalendarDay, CalendarYear
from trading.workdays import (
    CalendarMissing,
    add_working_days,
    earliest_deadline,
    is_working_day,
    working_days_deadline,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BEIJING = ZoneInfo("Asia/Shanghai")
PACKAGE_YEARS = sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})
FIRST_YEAR_WITHOUT_DATA = PACKAGE_YEARS[-1] + 1  # 2027 with chinesecalendar 1.11.0


def beijing(*args):
    return datetime(*args, tzinfo=BEIJING)


def shown(moment):
    return timezone.localtime(moment, BEIJING).strftime("%Y-%m-%d %H:%M")


# --- The seeded calendar is the package's ------------------------------------------------

def test_every_year_the_package_has_is_seeded_with_its_source():
    assert list(CalendarYear.objects.values_list("year", flat=True)) == PACKAGE_YEARS
    assert CalendarYear.objects.get(year=2026).source == (
        f"chinesecalendar {chinese_calendar.__version__}: 国务院办公厅关于2026年部分节假日安排的通知")
    assert chinese_calendar.__version__ == "1.11.0"  # requirements.txt pins it


def test_seeded_2026_days_are_the_packages_with_chinese_names():
    seeded = list(CalendarDay.objects.filter(date__year=2026).values_list("date", "kind", "name"))
    assert seeded == workdays.package_days(2026)
    assert len(seeded) == len([d for d in constants.holidays if d.year == 2026]) + \
        len([d for d in constants.workdays if d.year == 2026])


def test_the_2026_national_day_and_mid_autumn_arrangement_as_the_package_gives_it():
    # Checked against the package, not assumed: Mid-Autumn Fri 25 - Sun 27 September,
    # National Day 1-7 October, worked in exchange on Sunday 20 September and Saturday 10 October.
    assert constants.holidays[date(2026, 9, 25)] == "Mid-autumn Festival"
    assert constants.workdays[date(2026, 9, 20)] == constants.workdays[date(2026, 10, 10)] == "National Day"
    assert all(constants.holidays[date(2026, 10, day)] == "National Day" for day in range(1, 8))
    day = CalendarDay.objects.get(date=date(2026, 10, 10))
    assert (day.kind, day.name) == ("workday", "国庆节")
    assert CalendarDay.objects.get(date=date(2026, 9, 25)).name == "中秋"


def test_years_emptied_by_a_flush_are_seeded_again_from_the_package():
    seeded = list(CalendarDay.objects.values_list("date", "kind", "name"))
    CalendarYear.objects.filter(year__gte=PACKAGE_YEARS[-2]).delete()
    assert workdays.calendar_years_seed() == PACKAGE_YEARS[-2:]
    assert list(CalendarDay.objects.values_list("date", "kind", "name")) == seeded
    assert workdays.calendar_years_seed() == []


# --- Which days are working days ---------------------------------------------------------

@pytest.mark.parametrize("day, working", [
    (date(2026, 9, 18), True),    # Friday
    (date(2026, 9, 19), False),   # Saturday
    (date(2026, 9, 20), True),    # Sunday worked for National Day (调休)
    (date(2026, 9, 25), False),   # Friday, Mid-Autumn Festival
    (date(2026, 10, 5), False),   # Monday, National Day
    (date(2026, 10, 8), True),    # Thursday after the holiday
    (date(2026, 10, 10), True),   # Saturday worked for National Day (调休)
    (date(2026, 10, 11), False),  # Sunday
    (date(2026, 2, 14), True),    # Saturday worked for the Spring Festival
    (date(2026, 2, 23), False),   # Monday, last day of the Spring Festival
    (date(2026, 11, 28), False),  # an ordinary Saturday
    (date(2026, 11, 30), True),   # an ordinary Monday
])
def test_is_working_day(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize("start, n, expected", [
    (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday -> Monday over a weekend
    (date(2026, 11, 27), 5, date(2026, 12, 4)),
    (date(2026, 11, 28), 1, date(2026, 11, 30)),  # from a Saturday
    (date(2026, 9, 18), 1, date(2026, 9, 20)),    # Friday -> the 调休 Sunday
    (date(2026, 9, 24), 1, date(2026, 9, 28)),    # over Mid-Autumn Friday and the weekend
    (date(2026, 9, 30), 1, date(2026, 10, 8)),    # over the National Day week
    (date(2026, 9, 30), 3, date(2026, 10, 10)),   # ... Thu 8, Fri 9, Sat 10 (调休)
    (date(2026, 9, 30), 4, date(2026, 10, 12)),
    (date(2026, 2, 13), 1, date(2026, 2, 14)),    # Friday -> the 调休 Saturday
    (date(2026, 2, 13), 2, date(2026, 2, 24)),    # over the Spring Festival, 15-23 February
])
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n) == expected


def test_a_count_that_reaches_a_year_without_data_is_refused_naming_the_year():
    last = date(PACKAGE_YEARS[-1], 12, 31)
    assert add_working_days(date(2026, 12, 29), 2) == last  # Wed 30, Thu 31: still in 2026
    with pytest.raises(CalendarMissing) as exc:
        add_working_days(date(2026, 12, 29), 3)
    assert exc.value.year == FIRST_YEAR_WITHOUT_DATA
    assert exc.value.rule == "calendar.missing"
    # ... and what the station enters, where, and how (docs/rules.md, "Entering a new year").
    assert exc.value.message == (
        "no holiday calendar for 2027 (official holidays and adjusted working days): working-day dates "
        "in 2027 cannot be computed until the station enters them. Enter 2027 from the State Council General "
        "Office notice (国务院办公厅关于2027年部分节假日安排的通知): administration → calendar years → add "
        "(/admin/trading/calendaryear/add/), or python manage.py calendar_import --year 2027 --csv FILE "
        "(a CSV file of lines date,kind,name; docs/rules.md).")
    assert exc.value.details == {"year": 2027, "command": "python manage.py calendar_import --year 2027 --csv FILE",
                                 "admin_url": "/admin/trading/calendaryear/add/"}


def test_the_refusal_names_the_package_command_when_the_installed_package_has_the_year(monkeypatch):
    # As with a newer chinesecalendar installed but its year not yet entered (the seeding on
    # migrate enters it; a station that skipped it is told the one command).
    official = workdays.package_days(2026)
    monkeypatch.setattr(workdays, "package_days",
                        lambda year: official if year in (2026, FIRST_YEAR_WITHOUT_DATA) else [])
    CalendarYear.objects.filter(year=2026).delete()
    with pytest.raises(CalendarMissing) as exc:
        is_working_day(date(2026, 3, 3))
    assert exc.value.message.endswith(
        "until the station enters them. The installed chinesecalendar package has 2026: python manage.py "
        "calendar_import --year 2026, or administration → calendar years → add (/admin/trading/calendaryear/add/).")
    assert exc.value.details["command"] == "python manage.py calendar_import --year 2026"


def test_a_weekday_in_a_year_without_data_is_not_guessed():
    with pytest.raises(CalendarMissing, match="no holiday calendar for 2027"):
        is_working_day(date(FIRST_YEAR_WITHOUT_DATA, 3, 3))
    with pytest.raises(CalendarMissing, match="no holiday calendar for 2003"):
        is_working_day(date(PACKAGE_YEARS[0] - 1, 6, 2))


def test_a_correction_in_the_calendar_counts_at_once():
    assert add_working_days(date(2026, 11, 30), 1) == date(2026, 12, 1)
    CalendarDay.objects.create(year=CalendarYear.objects.get(year=2026), date=date(2026, 12, 1),
                               kind="holiday", name="测试：临时休息日")
    assert add_working_days(date(2026, 11, 30), 1) == date(2026, 12, 2)


def test_bad_arguments_are_programming_errors():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 11, 30), 0)
    with pytest.raises(TypeError):
        add_working_days(datetime(2026, 11, 30, tzinfo=UTC), 1)
    with pytest.raises(ValueError, match="aware"):
        earliest_deadline(datetime(2026, 11, 30, 10), 3)


# --- Deadlines ----------------------------------------------------------------------------

def test_a_notice_on_monday_allows_a_quote_deadline_from_thursday_0000():
    notice = beijing(2026, 11, 30, 10, 0)
    earliest = earliest_deadline(notice, 3)
    assert shown(earliest) == "2026-12-03 00:00"
    assert earliest == datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
    assert earliest.tzinfo is UTC


def test_one_working_day_short_is_earlier_than_allowed():
    notice = beijing(2026, 11, 30, 10, 0)
    earliest = earliest_deadline(notice, 3)
    wednesday_night = beijing(2026, 12, 2, 23, 59, 59)
    assert wednesday_night < earliest <= beijing(2026, 12, 3, 0, 0)
    assert earliest_deadline(notice, 2) == beijing(2026, 12, 2, 0, 0)


def test_the_notice_day_is_the_day_in_beijing_not_in_utc():
    # Sunday 16:30 UTC is Monday 00:30 in Beijing: the notice is Monday's.
    assert earliest_deadline(datetime(2026, 11, 29, 16, 30, tzinfo=UTC), 3) == beijing(2026, 12, 3)
    # Monday 15:59 UTC is Monday 23:59 in Beijing: still Monday's.
    assert earliest_deadline(datetime(2026, 11, 30, 15, 59, tzinfo=UTC), 3) == beijing(2026, 12, 3)
    # Monday 16:00 UTC is Tuesday 00:00 in Beijing.
    assert earliest_deadline(datetime(2026, 11, 30, 16, 0, tzinfo=UTC), 3) == beijing(2026, 12, 4)


def test_a_notice_before_national_day_counts_the_holiday_out():
    assert earliest_deadline(beijing(2026, 9, 30, 9, 0), 3) == beijing(2026, 10, 10)


def test_within_5_working_days_ends_at_midnight_after_the_fifth():
    # Evaluated Monday 30 November: Tue, Wed, Thu, Fri, Mon 7 December; ends 8 December 00:00.
    assert working_days_deadline(beijing(2026, 11, 30, 15, 0), 5) == beijing(2026, 12, 8)


def test_a_challenge_period_of_7_working_days_spans_mid_autumn_and_national_day():
    # Published Wednesday 23 September: Thu 24; Mon 28, Tue 29, Wed 30; Thu 8, Fri 9, Sat 10 October.
    assert working_days_deadline(beijing(2026, 9, 23, 11, 0), 7) == beijing(2026, 10, 11)


def test_a_deadline_into_a_year_without_data_is_refused():
    with pytest.raises(CalendarMissing, match="2027"):
        working_days_deadline(beijing(2026, 12, 24, 9, 0), 7)


# --- Provisional years (the demo's stand-ins) ---------------------------------------------------

def test_a_provisional_year_counts_weekends_only_and_the_clerk_is_told():
    y = FIRST_YEAR_WITHOUT_DATA
    row = workdays.calendar_provisional_enter(year=y, source="测试：临时日历")
    assert row.provisional and not row.days.exists()
    assert workdays.calendar_provisional_enter(year=y, source="again") is None  # there already
    assert workdays.calendar_provisional_enter(year=2026, source="测试") is None  # never over an official year
    assert not CalendarYear.objects.get(year=2026).provisional
    # Wed 30, Thu 31 December; Fri 1 January counts (weekends only: no 元旦 in a stand-in).
    assert add_working_days(date(2026, 12, 29), 3) == date(y, 1, 1)
    assert workdays.provisional_warning(beijing(2026, 12, 29, 9, 0), 3) == (
        "the deadline counts working days of 2027 from a provisional calendar (provisional: weekends only, not "
        "the State Council's holidays): enter the official year before any real use (python manage.py "
        "calendar_import --year 2027 --csv FILE, or the administration → calendar years)")
    # Thu 31 December is the 2nd: the count stays in 2026, nothing to say.
    assert workdays.provisional_warning(beijing(2026, 12, 29, 9, 0), 2) is None
    assert workdays.provisional_warning(beijing(2026, 6, 1, 9, 0), 3) is None


def test_the_official_year_replaces_a_provisional_one_without_replace(tmp_path, capsys):
    y = FIRST_YEAR_WITHOUT_DATA
    workdays.calendar_provisional_enter(year=y, source="测试：临时日历")
    call_command("calendar_import", "--year", str(y), "--csv", write(tmp_path, TEST_CSV.format(y=y)),
                 "--source", "测试：国办发明电")
    row = CalendarYear.objects.get(year=y)
    assert (row.provisional, row.source, row.days.count()) == (False, "测试：国办发明电", 3)
    assert f"{y}: 3 days entered (测试：国办发明电) (replaces the provisional year)" in capsys.readouterr().out
    assert is_working_day(date(y, 1, 1)) is False
    assert workdays.provisional_warning(beijing(2026, 12, 29, 9, 0), 3) is None
    # Once official, the year is replaced only on request again.
    with pytest.raises(CommandError, match=f"{y} is already in the calendar"):
        call_command("calendar_import", "--csv", write(tmp_path, TEST_CSV.format(y=y)))


def test_a_newer_package_replaces_the_provisional_year_on_migrate_and_on_request(capsys):
    # As if the demo had entered 2026 before a chinesecalendar with 2026 was installed.
    official = list(CalendarDay.objects.filter(date__year=2026).values_list("date", "kind", "name"))
    CalendarYear.objects.filter(year=2026).delete()
    workdays.calendar_provisional_enter(year=2026, source="测试：临时日历")
    assert workdays.calendar_years_seed() == [2026]
    row = CalendarYear.objects.get(year=2026)
    assert not row.provisional and list(row.days.values_list("date", "kind", "name")) == official
    CalendarYear.objects.filter(year=2025).update(provisional=True)
    call_command("calendar_import", "--year", "2025")
    assert not CalendarYear.objects.get(year=2025).provisional
    assert "(replaces the provisional year)" in capsys.readouterr().out


def test_the_migration_marks_the_stand_ins_an_earlier_demo_entered():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("trading.migrations.0009_calendaryear_provisional")
    CalendarYear.objects.create(year=FIRST_YEAR_WITHOUT_DATA, source=migration.OLD_DEMO_SOURCE)
    migration.mark_demo_years(apps, None)
    assert list(CalendarYear.objects.filter(provisional=True).values_list("year", flat=True)) == [
        FIRST_YEAR_WITHOUT_DATA]


# --- Property: agrees with the package, day by day --------------------------------------------

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 11, 30)),
       n=st.integers(min_value=1, max_value=15))
def test_add_working_days_is_a_working_day_increasing_in_n_with_exactly_n_working_days(start, n):
    result = add_working_days(start, n)
    # The package's own is_workday is the independent oracle here.
    assert chinese_calendar.is_workday(result)
    assert add_working_days(start, n + 1) > result
    between = [start + timedelta(days=i) for i in range(1, (result - start).days + 1)]
    assert sum(map(chinese_calendar.is_workday, between)) == n


# --- Entering a year ------------------------------------------------------------------------

# A made-up calendar for tests only: never seeded, never shipped.
TEST_CSV = """date,kind,name
{y}-01-01,holiday,测试元旦
{y}-01-02,holiday,测试元旦
{y}-01-09,workday,测试调休
"""


def write(tmp_path, text, name="calendar.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_package_has_no_next_year_and_the_command_says_so():
    with pytest.raises(CommandError, match=r"chinesecalendar 1\.11\.0 has no data for 2027"):
        call_command("calendar_import", "--year", str(FIRST_YEAR_WITHOUT_DATA))
    assert not CalendarYear.objects.filter(year=FIRST_YEAR_WITHOUT_DATA).exists()


def test_a_year_already_entered_is_replaced_only_on_request(capsys):
    CalendarDay.objects.filter(date=date(2026, 10, 10)).delete()
    with pytest.raises(CommandError, match="2026 is already in the calendar"):
        call_command("calendar_import", "--year", "2026")
    assert is_working_day(date(2026, 10, 10)) is False  # the deleted 调休 Saturday
    call_command("calendar_import", "--year", "2026", "--replace")
    assert is_working_day(date(2026, 10, 10)) is True
    assert "2026: 39 days entered" in capsys.readouterr().out


def test_a_station_csv_enters_the_next_year_and_counting_goes_on(tmp_path):
    y = FIRST_YEAR_WITHOUT_DATA
    call_command("calendar_import", "--csv", write(tmp_path, TEST_CSV.format(y=y), f"{y}.csv"))
    row = CalendarYear.objects.get(year=y)
    assert row.source == f"station calendar file {y}.csv"
    assert list(row.days.values_list("date", "kind", "name")) == [
        (date(y, 1, 1), "holiday", "测试元旦"), (date(y, 1, 2), "holiday", "测试元旦"),
        (date(y, 1, 9), "workday", "测试调休")]
    # Tue 29, Wed 30, Thu 31 December, then (1, 2 January off, 3 Sunday) Mon 4 January.
    assert add_working_days(date(2026, 12, 28), 4) == date(y, 1, 4)


@pytest.mark.parametrize("body, message", [
    ("2027-01-01,holiday,元旦\n2027-13-01,holiday,x\n", "line 2: “2027-13-01” is not a date written YYYY-MM-DD"),
    ("2027-01-01,holiday,元旦\n20270102,holiday,x\n", "line 2: “20270102” is not a date written YYYY-MM-DD"),
    ("date,kind,name\n2027-01-01,rest,元旦\n", "line 2: kind must be holiday or workday (given: rest)"),
    ("2027-01-01,holiday,元旦,多余\n", "line 1: expected date,kind,name (got 4 fields)"),
    ("2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n2027-01-01,holiday,元旦\n",
     "line 3: 2027-01-01 is already given on line 1"),
    ("2027-01-01,holiday,元旦\n2028-01-01,holiday,元旦\n", "line 2: 2028-01-01 is not in 2027"),
    ("2027-01-01,holiday,元旦\n2027-01-06,workday,x\n",
     "line 2: 2027-01-06 is a weekday, a working day anyway"),
    ("date,kind,name\n", "the file has no days"),
])
def test_a_malformed_csv_is_refused_naming_the_line(tmp_path, body, message):
    with pytest.raises(CommandError) as exc:
        call_command("calendar_import", "--csv", write(tmp_path, body))
    assert message in str(exc.value)
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_a_csv_for_a_year_already_entered_is_refused_unless_replace(tmp_path):
    path = write(tmp_path, "2026-01-01,holiday,元旦\n")
    with pytest.raises(CommandError, match="2026 is already in the calendar"):
        call_command("calendar_import", "--csv", path)
    call_command("calendar_import", "--csv", path, "--replace", "--source", "测试：县政府通知")
    row = CalendarYear.objects.get(year=2026)
    assert (row.source, row.days.count()) == ("测试：县政府通知", 1)


def test_a_csv_with_a_year_given_refuses_days_of_another_year(tmp_path):
    with pytest.raises(CommandError, match="line 1: 2028-01-01 is not in 2027"):
        call_command("calendar_import", "--csv", write(tmp_path, "2028-01-01,holiday,元旦\n"), "--year", "2027")


# --- The admin ------------------------------------------------------------------------------

@pytest.fixture
def admin_site_client(client):
    user = make_user(full_name="周敏")
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client, user


def _year_form(year, days):
    form = {"year": year, "source": "测试：县政府通知", "days-TOTAL_FORMS": len(days),
            "days-INITIAL_FORMS": 0, "days-MIN_NUM_FORMS": 0, "days-MAX_NUM_FORMS": 1000}
    for i, (d, kind, name) in enumerate(days):
        form.update({f"days-{i}-date": d, f"days-{i}-kind": kind, f"days-{i}-name": name})
    return form


def test_a_year_entered_in_the_admin_is_used_at_once(admin_site_client):
    client, user = admin_site_client
    response = client.post("/admin/trading/calendaryear/add/", _year_form(2027, [
        ("2027-01-01", "holiday", "元旦"), ("2027-01-09", "workday", "调休")]))
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).entered_by == user
    assert is_working_day(date(2027, 1, 1)) is False and is_working_day(date(2027, 1, 9)) is True


def test_the_admin_refuses_a_day_outside_the_year_and_a_weekday_workday(admin_site_client):
    client, _user = admin_site_client
    response = client.post("/admin/trading/calendaryear/add/", _year_form(2027, [
        ("2028-01-01", "holiday", "元旦"), ("2027-01-06", "workday", "x")]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2028-01-01 is not in 2027" in page
    assert "an adjusted working day (workday) is a Saturday or Sunday" in page
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_admin_marks_a_provisional_year_in_the_list_and_on_its_page(admin_site_client):
    client, _user = admin_site_client
    row = workdays.calendar_provisional_enter(year=FIRST_YEAR_WITHOUT_DATA, source="测试：临时日历")
    label = "provisional: weekends only, not the State Council&#x27;s holidays"
    warning = (f"2027: provisional calendar ({label}), entered by the demo. Enter the official year before any "
               f"real use: its holidays and adjusted working days, the notice as source, and untick "
               f"“provisional”; or run python manage.py calendar_import --year 2027 --csv FILE.")
    page = client.get("/admin/trading/calendaryear/").content.decode()
    assert warning in page
    assert f'<td class="field-status">{label}</td>' in page
    assert '<td class="field-status">official</td>' in page  # 2026 and the package's other years
    page = client.get(f"/admin/trading/calendaryear/{row.pk}/change/").content.decode()
    assert warning in page and 'name="provisional"' in page
    page = client.get(f"/admin/trading/calendaryear/{CalendarYear.objects.get(year=2026).pk}/change/")
    assert "provisional calendar" not in page.content.decode()
    assert client.get("/admin/trading/calendaryear/not-a-number/change/").status_code == 302


def test_the_admin_enters_the_official_year_over_the_provisional_one(admin_site_client):
    client, _user = admin_site_client
    row = workdays.calendar_provisional_enter(year=FIRST_YEAR_WITHOUT_DATA, source="测试：临时日历")
    form = _year_form(2027, [("2027-01-01", "holiday", "元旦")])  # "provisional" left unticked
    response = client.post(f"/admin/trading/calendaryear/{row.pk}/change/", form)
    assert response.status_code == 302
    row.refresh_from_db()
    assert not row.provisional and row.source == "测试：县政府通知"
    assert is_working_day(date(2027, 1, 1)) is False
    assert "provisional calendar" not in client.get("/admin/trading/calendaryear/").content.decode()
