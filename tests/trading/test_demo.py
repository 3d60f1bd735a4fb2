"""The demo loads into an empty database, and the 13 computers can be walked with the demo
accounts alone (what `make run` offers a new user), in a sandbox whose periods are
compressed: every time shown, signed and ledgered is the real instant."""

import json
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from bidding.crypto import seal_quote
from bidding.models import Company, Draw, OpeningKey, OpeningRecord, PanelMember
from bidding.selectors_sealed import round_of
from bidding.services.bids import bid_submit
from ledger.core.checkpoint import parse_receipt
from ledger.core.entry import format_ts
from ledger.core.note import Verifier, open_note
from ledger.models import Entry
from ledger.sequencer import ledger_run_sequencer
from ledger.signing import verifier_key
from tests.trading.inquiry_world import (
    BEIJING,
    MONDAY,
    PAST_CLOSING,
    custodian_share,
    form_group,
    issue_notice,
    make_inquiry_world,
    settle,
)
from trading import clock
from trading.demo import DEMO_CALENDAR_SOURCE, DEMO_CUSTODIAN_PASSPHRASES, demo_is_seeded, seed_demo
from trading.models import CalendarYear, Document, Notice, NoticeKind, Transaction, User
from trading.procedures.inquiry import services
from trading.procedures.inquiry.selectors import clerk_choices
from trading.procedures.tender.selectors import clerk_choices as tender_choices
from trading.procedures.tender.services import bids, committee, evaluation, notice, opening
from trading.services.transitions import transaction_transition
from trading.workdays import CalendarMissing

pytestmark = pytest.mark.django_db


def form_the_group(code):
    """The demo's clerk draws three experts and forms the group. Returns the transaction and
    the demo's users by name."""
    users = {u.username: u for u in User.objects.all()}
    services.inquiry_announce_expert_draw(code=code, user=users["clerk"], count=3)
    settle()
    services.inquiry_form_group(code=code, user=users["clerk"])
    return Transaction.objects.get(code=code), users


def issue_the_notice_and_close_quotes(tx, users):
    """The clerk issues the notice with the deadline the form suggests, three bidders quote,
    the deadline passes: quotes closed. Returns the transaction, the clerk's choices and the bids."""
    choices = clerk_choices(tx, users["clerk"])
    assert choices["calendar_error"] is None
    deadline = choices["suggested_deadline"]
    # The sandbox compresses the three working days: the earliest deadline is minutes away,
    # a real moment, and the form offers it.
    assert timedelta(0) < deadline - clock.now() < timedelta(minutes=10)
    services.inquiry_issue_notice(
        code=tx.code, user=users["clerk"], deadline=deadline, price_composition="含税含运费",
        award_criterion="满足需求且报价最低", invitees=list(Company.objects.values_list("pk", flat=True)),
        supervisor=users["supervisor"].pk, purchaser_rep=users["purchaser"].pk)
    settle()
    tx = Transaction.objects.get(pk=tx.pk).as_procedure()
    assert tx.stage == "quoting" and round_of(tx).deadline == deadline
    key = OpeningKey.objects.get(bid_round=round_of(tx))
    bids = []
    for username, price in [("bidder", "76500.00"), ("bidder2", "74800.00"), ("bidder3", "77900.00")]:
        company = users[username].companies.get()
        envelope = seal_quote(bytes(key.public_key), origin=settings.LEDGER_ORIGIN, code=tx.code,
                              supplier=company.uscc, price=price)
        bids.append(bid_submit(bid_round=round_of(tx), company=company, envelope=envelope, user=users[username]))
        clock.advance(timedelta(seconds=1))
    clock.advance(deadline - clock.now() + PAST_CLOSING)
    settle()
    assert Transaction.objects.get(pk=tx.pk).stage == "quotes_closed"
    return tx, choices, bids


