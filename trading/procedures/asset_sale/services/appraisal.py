"""The appraisal (评估), recorded by the selling unit before the listing: the appraiser,
the appraised value, its date and the approval document (stored under its SHA-256, the
ledger gets the digest). A listing more than `appraisal_valid_months` after the appraisal
needs a new one; the listing price is checked against it when the disclosure is published
(disclosure.py)."""

import calendar
import hashlib
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from trading import clock
from trading.errors import InvalidInput
from trading.models import Document, DocumentPurpose, Role
from trading.money import parse_yuan
from trading.services.transactions import store_document
from trading.services.transitions import transaction_transition
from trading.text import clean_text

from .common import local, param, round_of, violation


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def appraisal_valid_until(tx, record) -> datetime:
    """The real moment after which a listing needs a new appraisal: the end of the
    appraisal date's day `appraisal_valid_months` later (compressed from the moment it was
    recorded for a sandbox transaction, docs/clock.md)."""
    end_day = add_months(record.appraised_on, int(param(tx, "appraisal_valid_months")))
    end = timezone.make_aware(datetime.combine(end_day, time.max), timezone.get_default_timezone())
    return clock.compress(tx, record.appraisal_recorded_at, end)


def check_appraisal_current(tx, record, now):
    if record.appraised_on is None:
        raise violation(tx, "listing_min_share", _("an appraisal is recorded before the listing"),
                        "asset_sale.appraisal_first")
    until = appraisal_valid_until(tx, record)
    if now > until:
        raise violation(tx, "appraisal_valid_months",
                        _("a listing more than %(months)d months after the appraisal needs a new appraisal; this "
                          "one (%(date)s) was valid until %(until)s: record a new appraisal"),
                        "asset_sale.appraisal_expired", months=int(param(tx, "appraisal_valid_months")),
                        date=record.appraised_on.isoformat(), until=local(until))


def attach_or_reuse(tx, *, user, upload, purpose, role) -> Document:
    """The uploaded document, stored under its SHA-256, or the same one already attached."""
    if upload is None:
        raise InvalidInput(_("attach the document"), field="file")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    existing = Document.objects.filter(transaction_id=tx.pk, sha256=digest.hexdigest()).first()
    if existing is not None:
        return existing
    upload.seek(0)
    return store_document(transaction=tx, user=user, upload=upload, purpose=purpose, role=role)


def asset_record_appraisal(*, code, user, appraiser, appraised_value, appraised_on, upload, expected_stage=None):
    """The selling unit records the appraisal with its approval document."""
    appraiser = clean_text(appraiser, field=_("appraiser"), max_length=200)
    value = parse_yuan(appraised_value, field=_("appraised value"))
    if isinstance(appraised_on, datetime) or not isinstance(appraised_on, date):
        raise InvalidInput(_("the appraisal date: give a date like 2026-11-20"), field="appraised_on")
    if upload is None:
        raise InvalidInput(_("attach the appraisal's approval document"), field="file")
    return transaction_transition(code=code, action="record_appraisal", user=user, expected_stage=expected_stage,
                                  appraiser=appraiser, appraised_value=value, appraised_on=appraised_on,
                                  upload=upload)


def record_appraisal(tx, *, user, now, appraiser, appraised_value, appraised_on, upload) -> dict:
    """The move's body (from registered, or again from appraised: a new appraisal)."""
    if appraised_on > timezone.localtime(now).date():
        raise InvalidInput(_("the appraisal date cannot be in the future"), field="appraised_on")
    document = attach_or_reuse(tx, user=user, upload=upload, purpose=DocumentPurpose.APPROVAL, role=Role.PURCHASER)
    record = round_of(tx)
    record.appraiser, record.appraised_value, record.appraised_on = appraiser, appraised_value, appraised_on
    record.appraisal_document, record.appraisal_recorded_at = document, now
    record.save()
    return {"round": tx.round, "appraiser": appraiser, "appraised_value": f"{appraised_value:.2f}",
            "appraised_on": appraised_on.isoformat(), "document_sha256": document.sha256}
