"""Registering, bidding and the deadline: a company registers for the tender while the
documents are available (it obtains them and is admitted to bid: secret, no ledger entry);
its representative seals a bid (one envelope, or a technical envelope with the SHA-256 of
its technical documents and a price envelope), replaces or withdraws it until the
deadline, and confirms it again after a change of the documents; at the deadline the round
closes (`bids.closed`), or fails for too few bids (流标) with a failure notice."""

import hashlib
import os
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction as db_transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from bidding.models import AdmissionMethod, Bid, BidStatus, Company
from bidding.selectors_sealed import representing_since
from bidding.services import bids as sealed
from bidding.services.rounds import round_admit, round_cancel, round_close
from ledger.core.entry import format_ts
from trading import clock
from trading.errors import InvalidInput, NotPermitted, StageConflict
from trading.models import Milestone, NoticeKind
from trading.services.milestones import milestone_reach
from trading.services.notices import notice_publish
from trading.text import clean_id, clean_text

from ..records import FailureCause, TechnicalDocument, TenderStage
from .common import bid_round_of, find, local, param, round_of, source, violation
from .notice import price_part

# What a technical document may be (the same kinds as the transaction's documents).
TECHNICAL_TYPES = {".pdf": "application/pdf", ".zip": "application/zip", ".txt": "text/plain",
                   ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def represented(user, company) -> Company:
    """The company `user` acts for: a Company, or its record number as a form or API client
    posts it; only one the user represents."""
    if isinstance(company, Company):
        found = company
    else:
        found = Company.objects.filter(pk=clean_id(company, field=_("company"))).first()
    if found is None or representing_since(user, found) is None:
        raise NotPermitted(_("choose a company you represent"), field="company")
    return found


def bidder_among(company, among) -> Company:
    """The company (a Company or its record number) if it is one of `among` (the round's
    bidders)."""
    pk = company.pk if isinstance(company, Company) else clean_id(company, field=_("company"))
    found = next((c for c in among if c.pk == pk), None)
    if found is None:
        raise InvalidInput(_("that company has no bid in this round"), field="company")
    return found


def _tendering(code):
    tx = find(code)
    bid_round = bid_round_of(tx)
    if tx.stage != TenderStage.TENDERING or bid_round is None:
        raise StageConflict(_("%(code)s is at stage “%(stage)s”: this is done while the tender receives bids")
                            % {"code": tx.code, "stage": tx.stage_label()}, stage=tx.stage)
    return tx, bid_round


def tender_register(*, code, user, company):
    """A company registers for the tender and obtains its documents, while they are
    available: it is admitted to bid. Nobody but its representatives learns it before the
    deadline (no ledger entry, no count)."""
    tx, bid_round = _tendering(code)
    company = represented(user, company)
    record = round_of(tx)
    if clock.now() >= record.documents_until:
        raise violation(tx, "documents_available_days",
                        _("the tender documents were available until %(until)s: registering has closed"),
                        "tender.documents_period", until=local(record.documents_until))
    [admission] = round_admit(bid_round=bid_round, companies=[company], method=AdmissionMethod.REGISTRATION)
    return admission


def tender_bid_price(*, code, user, company, price, idempotency_key=""):
    """The web page's path for the price (or only) envelope: sealed in memory on the
    server with the round's opening key; a second one replaces the first."""
    tx, bid_round = _tendering(code)
    return sealed.bid_seal_for_web(bid_round=bid_round, company=represented(user, company), price=price, user=user,
                            idempotency_key=idempotency_key, part=price_part(round_of(tx).two_envelopes))


def _technical_upload(upload):
    if upload is None:
        raise InvalidInput(_("attach the technical documents"), field="file")
    name = clean_text(PurePath(str(upload.name or "")).name, field=_("file name"), max_length=200)
    extension = os.path.splitext(name)[1].lower()
    if extension not in TECHNICAL_TYPES:
        raise InvalidInput(_("technical documents are one file of type %(allowed)s (several files: one .zip)")
                           % {"allowed": ", ".join(sorted(TECHNICAL_TYPES))}, field="file")
    if upload.size is None or upload.size > settings.DOCUMENT_MAX_BYTES or upload.size == 0:
        raise InvalidInput(_("the technical documents are one non-empty file of at most %(max)d MB")
                           % {"max": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)}, field="file")
    content = b"".join(upload.chunks())
    return name, extension, content