def test_the_demo_loads_and_the_thirteen_computers_can_be_walked(settings_sandbox):
    with clock.frozen_at(MONDAY):
        codes = seed_demo()
        assert demo_is_seeded() and len(codes) == 3
        tx = Transaction.objects.get(code=codes[0])
        assert tx.type == "inquiry" and tx.stage == "registered" and tx.time_factor == 1440
        tx, users = form_the_group(tx.code)
        tx, choices, receipts = issue_the_notice_and_close_quotes(tx, users)
        deadline = choices["suggested_deadline"]
        assert choices["calendar_provisional"] is None  # December 2026: the package's official year
        # One clock: the receipt says the real arrival, bids.closed the real deadline.
        [closed] = [json.loads(bytes(e.body)) for e in Entry.objects.filter(subject=tx.code, kind="bids.closed")]
        assert closed["data"]["deadline"] == format_ts(deadline)
        for bid in receipts:
            receipt = parse_receipt(open_note(bid.receipt, Verifier.from_string(verifier_key())))
            assert receipt[3] == format_ts(bid.received_at) < format_ts(deadline)
        services.inquiry_open_quotes(code=tx.code, user=users["clerk"], shares=[
            custodian_share(tx, users["clerk"], DEMO_CUSTODIAN_PASSPHRASES["clerk"]),
            custodian_share(tx, users["purchaser"], DEMO_CUSTODIAN_PASSPHRASES["purchaser"])])
        for member in PanelMember.objects.filter(transaction=tx):
            for record in OpeningRecord.objects.filter(opening__bid_round=round_of(tx)):
                services.assessment_record(code=tx.code, user=member.user, commitment=record.bid.commitment,
                                           responsive=True, reason="满足需求")
            services.report_sign(code=tx.code, user=member.user)
        transaction_transition(code=tx.code, action="complete_evaluation", user=users["clerk"])
        awarded = transaction_transition(code=tx.code, action="confirm_award", user=users["purchaser"])
        assert awarded.stage == "awarded"
        ledger_run_sequencer()
        # Every transition of the sandbox transaction says so in the ledger.
        moves = [json.loads(bytes(e.body))["data"] for e in Entry.objects.filter(subject=tx.code, kind="transition")]
        assert all(m.get("time_factor") == 1440 for m in moves)


# --- Any day of the year (issue 9, item 8) ----------------------------------------------------
# The sandbox compresses a period but counts it on the real calendar from today: from late
# December three working days reach 2027, which chinesecalendar 1.11.0 has no data for. The
# demo enters 2027 as a provisional year, and says so on the clerk's form.

DEC_30 = datetime(2026, 12, 30, 9, 0, tzinfo=BEIJING)  # Wednesday
DEC_31 = datetime(2026, 12, 31, 9, 0, tzinfo=BEIJING)  # Thursday


@pytest.mark.parametrize("today, rules_deadline", [
    (DEC_30, datetime(2027, 1, 4, tzinfo=BEIJING)),  # Thu 31, Fri 1 (weekends only), Mon 4
    (DEC_31, datetime(2027, 1, 5, tzinfo=BEIJING)),  # Fri 1, Mon 4, Tue 5
])
def test_the_demo_is_walked_at_the_end_of_the_year_on_a_provisional_2027(settings_sandbox, english, client,
                                                                         today, rules_deadline):
    assert not CalendarYear.objects.filter(year=2027).exists()
    with clock.frozen_at(today):
        codes = seed_demo()
        stand_in = CalendarYear.objects.get(year=2027)
        assert stand_in.provisional and not stand_in.days.exists() and stand_in.source == DEMO_CALENDAR_SOURCE
        assert str(stand_in) == "2027 (provisional: weekends only, not the State Council's holidays)"
        assert not CalendarYear.objects.get(year=2026).provisional  # the official year stays as it is
        tx, users = form_the_group(codes[0])
        # The clerk's page: the deadline it offers counts a provisional year, and says so.
        client.force_login(users["clerk"])
        page = client.get(reverse("transaction-detail", args=[tx.code])).content.decode()
        warning = ("the deadline counts working days of 2027 from a provisional calendar (provisional: weekends "
                   "only, not the State Council&#x27;s holidays): enter the official year before any real use "
                   "(python manage.py calendar_import --year 2027 --csv FILE, or the administration → calendar years)")
        assert f'<p class="alert error calendar-provisional">{warning}</p>' in page
        tx, choices, _bids = issue_the_notice_and_close_quotes(tx, users)
        # The choices were read in the language of the request that made them: the year and the command.
        assert "2027" in choices["calendar_provisional"]
        assert "python manage.py calendar_import --year 2027 --csv FILE" in choices["calendar_provisional"]
        # The rules' three working days end in 2027, compressed 1440 times into minutes.
        assert choices["earliest_deadline"] == clock.compress(tx, today, rules_deadline)
        assert round_of(tx).deadline == choices["suggested_deadline"]
        notice = Notice.objects.get(transaction=tx, kind=NoticeKind.INQUIRY)
        assert notice.body.startswith("沙盒：演示用")  # notices are in the station's language


