"""Issue 9 item 2: suppliers find the specification. The inquiry notice lists the documents
it refers to (name, size, SHA-256) and makes them public: from the notice's page, the
transaction's public page, the invited supplier's quote form and transaction page, the API's
notice and transaction answers, downloadable without login at /t/<code>/documents/<id>/.
Nothing is public before the notice; the approval, budget and internal files never are."""

import hashlib
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.bidding.test_sealed_support import recorded
from tests.factories import make_transaction
from tests.trading.inquiry_world import MONDAY, form_group, issue_notice, make_inquiry_world, settle
from trading import clock
from trading.models import Document, Notice, NoticeKind
from trading.services.transactions import document_attach, transaction_create
from trading.services.transitions import transaction_transition

pytestmark = [pytest.mark.django_db]

SPECIFICATION = "电脑配置需求.txt"
SPEC_TEXT = "13台台式电脑：i5 处理器，16GB 内存，512GB 固态硬盘，23.8 英寸显示器。\n"


@pytest.fixture
def iw():
    """The 13 computers, filed with a specification, an approval and a budget, registered and
    its group formed: the notice is next."""
    with clock.frozen_at(MONDAY):
        iw = make_inquiry_world()
        w = iw.world
        tx = transaction_create(user=w.purchaser, unit=w.unit, type="inquiry", title="办公电脑采购（13台）",
                                amount="78000.00")
        for purpose, name, text in (("approval", "立项批复.txt", "同意采购"), ("budget", "预算表.txt", "78000.00"),
                                    ("specification", SPECIFICATION, SPEC_TEXT)):
            document_attach(transaction=tx, user=w.purchaser, purpose=purpose,
                            upload=SimpleUploadedFile(name, text.encode(), content_type="text/plain"))
        transaction_transition(code=tx.code, action="submit", user=w.purchaser)
        iw.tx = transaction_transition(code=tx.code, action="register", user=w.clerk)
        form_group(iw)
        yield iw


def spec(iw):
    return Document.objects.get(transaction=iw.tx, purpose="specification")


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_before_the_notice_no_document_is_public(iw):
    anonymous = Client()
    for document in Document.objects.filter(transaction=iw.tx):
        assert anonymous.get(f"/t/{iw.tx.code}/documents/{document.pk}/").status_code == 404
    assert f"/t/{iw.tx.code}/documents/" not in anonymous.get(f"/audit/transactions/{iw.tx.code}/").content.decode()


def test_the_notice_lists_its_specification_with_size_and_sha256_and_the_ledger_records_them(iw):
    issue_notice(iw, invite=3)
    document = spec(iw)
    sha256 = hashlib.sha256(SPEC_TEXT.encode()).hexdigest()
    assert document.sha256 == sha256
    notice = Notice.objects.get(transaction=iw.tx, kind=NoticeKind.INQUIRY)
    assert SPECIFICATION in notice.body and sha256 in notice.body and f"{len(SPEC_TEXT.encode()):,}" in notice.body
    assert "立项批复" not in notice.body and "预算表" not in notice.body
    assert notice.sha256 == hashlib.sha256(notice.body.encode()).hexdigest()  # the list is part of the hashed text
    [entry] = recorded("notice.published", iw.tx.code)
    assert entry["data"]["documents"] == [{"name": SPECIFICATION, "sha256": sha256}]
    assert entry["data"]["sha256"] == notice.sha256


def test_after_the_notice_anyone_downloads_the_specification_and_nothing_else(iw):
    issue_notice(iw, invite=3)
    anonymous = Client()
    response = anonymous.get(f"/t/{iw.tx.code}/documents/{spec(iw).pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SPEC_TEXT.encode()
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(SPECIFICATION)}"
    for document in Document.objects.filter(transaction=iw.tx).exclude(purpose="specification"):
        assert anonymous.get(f"/t/{iw.tx.code}/documents/{document.pk}/").status_code == 404
    # Only under its own transaction's code.
    other = make_transaction(iw.world, stage="registered")
    assert anonymous.get(f"/t/{other.code}/documents/{spec(iw).pk}/").status_code == 404


def test_the_notice_page_and_the_public_page_link_the_specification_with_its_sha256(iw):
    issue_notice(iw, invite=3)
    document, anonymous = spec(iw), Client()
    link = f"/t/{iw.tx.code}/documents/{document.pk}/"
    notice = Notice.objects.get(transaction=iw.tx, kind=NoticeKind.INQUIRY)
    for url in (f"/notices/{notice.pk}/", f"/audit/transactions/{iw.tx.code}/"):
        page = anonymous.get(url).content.decode()
        assert link in page and document.sha256 in page, url


def test_the_invited_supplier_finds_the_specification_on_its_quote_form_and_transaction_page(iw):
    issue_notice(iw, invite=3)
    settle()
    document = spec(iw)
    link = f"/t/{iw.tx.code}/documents/{document.pk}/"
    supplier = logged_in(iw.suppliers[0][0])
    for url in (f"/bidding/quotes/{iw.tx.code}/", f"/work/transactions/{iw.tx.code}/"):
        page = supplier.get(url)
        assert page.status_code == 200, url
        assert link in page.content.decode() and document.sha256 in page.content.decode(), url


def test_the_api_lists_the_notice_documents_and_marks_them_public(iw):
    issue_notice(iw, invite=3)
    document = spec(iw)
    [notice] = [n for n in APIClient().get(f"/api/v1/notices/?code={iw.tx.code}").json()
                if n["kind"] == NoticeKind.INQUIRY]
    assert notice["documents"] == [{"id": document.pk, "name": SPECIFICATION, "purpose": "specification",
                                    "size": document.size, "sha256": document.sha256,
                                    "url": f"/t/{iw.tx.code}/documents/{document.pk}/"}]
    assert APIClient().get(f"/api/v1/notices/{notice['id']}/").json()["documents"] == notice["documents"]
    supplier = APIClient()
    supplier.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=iw.suppliers[0][0])[0].key}")
    [listed] = supplier.get(f"/api/v1/transactions/{iw.tx.code}/").json()["documents"]
    assert listed["public"] is True and listed["url"] == notice["documents"][0]["url"]
    clerk = APIClient()
    clerk.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=iw.world.clerk)[0].key}")
    by_purpose = {d["purpose"]: d for d in clerk.get(f"/api/v1/transactions/{iw.tx.code}/documents/").json()}
    assert by_purpose["specification"]["public"] is True
    assert by_purpose["approval"]["public"] is False
    assert by_purpose["approval"]["url"] == f"/work/transactions/{iw.tx.code}/documents/{by_purpose['approval']['id']}/"
