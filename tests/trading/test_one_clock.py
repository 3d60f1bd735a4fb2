"""One clock (trading/clock.py): every time a page shows for an event is the platform
clock's, which tests freeze. The filing time and a document's upload time were Django's
`auto_now_add` (the server's own time): the same instant in production, but under a
frozen clock the transaction's page said it was filed days before the ledger's `create`
entry (found by the inquiry's browser walk, tests/e2e/test_inquiry.py). Every such field
now defaults to `clock.now` (migrations trading 0012, bidding 0008)."""

import pytest
from django.apps import apps

from tests.factories import make_transaction, make_world
from tests.trading.inquiry_world import MONDAY
from trading import clock
from trading.models import Document

pytestmark = [pytest.mark.django_db]


def test_a_transaction_is_filed_and_its_documents_uploaded_at_the_platform_clock():
    with clock.frozen_at(MONDAY):
        tx = make_transaction(make_world(), stage="submitted")
    assert tx.created_at == MONDAY
    assert [d.uploaded_at for d in Document.objects.filter(transaction=tx)] == [MONDAY]


def test_no_model_stamps_a_time_with_a_clock_of_its_own():
    """auto_now and auto_now_add read Django's time, not the platform clock."""
    ours = ("ledger", "trading", "bidding", "inquiry", "tender", "asset_sale")
    own = [f"{m._meta.label}.{f.name}" for m in apps.get_models() if m._meta.app_label in ours
           for f in m._meta.get_fields() if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    assert own == []
