"""Challenges and objections (质疑, 异议): a party files one within the period its
procedure allows; while it waits for its answer the procedure's clock is paused (the
procedure's time-driven moves are guarded by `no_open_challenges`, bidding/rules.py);
the station's answer is published and ledgered, and the clock goes on.

The procedure says who may file (the parties of its round), until when, and about what
(`kind`); the mechanics are the same for every procedure. A challenge may come with one
file (a trading Document of purpose "challenge", limits as for every upload), whose
SHA-256 its ledger entry records; the station's staff, the purchaser and the filer read it.
"""

import hashlib

from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.core.entry import format_ts
from ledger.recording import actor as ledger_actor
from ledger.recording import ledger_record
from trading import clock
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import DocumentPurpose, NoticeKind, Role, Transaction
from trading.services.messages import queue_notify_waiting
from trading.services.notices import notice_publish, official_language
from trading.services.ticks import refresh_next_check
from trading.services.transactions import store_document
from trading.text import clean_id, clean_text

from ..models import Challenge, ChallengeKind, Company
from ..selectors_sealed import representing_since


def open_challenges(transaction, *, kind=None, round=None):
    rows = Challenge.objects.filter(transaction_id=transaction.pk, round=transaction.round if round is None else round,
                                    answered_at__isnull=True)
    return rows.filter(kind=kind) if kind else rows


def resolve_company(user, company) -> Company:
    """The company a challenger acts for: a Company, or its record number as posted; only
    one the user represents."""
    if isinstance(company, Company):
        return company
    found = user.companies.filter(pk=clean_id(company, field=_("supplier"))).first()
    if found is None:
        raise InvalidInput(_("choose the supplier you represent"), field="company")
    return found


def challenge_file(*, transaction, user, company, text, until, eligible, kind=ChallengeKind.RESULT,
                   period_rule="challenge.period", period_source="", represented_by=None, upload=None,
                   name_party=True) -> Challenge:
    """`user`, for `company`, files a challenge of `kind` before `until`; `eligible`: the
    companies that took part (a queryset or list); `represented_by`: the moment (the
    round's deadline) by which `user` must have become the company's representative, so
    that nobody added to a company afterwards acts in its name about that round;
    `upload`: an optional file attached to it. Pauses the procedure's clock.
    `name_party` False: who filed is secret now (e.g. a bidder before the bid deadline):
    the ledger entry does not name it."""
    company = resolve_company(user, company)
    with db_transaction.atomic():
        tx = Transaction.objects.select_for_update().get(pk=transaction.pk)
        if clock.now() >= until:
            raise RuleViolation(_("the challenge period ended at %(until)s (%(source)s)")
                                % {"until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
                                   "source": period_source}, rule=period_rule)
        since = representing_since(user, company)
        if since is None:
            raise NotPermitted(_("you do not represent %(company)s") % {"company": company})
        if represented_by is not None and since >= represented_by:
            raise RuleViolation(
                _("a challenge in the name of %(company)s is filed by someone who represented it at the quote "
                  "deadline (%(deadline)s); you became its representative on %(since)s")
                % {"company": company, "deadline": timezone.localtime(represented_by).strftime("%Y-%m-%d %H:%M"),
                   "since": timezone.localtime(since).strftime("%Y-%m-%d %H:%M")},
                rule="challenge.represented_at_deadline")
        if company not in list(eligible):
            raise NotPermitted(_("only suppliers that took part may challenge (%(company)s did not)")
                               % {"company": company})
        text = clean_text(text, field=_("challenge"), max_length=10000, multiline=True)
        attachment = None
        if upload is not None:
            attachment = store_document(transaction=tx, user=user, upload=upload, purpose=DocumentPurpose.CHALLENGE,
                                        role=Role.BIDDER)
        challenge = Challenge.objects.create(transaction=tx, round=tx.round, kind=kind, company=company, text=text,
                                             filed_at=clock.now(), filed_by=user, attachment=attachment)
        data = {"round": tx.round, "challenge": challenge.pk, "text_sha256": hashlib.sha256(text.encode()).hexdigest()}
        if name_party:
            data.update(supplier=company.name, uscc=company.uscc)
        if kind != ChallengeKind.RESULT:
            data["kind"] = kind
        if attachment is not None:
            data["attachment_sha256"] = attachment.sha256
        ledger_record(kind="challenge.filed", subject=tx.code, actor=ledger_actor(Role.BIDDER, user.ledger_name()),
                      data=data)
        refresh_next_check(tx)
        queue_notify_waiting(tx, user)  # the station's clerks: a challenge to answer
    return challenge


def challenge_answer(*, transaction, user, challenge_id, answer, due=None, name_party=True) -> Challenge:
    """A clerk of the station answers a challenge: the answer is published (notice) and
    ledgered, and the procedure's clock goes on. `due`: when the answer was due (a later
    one is flagged `late` in the ledger); `name_party` False: the published answer does not
    name who filed it (secret still)."""
    with db_transaction.atomic():
        tx = Transaction.objects.select_for_update().get(pk=transaction.pk)
        if not user.memberships.filter(role=Role.CLERK, station_id=tx.station_id).exists():
            raise NotPermitted(_("this is done by a clerk of %(station)s") % {"station": tx.station})
        challenge = Challenge.objects.filter(pk=clean_id(challenge_id, field=_("challenge")), transaction=tx).first()
        if challenge is None:
            raise InvalidInput(_("no such challenge"), field="challenge")
        if challenge.answered_at:
            raise StageConflict(_("this challenge has been answered already"))
        answer = clean_text(answer, field=_("answer"), max_length=10000, multiline=True)
        challenge.answer, challenge.answered_at, challenge.answered_by = answer, clock.now(), user
        challenge.save()
        with official_language():
            if name_party:
                body = _("Challenge by %(company)s:\n%(text)s\n\nAnswer:\n%(answer)s") % {
                    "company": challenge.company.name, "text": challenge.text, "answer": answer}
            else:
                body = _("Challenge:\n%(text)s\n\nAnswer:\n%(answer)s") % {"text": challenge.text, "answer": answer}
            notice = notice_publish(tx.as_procedure(), kind=NoticeKind.CHALLENGE_ANSWER, user=user,
                                    title=_("Answer to a challenge on %(code)s") % {"code": tx.code}, body=body)
        data = {"round": tx.round, "challenge": challenge.pk, "answer_sha256": notice.sha256}
        if due is not None:
            data["due_by"] = format_ts(due)
            if challenge.answered_at > due:
                data["late"] = True  # a warning sign: answered after the rule's period
        ledger_record(kind="challenge.answered", subject=tx.code, actor=ledger_actor(Role.CLERK, user.ledger_name()),
                      data=data)
        refresh_next_check(tx)
    return challenge
