"""The challenge form (质疑) on the inquiry's page: labelled, with guidance (what a challenge
is, who may file, the legal basis) and the period's end next to it; an optional file stored
as a document whose SHA-256 the challenge's ledger entry records, read by the station, the
purchaser and the filer only; after filing the form gives way to "your challenge is
filed"; outside the period a clear refusal."""

import hashlib
import json
import re
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from bidding.models import Challenge
from ledger.models import Entry
from ledger.sequencer import ledger_run_sequencer
from tests.factories import make_transaction
from tests.refusals import refused_to_page
from tests.trading.inquiry_world import MONDAY, make_inquiry_world, walk
from trading import clock
from trading.errors import InvalidInput
from trading.models import Document, DocumentPurpose
from trading.procedures.inquiry.models import InquiryRound
from trading.services.transactions import document_attach

pytestmark = pytest.mark.django_db

EVIDENCE = b"%PDF-1.4 the winner's monitors are 21.5 inches, not 23.8"


def browser(user=None, language="en"):
    client = Client()
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def published():
    with clock.frozen_at(MONDAY):
        iw = make_inquiry_world()
        walk(iw, "published")
        yield iw


def page_of(client, iw):
    return client.get(reverse("transaction-detail", args=[iw.tx.code])).content.decode()


def challenge_section(text):
    return text[text.index('id="challenge"'):]


def ledgered(code, kind):
    ledger_run_sequencer()
    return [json.loads(bytes(e.body))["data"] for e in Entry.objects.filter(subject=code, kind=kind).order_by("seq")]


