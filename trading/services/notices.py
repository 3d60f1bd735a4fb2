"""Notices: what a procedure publishes (notice, changes, results, failure and termination
notices, contracts) and what it sends to one supplier (award and result letters).

A public notice's text is hashed into the ledger (`notice.published`); a change to a
published notice is a new notice that names the one it changes (`notice.changed`, with
both digests), so the original stays readable and the history is in the log. Every
notice is also sent to the people it concerns (their inbox and e-mail).
"""

import hashlib

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from ledger.recording import actor as ledger_actor
from ledger.recording import ledger_record

from .. import clock, registry
from ..errors import InvalidInput
from ..models import MessageKind, Notice, Role, User
from ..text import clean_text
from .messages import message_send


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _actor(user):
    return ledger_actor(Role.CLERK if user else "system", user.ledger_name() if user else "scheduler")


def notice_publish(transaction, *, kind, title, body, user=None, addressee=None, now=None,
                   ledger_data=None, documents=()) -> Notice:
    """Publish a notice of `transaction` (public when `addressee` is None; else only that
    supplier sees it). A public one is ledgered with its text's SHA-256; `ledger_data`
    adds procedure facts to that entry (e.g. the opening key the notice carries).
    `documents`: the documents the notice refers to (its procurement documents), listed at
    the end of its text with their size and SHA-256 and in its entry (`documents`); the
    notice makes them public (trading.selectors.PUBLISHED_WITH)."""
    documents = list(documents)
    if documents:
        body = f"{body}\n{documents_text(documents)}"
        ledger_data = {**(ledger_data or {}), "documents": [{"name": d.name, "sha256": d.sha256} for d in documents]}
    body = clean_text(body, field=_("text"), max_length=20000, multiline=True)
    title = clean_text(title, field=_("title"), max_length=200)
    notice = Notice.objects.create(
        transaction=transaction, round=transaction.round, kind=kind, title=title, body=body, addressee=addressee,
        sha256=_digest(body), published_at=now or clock.now(), published_by=user,
    )
    if addressee is None:
        ledger_record(kind="notice.published", subject=transaction.code, actor=_actor(user),
                      data={"kind": kind, "round": transaction.round, "title": notice.title,
                            "sha256": notice.sha256, **(ledger_data or {})})
    _send(transaction, notice)
    return notice


def official_language():
    """Notices are official text in the station's language, whatever the language of the
    person whose move publishes them: compose them inside `with official_language():`."""
    return override(settings.LANGUAGE_CODE)


def documents_text(documents) -> str:
    """The part of a notice's text that lists its documents: name, size, SHA-256, one a line."""
    lines = [_("Documents this notice refers to (download them from the notice's page; check each against its "
               "SHA-256):")]
    lines += [_("- %(name)s, %(size)s bytes, SHA-256 %(sha256)s") % {"name": d.name, "size": f"{d.size:,}",
                                                                      "sha256": d.sha256} for d in documents]
    return "\n".join(lines)


def _send(transaction, notice) -> None:
    """Every notice reaches the people it concerns: an addressed one the company's
    representatives; a public one the owning unit's purchasers and everyone who takes part
    (the panel, the admitted parties' representatives, the custodians: registry)."""
    if notice.addressee_id is not None:
        recipients = list(notice.addressee.representatives.all())
    else:
        recipients = set(User.objects.filter(memberships__unit_id=transaction.unit_id,
                                             memberships__role=Role.PURCHASER))
        recipients |= registry.participants(transaction)
    with official_language():
        message_send(recipients=recipients, transaction=transaction, kind=MessageKind.NOTICE,
                     subject=notice.title, body=notice.body, link=reverse("notice-detail", args=[notice.pk]))


def notice_change(transaction, *, original: Notice, title, body, user, reason, now=None) -> Notice:
    """Publish a change to the public notice `original` (更正公告): a new notice of the same
    kind, ledgered as `notice.changed` with the digests of both and the reason's digest."""
    if original.addressee_id is not None or original.transaction_id != transaction.pk:
        raise InvalidInput(_("only a public notice of this transaction can be changed"), field="notice")
    reason = clean_text(reason, field=_("reason"), max_length=2000, multiline=True)
    body = clean_text(body, field=_("text"), max_length=20000, multiline=True)
    notice = Notice.objects.create(
        transaction=transaction, round=transaction.round, kind=original.kind,
        title=clean_text(title, field=_("title"), max_length=200), body=body, sha256=_digest(body),
        published_at=now or clock.now(), published_by=user, changes=original,
    )
    ledger_record(kind="notice.changed", subject=transaction.code, actor=_actor(user),
                  data={"kind": original.kind, "round": transaction.round, "title": notice.title,
                        "sha256": notice.sha256, "changes_sha256": original.sha256,
                        "reason_sha256": _digest(reason)})
    return notice


def latest_public_notice(transaction, kind) -> Notice | None:
    return (Notice.objects.filter(transaction=transaction, round=transaction.round, kind=kind,
                                  addressee__isnull=True).order_by("-published_at", "-pk").first())