def test_a_station_without_the_next_years_calendar_is_told_which_year_to_enter_and_how(english):
    """Not the demo: no stand-in year, and the clerk's form says what the station enters."""
    with clock.frozen_at(DEC_30):
        iw = make_inquiry_world()
        form_group(iw)
        choices = clerk_choices(iw.tx, iw.world.clerk)
        assert choices["earliest_deadline"] is None and choices["suggested_deadline"] is None
        assert choices["calendar_error"] == (
            "no holiday calendar for 2027 (official holidays and adjusted working days): working-day dates in "
            "2027 cannot be computed until the station enters them. Enter 2027 from the State Council General "
            "Office notice (国务院办公厅关于2027年部分节假日安排的通知): administration → calendar years → add "
            "(/admin/trading/calendaryear/add/), or python manage.py calendar_import --year 2027 --csv FILE "
            "(a CSV file of lines date,kind,name; docs/rules.md).")
        with pytest.raises(CalendarMissing) as exc:
            issue_notice(iw, deadline=DEC_30 + timedelta(days=14))
        assert (exc.value.rule, exc.value.year) == ("calendar.missing", 2027)
        assert exc.value.details["command"] == "python manage.py calendar_import --year 2027 --csv FILE"
        assert exc.value.message == choices["calendar_error"]
        assert Transaction.objects.get(pk=iw.tx.pk).stage == "group_formed"
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_a_demo_loaded_last_year_gets_the_new_years_stand_in_when_make_run_starts_it_again(settings_sandbox):
    from io import StringIO

    from django.core.management import call_command

    with clock.frozen_at(MONDAY):
        seed_demo()
    assert list(CalendarYear.objects.filter(provisional=True).values_list("year", flat=True)) == [2027]
    out = StringIO()
    with clock.frozen_at(datetime(2027, 12, 30, 9, 0, tzinfo=BEIJING)):
        call_command("seed_demo", "--if-empty", stdout=out)
        assert list(CalendarYear.objects.filter(provisional=True).values_list("year", flat=True)) == [2027, 2028]
        call_command("seed_demo", "--if-empty", stdout=out)
    assert out.getvalue().count("calendar 2028: provisional (weekends only) for the demo") == 1


def test_a_station_that_is_not_the_demos_sandbox_gets_no_stand_in_from_seed_demo_if_empty():
    from io import StringIO

    from django.core.management import call_command

    with clock.frozen_at(DEC_30):
        make_inquiry_world()
        call_command("seed_demo", "--if-empty", stdout=StringIO())
    assert not CalendarYear.objects.filter(provisional=True).exists()


@pytest.fixture
def settings_sandbox(settings):
    settings.SANDBOX_TIME_FACTOR = 1440


# The demo's accounts share a published password and its custodians published passphrases:
# never in production (issue 8).

def test_seed_demo_is_refused_in_production(settings):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from trading.demo import DEMO_PASSWORD

    settings.PRODUCTION = True
    out = StringIO()
    for args in ([], ["--if-empty"]):
        with pytest.raises(CommandError, match="STATION_MODE=production"):
            call_command("seed_demo", *args, stdout=out, stderr=out)
    assert not demo_is_seeded()
    assert DEMO_PASSWORD not in out.getvalue()


def test_the_demo_cannot_be_loaded_in_production_even_without_the_command(settings):
    settings.PRODUCTION = True
    with pytest.raises(RuntimeError, match="STATION_MODE=production"):
        seed_demo()
    assert not demo_is_seeded()


def test_run_embedded_is_refused_in_production_before_printing_demo_passwords(settings, monkeypatch):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from trading.demo import DEMO_PASSWORD
    from trading.management.commands import run_embedded

    started = []
    monkeypatch.setattr(run_embedded.uvicorn, "Server", lambda *a, **k: started.append("server"))
    monkeypatch.setattr(run_embedded.EmbeddedScheduler, "start", lambda self: started.append("scheduler"))
    monkeypatch.setattr(run_embedded.EmbeddedScheduler, "stop", lambda self: None)
    settings.PRODUCTION = True
    out = StringIO()
    with pytest.raises(CommandError, match="STATION_MODE=production"):
        call_command("run_embedded", stdout=out)
    assert started == []
    assert DEMO_PASSWORD not in out.getvalue()
    assert all(p not in out.getvalue() for p in DEMO_CUSTODIAN_PASSPHRASES.values())


