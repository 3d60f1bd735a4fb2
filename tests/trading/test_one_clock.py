"""One clock (trading/clock.py): every time a page shows for an event is the platform
clock's, which tests freeze. The filing time and a document's upload time are still
Django's `auto_now_add` (the server's own time): the same instant in production, but under
a frozen clock the transaction's page says it was filed days before the ledger's `create`
entry (found by the inquiry's browser walk, tests/e2e/test_inquiry.py). The fix,
`default=clock.now` on those fields, needs a migration."""

import pytest

from tests.factories import make_transaction, make_world
from tests.trading.inquiry_world import MONDAY
from trading import clock
from trading.models import Document

pytestmark = [pytest.mark.django_db]


@pytest.mark.xfail(strict=True, reason="Transaction.created_at and Document.uploaded_at are auto_now_add: "
                                       "a second clock (needs a migration to default=clock.now)")
def test_a_transaction_is_filed_and_its_documents_uploaded_at_the_platform_clock():
    with clock.frozen_at(MONDAY):
        tx = make_transaction(make_world(), stage="submitted")
    assert tx.created_at == MONDAY
    assert [d.uploaded_at for d in Document.objects.filter(transaction=tx)] == [MONDAY]