def tender_bid_technical(*, code, user, company, upload, idempotency_key=""):
    """Two envelopes: the technical documents are uploaded and the technical envelope,
    sealed on the server, holds their SHA-256 only. The file is kept with the bid and
    shown to nobody else until the technical envelopes are opened."""
    tx, bid_round = _tendering(code)
    if not round_of(tx).two_envelopes:
        raise InvalidInput(_("the bids of %(code)s have one envelope: there is no technical envelope")
                           % {"code": tx.code}, field="part")
    company = represented(user, company)
    name, extension, content = _technical_upload(upload)
    digest = hashlib.sha256(content).hexdigest()
    with db_transaction.atomic():
        bid = sealed.bid_seal_documents_for_web(bid_round=bid_round, company=company, documents_sha256=digest, user=user,
                                         idempotency_key=idempotency_key, part="technical")
        if not TechnicalDocument.objects.filter(bid_round=bid_round, company=company, sha256=digest).exists():
            document = TechnicalDocument(bid_round=bid_round, company=company, sha256=digest, name=name,
                                         size=len(content), content_type=TECHNICAL_TYPES[extension],
                                         uploaded_at=bid.received_at, uploaded_by=user)
            document.file.save(digest, ContentFile(content), save=False)
            document.save()
    return bid


def tender_bid_envelope(*, code, user, company, envelope, part=None, idempotency_key=""):
    """An envelope sealed by the bidder itself (python -m bidding.seal, or its own tools)."""
    tx, bid_round = _tendering(code)
    part = part or bid_round.part_names[-1]
    return sealed.bid_submit(bid_round=bid_round, company=represented(user, company), envelope=envelope, user=user,
                      idempotency_key=idempotency_key, part=part)


def tender_bid_withdraw(*, code, user, company):
    """Withdraw the company's bid (every envelope of it) before the deadline; each gets its
    signed withdrawal receipt."""
    tx, bid_round = _tendering(code)
    company = represented(user, company)
    live = list(Bid.objects.filter(bid_round=bid_round, company=company, status=BidStatus.LIVE)
                .values_list("part", flat=True))
    if not live:
        raise InvalidInput(_("%(company)s has no bid to withdraw") % {"company": company.name})
    with db_transaction.atomic():
        return [sealed.bid_withdraw(bid_round=bid_round, company=company, user=user, part=part) for part in live]


def tender_bid_confirm(*, code, user, company):
    """After a change of the documents: the bidder confirms that its bid stands under the
    new documents (a signed confirmation receipt per envelope)."""
    _tx, bid_round = _tendering(code)
    return sealed.bid_confirm(bid_round=bid_round, company=represented(user, company), user=user)


# --- the deadline -------------------------------------------------------------------------------

def complete_bid_count(tx) -> int:
    """Companies with a live envelope of every part: for the closing rules only (never shown
    before the round closes)."""
    bid_round = bid_round_of(tx)
    if bid_round is None:
        return 0
    parts = len(bid_round.part_names)
    return (Bid.objects.filter(bid_round=bid_round, status=BidStatus.LIVE).values("company")
            .annotate(parts=Count("part", distinct=True)).filter(parts=parts).count())


def bidders(tx) -> list[Company]:
    """The companies with a live bid in the round (after the close: public)."""
    bid_round = bid_round_of(tx)
    if bid_round is None:
        return []
    ids = Bid.objects.filter(bid_round=bid_round, status=BidStatus.LIVE).values_list("company_id", flat=True)
    return list(Company.objects.filter(pk__in=set(ids)).order_by("name"))


def close_bids(tx) -> dict:
    bid_round = bid_round_of(tx)
    commitments = round_close(bid_round=bid_round)
    milestone_reach(tx, Milestone.BIDS_CLOSED)
    return {"round": tx.round, "bids": complete_bid_count(tx), "envelopes": len(commitments),
            "deadline": format_ts(bid_round.deadline)}


def fail_round(tx, cause, reason, *, now, user=None, **extra) -> dict:
    """The round fails by the rules (流标): failure notice; the tender may be re-tendered."""
    tx.reason = reason
    record = round_of(tx)
    record.failed_cause = cause
    record.save(update_fields=["failed_cause"])
    notice = notice_publish(
        tx, kind=NoticeKind.FAILURE, user=user, now=now,
        title=_("Failure notice (流标): %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code},
        body=_("Round %(round)d of the open tender %(code)s %(title)s has failed: %(reason)s. The tender may be "
               "re-tendered as a new round.") % {"round": tx.round, "code": tx.code, "title": tx.title,
                                                  "reason": reason})
    return {"round": tx.round, "cause": cause, "reason": reason, "notice_sha256": notice.sha256, **extra}


def fail_bids(tx, *, now) -> dict:
    round_close(bid_round=bid_round_of(tx), to_open=False)
    milestone_reach(tx, Milestone.BIDS_CLOSED)
    count = complete_bid_count(tx)
    reason = _("fewer than %(min)d bids arrived by the deadline (received: %(count)d); %(source)s") % {
        "min": param(tx, "min_bids"), "count": count, "source": source(tx, "min_bids")}
    return fail_round(tx, FailureCause.TOO_FEW_BIDS, reason, now=now, bids=count)


def on_termination(tx) -> dict:
    """Terminated (or suspended and terminated) while tendering: the round's bids close now,
    so `bids.closed` lists what was received and every receipt stays checkable."""
    bid_round = bid_round_of(tx)
    if bid_round is None or bid_round.closed_at is not None:
        return {}
    commitments = round_cancel(bid_round=bid_round)
    return {"round": tx.round, "envelopes": len(commitments)}
