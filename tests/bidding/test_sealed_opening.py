"""Closing and opening sealed quotes (bidding/services/rounds.py, openings.py): `bids.closed`
exactly as LEDGER.md section 2 fixes it, receipts that `python -m ledger.verify --receipt`
accepts, and an opening that needs k custodians' shares (each decrypted on the custodian's
side: the server never receives a passphrase, and what it receives opens that round only),
refuses a wrong share before opening anything and counts it, and records an envelope that
does not open as failed while the opening goes on."""

import io
import itertools
import subprocess
import sys
from contextlib import redirect_stdout
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from bidding import crypto
from bidding.models import Bid, CustodianShare, Opening, OpeningRecord
from bidding.services import custodians, openings, rounds
from ledger import selectors as ledger_selectors
from ledger.core.entry import format_ts
from ledger.models import Checkpoint
from ledger.signing import verifier_key
from ledger.verify import main as verify_main
from tests.factories import force_stage
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import Role

from .test_sealed_support import (  # noqa: F401  (fast_scrypt: autouse fixture)
    AFTER,
    DEADLINE,
    PASSPHRASES,
    fast_scrypt,
    quoting_round,
    recorded,
)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PRICES = ["76500.00", "74980.50", "77210.00"]


def quoted_round(prices=PRICES):
    r = quoting_round(suppliers=len(prices))
    quotes = [r.submit(i, price) for i, price in enumerate(prices)]
    return r, quotes


# --- bids.closed ------------------------------------------------------------------------------------

def test_bids_closed_lists_every_accepted_commitment_sorted_as_ledger_md_fixes_it():
    r, quotes = quoted_round()
    commitments = r.close()
    assert commitments == sorted(q.commitment for q in quotes)
    [entry] = recorded(kind="bids.closed", subject=r.tx.code)
    assert entry["actor"] == {"role": "system", "name": "scheduler"}
    assert entry["data"] == {"count": 3, "commitments": commitments, "round": 1, "deadline": format_ts(DEADLINE)}
    assert set(entry["data"]) >= {"count", "commitments"}  # LEDGER.md section 2


def test_a_round_without_quotes_closes_with_count_zero():
    r = quoting_round()
    assert r.close() == []
    assert recorded(kind="bids.closed")[0]["data"]["count"] == 0


def test_quotes_are_not_closed_before_the_deadline():
    r, _quotes = quoted_round()
    with pytest.raises(RuleViolation):
        r.close(at=DEADLINE - timedelta(microseconds=1))
    assert recorded(kind="bids.closed") == []


def export(sequenced, tmp_path):
    size = sequenced()
    entries = tmp_path / "entries.jsonl"
    entries.write_bytes(b"".join(body + b"\n" for body in ledger_selectors.entry_bodies(0, size)))
    return str(entries)


def verify(*argv) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = verify_main(list(argv))
    return code, out.getvalue()


def test_every_receipt_verifies_against_the_public_ledger(sequenced, tmp_path):
    r, quotes = quoted_round()
    r.close()
    entries = export(sequenced, tmp_path)
    for i, quote in enumerate(quotes):
        (tmp_path / f"receipt{i}").write_text(quote.receipt)
    code, out = verify("--entries", entries, "--key", verifier_key(),
                       *itertools.chain(*(("--receipt", str(tmp_path / f"receipt{i}")) for i in range(3))))
    assert code == 0, out
    assert out.count("Receipt OK") == 3


