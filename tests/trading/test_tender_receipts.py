"""Every receipt of a tender stays checkable by a verifier that knows only LEDGER.md: a
replaced bid's receipt and a withdrawn bid's receipt are listed in `bids.closed`'s
`commitments` (sections 2 and 6), which `replaced` and `withdrawn` then name as not opened.
The check is the offline verifier's, on an export of the log."""

import pytest

from bidding.models import Bid
from ledger.models import Entry
from ledger.signing import verifier_key
from ledger.verify.cli import verify_files
from tests.trading.tender_world import (
    MONDAY,
    bid,
    fast_scrypt,  # noqa: F401  (autouse)
    issue_notice,
    make_tender_world,
    pass_deadline,
    settle,
)
from trading import clock
from trading.procedures.tender.services import bids as tender_bids

pytestmark = pytest.mark.django_db


def test_replaced_and_withdrawn_bids_receipts_verify_offline(tmp_path):
    with clock.frozen_at(MONDAY):
        tw = make_tender_world()
        tx = issue_notice(tw)
        replaced = bid(tw, 0, "440000.00")
        kept = bid(tw, 0, "436000.00")  # replaces the first
        for index in (1, 2, 3):
            bid(tw, index)
        withdrawn = Bid.objects.get(transaction=tx, company=tw.bidders[3][1], status="live")
        tender_bids.tender_bid_withdraw(code=tx.code, user=tw.bidders[3][0], company=tw.bidders[3][1])
        pass_deadline(tw)
        settle()
    replaced.refresh_from_db()
    withdrawn.refresh_from_db()
    assert (replaced.status, withdrawn.status, kept.status) == ("superseded", "withdrawn", "live")
    export = tmp_path / "entries.jsonl"
    export.write_bytes(b"".join(bytes(e.body) + b"\n" for e in Entry.objects.order_by("seq")))
    receipts = []
    for name, b in (("replaced", replaced), ("withdrawn", withdrawn), ("kept", kept)):
        path = tmp_path / f"{name}.receipt"
        path.write_text(b.receipt)
        receipts.append(str(path))
    report = verify_files(str(export), verifier_key(), receipts=receipts)
    assert report.ok, report.summary()
    assert "MISCONDUCT" not in report.summary()
    # The control: a receipt for an envelope the log never listed is reported.
    forged = tmp_path / "forged.receipt"
    forged.write_text(kept.receipt.replace(kept.commitment, "0" * 64))
    assert not verify_files(str(export), verifier_key(), receipts=[str(forged)]).ok
