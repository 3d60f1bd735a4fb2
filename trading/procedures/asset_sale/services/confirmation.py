"""The confirmation of the deal (成交确认书) as a printable PDF (WeasyPrint), carrying the
seq of the deal's ledger entry and the signed checkpoint that covers it, so that a paper
copy can be checked against the public log: the entry at that seq must be the deal's
`transition`, and its inclusion proof in the checkpoint's tree must give the signed root
(docs/verify.md)."""

import base64
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from ledger.selectors import covering_checkpoint, entry_seq_of


def deal_entry_seq(tx) -> int | None:
    """The seq of the newest `transition` of `tx` into the deal (None until sequenced)."""
    return entry_seq_of(subject=tx.code, kind="transition", data_key="to", data_value="deal")


def deal_checkpoint(tx):
    """(seq, checkpoint covering it) of the deal's entry, or (seq or None, None)."""
    seq = deal_entry_seq(tx)
    return seq, (covering_checkpoint(seq) if seq is not None else None)


def confirmation_pdf(tx, record, *, seq, checkpoint, confirmed_at: datetime, payment_due_by: datetime) -> bytes:
    from weasyprint import (
        HTML,  # here: importing it takes 1.5 s (tests/test_architecture.py)
    )

    html = render_to_string("asset_sale/confirmation.html", {
        "tx": tx, "record": record, "seq": seq, "checkpoint": checkpoint,
        "root_b64": base64.b64encode(bytes(checkpoint.root_hash)).decode(),
        "origin": settings.LEDGER_ORIGIN, "confirmed_at": timezone.localtime(confirmed_at),
        "payment_due_by": timezone.localtime(payment_due_by),
        "deal_at": timezone.localtime(record.deal_at),
    })
    return HTML(string=html).write_pdf()