def test_the_receipt_command_line_a_bidder_runs(sequenced, tmp_path):
    r, quotes = quoted_round()
    r.close()
    entries = export(sequenced, tmp_path)
    (tmp_path / "receipt.txt").write_text(quotes[0].receipt)
    result = subprocess.run([sys.executable, "-m", "ledger.verify", "--receipt", str(tmp_path / "receipt.txt"),
                             "--entries", entries, "--key", verifier_key()],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Receipt OK" in result.stdout and quotes[0].commitment[:8] in result.stdout


def test_a_receipt_whose_quote_went_missing_proves_misconduct(sequenced, tmp_path):
    r, quotes = quoted_round()
    Bid.objects.filter(pk=quotes[1].pk).delete()  # a station that drops a quote...
    r.close()
    entries = export(sequenced, tmp_path)
    (tmp_path / "receipt").write_text(quotes[1].receipt)
    code, out = verify("--entries", entries, "--key", verifier_key(), "--receipt", str(tmp_path / "receipt"))
    assert code != 0 and "MISCONDUCT" in out  # ...is caught by the signed receipt


# --- the opening -------------------------------------------------------------------------------------

@pytest.mark.parametrize("roles", list(itertools.combinations([Role.CLERK, Role.SUPERVISOR, Role.PURCHASER], 2))
                         + [(Role.CLERK, Role.SUPERVISOR, Role.PURCHASER)])
def test_any_two_custodians_open_every_quote(roles):
    r, quotes = quoted_round()
    r.close()
    opening = r.open(*roles)
    records = {rec.bid_id: rec for rec in opening.records.all()}
    assert [(records[q.pk].outcome, records[q.pk].price) for q in quotes] == [
        ("opened", Decimal(p)) for p in PRICES]
    assert set(opening.custodians.values_list("pk", flat=True)) == {
        {Role.CLERK: r.world.clerk, Role.SUPERVISOR: r.world.supervisor,
         Role.PURCHASER: r.world.purchaser}[role].pk for role in roles}


def test_the_opening_is_ledgered_with_supplier_price_commitment_and_outcome():
    r, quotes = quoted_round()
    r.close()
    r.open()
    [entry] = recorded(kind="bids.opened", subject=r.tx.code)
    assert entry["actor"] == {"role": "clerk", "name": r.world.clerk.ledger_name()}
    assert entry["data"]["round"] == 1
    assert entry["data"]["custodians"] == [{"role": "clerk", "name": "王明"}, {"role": "supervisor", "name": "赵刚"}]
    assert entry["data"]["records"] == [
        {"supplier": company.name, "uscc": company.uscc, "commitment": q.commitment, "outcome": "opened",
         "price": price, "reason": None}
        for (company, _u), q, price in zip(r.suppliers, quotes, PRICES, strict=True)]


def test_a_wrong_passphrase_fails_on_the_custodians_side():
    r, _quotes = quoted_round()
    r.close()
    with pytest.raises(crypto.CustodianSecretError):
        r.share(Role.PURCHASER, passphrase="not the passphrase at all")


def test_a_wrong_share_names_the_custodian_nothing_is_opened_and_the_try_is_counted():
    r, _quotes = quoted_round()
    r.close()
    before = recorded()
    shares = [r.share(Role.CLERK), (r.world.purchaser, b"\x01" * 33)]
    with translation.override("en"), pytest.raises(RuleViolation) as refused:
        openings.shares_verify(bid_round=r.bid_round, shares=shares)
    assert refused.value.rule == "sealed.custodian_passphrase_wrong"
    assert "张伟" in refused.value.message and "王明" not in refused.value.message
    assert CustodianShare.objects.get(custodian=r.world.purchaser, opening_key=r.key).failed_tries == 1
    with pytest.raises(RuleViolation):
        r.open(shares=shares)
    assert not Opening.objects.exists() and not OpeningRecord.objects.exists()
    assert recorded() == before


def test_wrong_shares_are_limited_per_custodian():
    from trading import clock

    r, _quotes = quoted_round()
    r.close()
    wrong = [(r.world.purchaser, b"\x02" * 33)]
    with clock.frozen_at(AFTER):
        for _try in range(openings.SHARE_TRIES):
            with pytest.raises(RuleViolation) as refused:
                openings.shares_verify(bid_round=r.bid_round, shares=wrong)
            assert refused.value.rule == "sealed.custodian_passphrase_wrong"
        with pytest.raises(RuleViolation) as refused:  # now even the right share waits
            openings.shares_verify(bid_round=r.bid_round, shares=[r.share(Role.PURCHASER)])
        assert refused.value.rule == "sealed.share_tries"
    with clock.frozen_at(AFTER + openings.SHARE_TRY_PAUSE + timedelta(seconds=1)):
        openings.shares_verify(bid_round=r.bid_round, shares=[r.share(Role.PURCHASER)])


def test_what_the_server_receives_at_an_opening_opens_that_round_and_no_other():
    """The attack of issue 8: the custodians' input at one opening, with the database, must
    not read another round still quoting."""
    r, _quotes = quoted_round()
    other = quoting_round(world=r.world)  # the same custodians, another inquiry still quoting
    sealed_other = other.submit(0, "99999.00")
    r.close()
    received = r.shares(Role.CLERK, Role.SUPERVISOR)  # all that reaches the server
    r.open(shares=received)
    # The shares rebuild this round's key only...
    with pytest.raises(crypto.CustodianSecretError):
        crypto.rebuild_opening_key([(CustodianShare.objects.get(custodian=u, opening_key=r.key).index, v)
                                    for u, v in received], bytes(other.key.public_key))
    # ...and they are no passphrase: they unlock no custodian key, hence no share of the other round.
    for user, value in received:
        key = custodians.protected_key(user.custodian_key)
        with pytest.raises(crypto.CustodianSecretError):
            crypto.unlock_custodian_key(key, value.hex(), label=f"user:{user.pk}")
    # The other round's quote stays sealed.
    assert not OpeningRecord.objects.filter(bid=sealed_other).exists()


def test_one_custodian_alone_cannot_open():
    r, _quotes = quoted_round()
    r.close()
    with translation.override("en"), pytest.raises(RuleViolation) as refused:
        r.open(Role.SUPERVISOR)
    assert refused.value.rule == "sealed.custodians_present"
    assert "needs 2 of the 3 custodians" in refused.value.message and "present: 1" in refused.value.message
    assert not Opening.objects.exists()


def test_the_same_custodian_twice_does_not_count_as_two():
    r, _quotes = quoted_round()
    r.close()
    with pytest.raises(InvalidInput):
        r.open(shares=r.shares(Role.CLERK, Role.CLERK))
    assert not Opening.objects.exists()


def test_someone_who_holds_no_share_cannot_take_part():
    r, _quotes = quoted_round()
    r.close()
    with pytest.raises(RuleViolation) as refused:
        r.open(shares=r.shares(Role.CLERK) + [(r.world.other_clerk, b"\x03" * 33)])
    assert refused.value.rule == "sealed.not_custodian"


def test_a_corrupt_envelope_is_recorded_as_failed_and_the_opening_goes_on():
    r, quotes = quoted_round()
    envelope = bytearray(quotes[1].envelope)
    envelope[200] ^= 0xFF
    Bid.objects.filter(pk=quotes[1].pk).update(envelope=bytes(envelope))
    r.close()
    records = {rec.bid_id: rec for rec in r.open().records.all()}
    assert (records[quotes[1].pk].outcome, records[quotes[1].pk].price) == ("failed", None)
    assert "does not decrypt" in records[quotes[1].pk].reason
    assert [records[q.pk].price for q in (quotes[0], quotes[2])] == [Decimal(PRICES[0]), Decimal(PRICES[2])]
    failed = [rec for rec in recorded(kind="bids.opened")[0]["data"]["records"] if rec["outcome"] == "failed"]
    assert failed == [{"supplier": r.suppliers[1][0].name, "uscc": r.suppliers[1][0].uscc,
                       "commitment": quotes[1].commitment, "outcome": "failed", "price": None,
                       "reason": "the envelope does not decrypt with this procedure's opening key"}]


@pytest.mark.parametrize("forged, reason", [
    ({"supplier": "91320100000000001X"}, "names another supplier"),
    ({"code": "JY-2026-9999"}, "does not decrypt"),
])
def test_an_envelope_for_another_supplier_or_transaction_is_recorded_as_failed(forged, reason):
    r = quoting_round()
    quote = r.submit(0, envelope=r.seal(0, "100.00", **forged))
    r.submit(1, "200.00")
    r.close()
    records = {rec.bid_id: rec for rec in r.open().records.all()}
    assert records[quote.pk].outcome == "failed" and reason in records[quote.pk].reason
    assert [rec.outcome for rec in records.values()].count("opened") == 1


def test_a_checkpoint_is_signed_right_after_the_opening_commits(django_capture_on_commit_callbacks):
    r, _quotes = quoted_round()
    r.close()
    with django_capture_on_commit_callbacks(execute=True):
        r.open()
    checkpoint = Checkpoint.objects.order_by("-size").first()
    assert checkpoint is not None and checkpoint.size == ledger_selectors.ledger_size()
    assert ledger_selectors.entry_bodies(checkpoint.size - 1, 1)[0].find(b'"kind":"bids.opened"') > 0


def test_quotes_are_not_opened_before_the_round_closed():
    r, _quotes = quoted_round()
    r.tx = force_stage(r.tx, "quotes_closed")
    with pytest.raises(RuleViolation) as refused:
        r.open(at=DEADLINE - timedelta(microseconds=1))
    assert refused.value.rule == "sealed.open_after_deadline"


@pytest.mark.parametrize("stage", ["quoting", "opened", "terminated"])
def test_the_procedures_opening_move_is_only_from_quotes_closed(stage):
    from trading import clock
    from trading.procedures.inquiry.services import inquiry_open_quotes

    r, _quotes = quoted_round()
    r.close()
    r.tx = force_stage(r.tx, stage)
    with clock.frozen_at(AFTER), pytest.raises(StageConflict):
        inquiry_open_quotes(code=r.tx.code, user=r.world.clerk, shares=r.shares(Role.CLERK, Role.SUPERVISOR))
    assert not Opening.objects.exists()


def test_a_round_is_opened_once():
    r, _quotes = quoted_round()
    r.close()
    r.open()
    with pytest.raises(StageConflict):
        r.open()


def test_only_a_clerk_of_the_station_runs_the_opening():
    r, _quotes = quoted_round()
    r.close()
    from trading import clock

    with pytest.raises(NotPermitted), clock.frozen_at(AFTER):
        openings.bids_open(bid_round=r.bid_round, shares=r.shares(Role.CLERK, Role.SUPERVISOR),
                           opened_by=r.world.supervisor)


def test_the_opening_through_the_procedures_move(django_capture_on_commit_callbacks):
    """The inquiry's open_quotes move (trading/procedures/inquiry/) calls bids_open."""
    from trading import clock
    from trading.procedures.inquiry.services import inquiry_open_quotes

    r, _quotes = quoted_round()
    r.close()
    with clock.frozen_at(AFTER):
        tx = inquiry_open_quotes(code=r.tx.code, user=r.world.clerk,
                                 shares=r.shares(Role.SUPERVISOR, Role.PURCHASER))
    assert tx.stage == "opened"
    assert sorted(OpeningRecord.objects.values_list("price", flat=True)) == sorted(Decimal(p) for p in PRICES)
    [transition] = [e for e in recorded(kind="transition", subject=r.tx.code) if e["data"]["action"] == "open_quotes"]
    assert transition["data"]["opened"] == 3


def test_a_new_round_neither_lists_nor_opens_the_quotes_of_the_earlier_one():
    from trading import clock
    from trading.models import Transaction

    r, _quotes = quoted_round()
    Transaction.objects.filter(pk=r.tx.pk).update(round=2)  # as the restart move does
    r.refresh()
    r.bid_round = rounds.round_open(transaction=r.tx, opens_at=AFTER, deadline=AFTER + timedelta(days=3))
    assert r.bid_round.seq == 2  # a new row, not the old one cleared
    with clock.frozen_at(AFTER + timedelta(days=4)):
        assert rounds.round_close(bid_round=r.bid_round) == []  # round 2's bids.closed lists nothing of round 1
    assert recorded(kind="bids.closed")[0]["data"]["round"] == 2
    with pytest.raises(RuleViolation) as refused:
        r.open(at=AFTER + timedelta(days=4))
    assert refused.value.rule == "sealed.no_opening_key"
    assert not OpeningRecord.objects.exists()


def test_origin_binds_envelopes_to_this_log(settings):
    r, _quotes = quoted_round()
    r.close()
    settings.LEDGER_ORIGIN = "another.example/ledger"
    records = r.open().records.all()
    assert {rec.outcome for rec in records} == {"failed"}