def test_make_runs_order_gives_the_demo_a_checkpoint_of_the_empty_log_first(sequenced):
    """docs/ledger.md: the history of checkpoints starts with the empty log (size 0), the
    demo's too: `make run` runs ledger_keygen before seed_demo records anything."""
    from io import StringIO

    from django.core.management import call_command

    from ledger.models import Checkpoint

    out = StringIO()
    call_command("ledger_keygen", "--if-missing", stdout=out)
    assert "empty log" in out.getvalue()
    with clock.frozen_at(MONDAY):
        seed_demo()
    sequenced()
    sizes = list(Checkpoint.objects.order_by("size").values_list("size", flat=True))
    assert sizes[0] == 0 and sizes[-1] > 0
    call_command("ledger_keygen", "--if-missing", stdout=StringIO())  # again: nothing more signed at size 0
    assert Checkpoint.objects.filter(size=0).count() == 1


def test_the_demo_s_courtyard_paving_can_be_walked_in_the_sandbox(settings_sandbox):
    with clock.frozen_at(MONDAY):
        codes = seed_demo()
        tx = Transaction.objects.get(code=codes[1])
        assert tx.type == "tender" and tx.stage == "registered" and tx.time_factor == 1440
        users = {u.username: u for u in User.objects.all()}
        choices = tender_choices(tx, users["clerk"])
        # Twenty days of procedure time are twenty minutes of real time in the sandbox.
        assert timedelta(minutes=19) < choices["earliest_deadline"] - clock.now() < timedelta(minutes=21)
        notice.tender_issue_notice(
            code=tx.code, user=users["clerk"], deadline=choices["earliest_deadline"] + timedelta(minutes=1),
            documents_until=choices["earliest_documents_until"] + timedelta(minutes=1), method="lowest_price",
            qualifications="市政公用工程施工总承包三级及以上", security_amount="9000.00",
            supervisor=users["supervisor"].pk, purchaser_rep=users["purchaser"].pk)
        spec = Document.objects.get(transaction=tx, name="工程量清单.txt")
        assert f"/tenders/{tx.code}/documents/{spec.pk}/" in Notice.objects.get(transaction=tx, kind="tender_notice").body
        for username, price in [("builder", "438000.00"), ("builder2", "421500.00"), ("builder3", "447900.00")]:
            company = users[username].companies.get()
            bids.tender_register(code=tx.code, user=users[username], company=company)
            bids.tender_bid_price(code=tx.code, user=users[username], company=company, price=price)
        clock.advance(round_of(tx).deadline - clock.now() + PAST_CLOSING)
        settle()
        tx = Transaction.objects.get(pk=tx.pk).as_procedure()
        assert tx.stage == "bids_closed"
        committee.tender_announce_expert_draw(code=tx.code, user=users["clerk"], count=5)
        settle()
        assert {"number": "E-0007", "reason": "employer_is_party"} in Draw.objects.get(transaction=tx).excluded
        committee.tender_form_committee(code=tx.code, user=users["clerk"])
        tx = opening.tender_open(code=tx.code, user=users["clerk"], shares=[
            custodian_share(tx, users["clerk"], DEMO_CUSTODIAN_PASSPHRASES["clerk"]),
            custodian_share(tx, users["supervisor"], DEMO_CUSTODIAN_PASSPHRASES["supervisor"])])
        for member in PanelMember.objects.filter(transaction=tx):
            for record in OpeningRecord.objects.filter(opening__bid_round=round_of(tx)):
                evaluation.tender_assess(code=tx.code, user=member.user, commitment=record.bid.commitment,
                                         responsive=True, reason="响应招标文件")
            evaluation.tender_sign(code=tx.code, user=member.user)
        transaction_transition(code=tx.code, action="complete_evaluation", user=users["clerk"])
        transaction_transition(code=tx.code, action="publish_candidates", user=users["clerk"])
        clock.advance(timedelta(minutes=4))  # three days of publicity, compressed
        transaction_transition(code=tx.code, action="award", user=users["purchaser"])
        tx = transaction_transition(code=tx.code, action="publish_result", user=users["clerk"])
        assert tx.stage == "result_published"  # the rest as in tests/trading/test_tender_procedure.py