def test_the_form_has_labels_guidance_and_the_period_end(published):
    iw = published
    user, _company = iw.suppliers[0]
    section = challenge_section(page_of(browser(user), iw))
    for field in ("id_challenge_company", "id_challenge_text", "id_challenge_file"):
        assert f'<label for="{field}">' in section and f'id="{field}"' in section
    assert "A challenge is a supplier's written objection" in section
    assert "already represented it at the quote deadline" in section
    assert "Government Procurement Law, article 52" in section and "within 7 working days" in section
    until = InquiryRound.objects.get(transaction=iw.tx, round=iw.tx.round).challenge_until
    shown = timezone.localtime(until, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")
    assert f"Challenges are received until {shown} (Beijing time)" in section
    # The same instant as the ledger's result entry says.
    [result] = [d for d in ledgered(iw.tx.code, "transition") if d.get("action") == "publish_result"]
    assert datetime.fromisoformat(result["challenge_until"].replace("Z", "+00:00")) == until


def test_filing_with_a_file_stores_and_ledgers_it_and_the_form_gives_way(published):
    iw = published
    user, company = iw.suppliers[0]
    client = browser(user)
    response = client.post(reverse("inquiry-challenge", args=[iw.tx.code]), {
        "company": str(company.pk), "text": "成交供应商的显示器尺寸不符合采购需求",
        "file": SimpleUploadedFile("质疑材料.pdf", EVIDENCE, content_type="application/pdf")})
    assert response.status_code == 302 and response["Location"] == reverse("transaction-detail", args=[iw.tx.code])
    challenge = Challenge.objects.get(transaction=iw.tx)
    digest = hashlib.sha256(EVIDENCE).hexdigest()
    assert challenge.attachment.sha256 == digest and challenge.attachment.purpose == DocumentPurpose.CHALLENGE
    [filed] = ledgered(iw.tx.code, "challenge.filed")
    assert filed["attachment_sha256"] == digest
    assert filed["text_sha256"] == hashlib.sha256("成交供应商的显示器尺寸不符合采购需求".encode()).hexdigest()
    [attached] = [d for d in ledgered(iw.tx.code, "document.attached") if d["sha256"] == digest]
    assert attached["purpose"] == "challenge"

    text = page_of(client, iw)
    section = challenge_section(text)
    at = timezone.localtime(challenge.filed_at, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")
    assert f"Your challenge ({company.name}) of {at} is filed, waiting for the station's answer." in section
    assert 'id="form-challenge"' not in text  # no second form while it waits
    assert "质疑材料.pdf" in text and digest in text


def test_the_attachment_is_read_by_the_station_the_purchaser_and_the_filer_only(published):
    iw = published
    user, company = iw.suppliers[0]
    browser(user).post(reverse("inquiry-challenge", args=[iw.tx.code]), {
        "company": str(company.pk), "text": "有异议",
        "file": SimpleUploadedFile("质疑材料.pdf", EVIDENCE, content_type="application/pdf")})
    document = Document.objects.get(purpose=DocumentPurpose.CHALLENGE)
    url = reverse("document-download", args=[iw.tx.code, document.pk])
    for reader in (user, iw.world.clerk, iw.world.supervisor, iw.world.purchaser):
        response = browser(reader).get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == EVIDENCE
    for other in (iw.suppliers[1][0], iw.experts[0], iw.world.other_clerk):
        assert browser(other).get(url).status_code == 404
    assert "质疑材料.pdf" not in page_of(browser(iw.suppliers[1][0]), iw)


def test_a_refused_challenge_keeps_the_text_and_saves_nothing(published):
    iw = published
    user, company = iw.suppliers[0]
    client = browser(user)
    response = client.post(reverse("inquiry-challenge", args=[iw.tx.code]), {
        "company": str(company.pk), "text": "显示器尺寸不符",
        "file": SimpleUploadedFile("质疑.exe", b"MZ", content_type="application/octet-stream")})
    text = refused_to_page(client, response, reverse("transaction-detail", args=[iw.tx.code]),
                           anchor="form-challenge").content.decode()
    assert 'href="#id_challenge_file"' in text and 'id="id_challenge_file-error"' in text
    assert re.search(r'<textarea id="id_challenge_text"[^>]*>显示器尺寸不符</textarea>', text)
    assert "Choose the file again" in text
    assert not Challenge.objects.exists() and not Document.objects.filter(purpose=DocumentPurpose.CHALLENGE).exists()


def test_outside_the_period_the_form_is_gone_and_a_late_challenge_is_refused_clearly(published):
    iw = published
    user, company = iw.suppliers[0]
    client = browser(user)
    until = InquiryRound.objects.get(transaction=iw.tx, round=iw.tx.round).challenge_until
    clock.advance(until - clock.now() + timedelta(seconds=1))  # the clock's tick has not run yet
    section = challenge_section(page_of(client, iw))
    assert 'id="form-challenge"' not in section and "The challenge period is over" in section
    response = client.post(reverse("inquiry-challenge", args=[iw.tx.code]),
                           {"company": str(company.pk), "text": "迟到的质疑"})
    text = refused_to_page(client, response, reverse("transaction-detail", args=[iw.tx.code])).content.decode()
    shown = timezone.localtime(until, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")
    assert f"the challenge period ended at {shown}" in text.split("<h1>")[0]
    assert not Challenge.objects.exists()


def test_a_purchaser_cannot_attach_a_challenge_document_to_a_draft(published):
    draft = make_transaction(published.world, stage="draft")
    with pytest.raises(InvalidInput):
        document_attach(transaction=draft, user=published.world.purchaser, purpose=DocumentPurpose.CHALLENGE,
                        upload=SimpleUploadedFile("x.pdf", b"%PDF x", content_type="application/pdf"))


def test_the_api_takes_an_optional_file_with_the_challenge(published):
    iw = published
    user, company = iw.suppliers[0]
    api = APIClient()
    api.force_authenticate(user)
    url = f"/api/v1/transactions/{iw.tx.code}/inquiry/challenges/"
    bad = api.post(url, {"company": company.pk, "text": "有异议",
                         "file": SimpleUploadedFile("质疑.exe", b"MZ")}, format="multipart")
    assert bad.status_code == 400 and bad.json()["error"]["details"]["field"] == "file"
    assert not Challenge.objects.exists()
    created = api.post(url, {"company": company.pk, "text": "有异议",
                             "file": SimpleUploadedFile("质疑材料.pdf", EVIDENCE)}, format="multipart")
    assert created.status_code == 201
    [mine] = api.get(f"/api/v1/transactions/{iw.tx.code}/inquiry/").json()["challenges"]
    assert mine["attachment"] == {"name": "质疑材料.pdf", "sha256": hashlib.sha256(EVIDENCE).hexdigest()}
