"""Filing a transaction and its documents (the purchaser's side of the common start).

`transaction_create` opens the file in stage `draft` and gives it its public code at
once: the ledger's first entry for a subject is its creation (LEDGER.md section 2), so
the subject needs its code from the start; registration (进场登记) confirms it. See
docs/procedures/common.md.
"""

import hashlib
import os
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.recording import actor as ledger_actor
from ledger.recording import ledger_record

from .. import clock
from ..errors import InvalidInput, NotPermitted, StageConflict
from ..models import (
    CodeCounter,
    Document,
    DocumentPurpose,
    Role,
    Stage,
    Transaction,
    TransactionType,
)
from ..money import parse_yuan
from ..text import clean_text
from .transitions import record_transition

CODE_PREFIX = "JY"

ALLOWED_DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".ofd": "application/ofd",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".txt": "text/plain",
    ".zip": "application/zip",
}


def _next_code(year: int) -> str:
    """JY-<year>-<4 digits>, numbered per year across the deployment, without gaps
    between concurrent filings (the counter row is locked)."""
    try:
        with db_transaction.atomic():
            CodeCounter.objects.get_or_create(year=year)
    except IntegrityError:
        pass  # created concurrently
    counter = CodeCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{CODE_PREFIX}-{year}-{counter.last:04d}"


def transaction_create(*, user, unit, type: str, title: str, amount, description: str = "") -> Transaction:
    """A purchaser opens a transaction for its unit, in stage draft."""
    if type not in TransactionType.values:
        raise InvalidInput(
            _("unknown procedure %(type)s: choose inquiry, tender or asset_sale") % {"type": type},
            field="type",
        )
    if not user.memberships.filter(role=Role.PURCHASER, unit=unit).exists():
        raise NotPermitted(
            _("only a purchaser representing %(unit)s can file its transactions") % {"unit": unit}
        )
    title = clean_text(title, field=_("title"), max_length=200)
    description = clean_text(description, field=_("description"), max_length=5000,
                             required=False, multiline=True)
    amount = parse_yuan(amount, field=_("budget or appraised value"))
    with db_transaction.atomic():
        year = timezone.localtime(clock.now()).year
        factor = clock.sandbox_factor()
        obj = Transaction(
            code=_next_code(year), type=type, station=unit.station, unit=unit, title=title,
            description=description, amount=amount, created_by=user,
            time_factor=factor,  # the sandbox clock starts when the procedure's first period does
        )
        obj._stage_change_ledgered = True
        obj.save()
        record_transition(
            obj, action="create", before=None, user=user, role=Role.PURCHASER,
            extra={"station": unit.station.name, "unit": unit.name},
        )
    return obj.as_procedure()


def transaction_update_draft(*, transaction: Transaction, user, title=None, amount=None,
                             description=None) -> Transaction:
    """A purchaser edits its draft (nothing is ledgered until it is submitted)."""
    with db_transaction.atomic():
        obj = Transaction.objects.select_for_update().get(pk=transaction.pk)
        _check_purchaser(obj, user)
        if obj.stage != Stage.DRAFT:
            raise StageConflict(
                _("only a draft can be edited; %(code)s is at stage “%(stage)s”")
                % {"code": obj.code, "stage": obj.as_procedure().stage_label()},
                stage=obj.stage,
            )
        if title is not None:
            obj.title = clean_text(title, field=_("title"), max_length=200)
        if description is not None:
            obj.description = clean_text(description, field=_("description"), max_length=5000,
                                         required=False, multiline=True)
        if amount is not None:
            obj.amount = parse_yuan(amount, field=_("budget or appraised value"))
        obj.save(update_fields=["title", "description", "amount"])
    return obj.as_procedure()


def _check_purchaser(obj, user):
    if not user.memberships.filter(role=Role.PURCHASER, unit_id=obj.unit_id).exists():
        raise NotPermitted(
            _("only a purchaser representing %(unit)s can change this transaction") % {"unit": obj.unit}
        )


def document_attach(*, transaction: Transaction, user, upload, purpose: str = DocumentPurpose.APPROVAL) -> Document:
    """A purchaser attaches a document to its draft."""
    with db_transaction.atomic():
        obj = Transaction.objects.select_for_update().get(pk=transaction.pk)
        _check_purchaser(obj, user)
        if purpose == DocumentPurpose.CHALLENGE:
            raise InvalidInput(_("a challenge's attachment is attached with the challenge"), field="purpose")
        if obj.stage != Stage.DRAFT:
            raise StageConflict(
                _("documents are attached while the transaction is a draft; %(code)s is at stage “%(stage)s”")
                % {"code": obj.code, "stage": obj.as_procedure().stage_label()},
                stage=obj.stage,
            )
        return store_document(transaction=obj, user=user, upload=upload, purpose=purpose, role=Role.PURCHASER)


def store_document(*, transaction: Transaction, user, upload, purpose: str, role: str) -> Document:
    """Store an uploaded file under its SHA-256, attached to `transaction`, and ledger its
    hash (`document.attached`). The caller checks who may attach what, and when."""
    if purpose not in DocumentPurpose.values:
        raise InvalidInput(_("unknown document purpose: %(purpose)s") % {"purpose": purpose}, field="purpose")
    if upload is None:
        raise InvalidInput(_("choose a file to attach"), field="file")
    name = clean_text(PurePath(str(upload.name or "")).name, field=_("file name"), max_length=200)
    extension = os.path.splitext(name)[1].lower()
    if extension not in ALLOWED_DOCUMENT_TYPES:
        raise InvalidInput(
            _("files of type “%(ext)s” are not accepted; accepted: %(allowed)s")
            % {"ext": extension or "?", "allowed": ", ".join(sorted(ALLOWED_DOCUMENT_TYPES))},
            field="file",
        )
    if upload.size is None or upload.size > settings.DOCUMENT_MAX_BYTES:
        raise InvalidInput(
            _("a document may be at most %(max)d MB") % {"max": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    if upload.size == 0:
        raise InvalidInput(_("the file is empty"), field="file")
    digest = hashlib.sha256()
    content = bytearray()
    for chunk in upload.chunks():
        digest.update(chunk)
        content.extend(chunk)
    sha256 = digest.hexdigest()
    with db_transaction.atomic():
        if transaction.documents.filter(sha256=sha256).exists():
            raise InvalidInput(_("this document is already attached (same SHA-256)"), field="file")
        document = Document(
            transaction=transaction, purpose=purpose, name=name, sha256=sha256, size=len(content),
            content_type=ALLOWED_DOCUMENT_TYPES[extension], uploaded_by=user,
        )
        path = f"documents/{sha256[:2]}/{sha256}"
        if document.file.storage.exists(path):  # content-addressed: the same bytes, kept once
            document.file.name = path
        else:
            document.file.save(sha256, ContentFile(bytes(content)), save=False)
        document.save()
        ledger_record(
            kind="document.attached",
            subject=transaction.code,
            actor=ledger_actor(role, user.ledger_name()),
            data={"sha256": sha256, "name": name, "size": len(content), "purpose": purpose},
        )
    return document
