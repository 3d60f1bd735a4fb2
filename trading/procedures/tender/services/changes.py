"""While the tender receives bids: clarifications and changes of the documents, and
objections to the documents.

* A clarification or change is published as a change of the tender notice (更正公告,
  `notice.changed`) and sent to every registered bidder. It changes the documents'
  version: a bid sealed before it must be confirmed again (or replaced) before the
  deadline, or it is not opened. Issued less than 15 days before the deadline, it moves the
  deadline to 15 days after it (the platform computes the new one); the change of the round
  is ledgered (`bids.round_changed`).
* An objection to the documents (异议) may be raised by a registered bidder up to 10 days
  before the deadline; while it waits for its answer (due within 3 days) the clock is
  paused: the bids cannot close, and when it is answered the deadline moves by the time it
  was open. Who objected stays secret until the deadline: the ledger and the published
  answer do not name it.
"""

from django.db import transaction as db_transaction
from django.utils.translation import gettext as _

from bidding.models import Admission, Challenge, ChallengeKind
from bidding.services import challenges, rounds
from ledger.recording import actor as ledger_actor
from trading import clock, deadlines
from trading.errors import InvalidInput, StageConflict
from trading.models import NoticeKind, Role
from trading.services.notices import latest_public_notice, notice_change, notice_publish
from trading.services.ticks import refresh_next_check
from trading.text import clean_id, clean_text

from ..records import TenderStage
from .common import bid_round_of, days_before, find, local, param, source, staff_transaction


def registered_companies(bid_round):
    return [a.company for a in Admission.objects.filter(bid_round=bid_round).select_related("company")
            .order_by("pk")]


@db_transaction.atomic
def tender_clarify(*, code, user, text):
    """The clerk publishes a clarification or change of the documents (for the tenderer)."""
    tx = staff_transaction(code, user, role=Role.CLERK, stages=[TenderStage.TENDERING])
    text = clean_text(text, field=_("clarification or change"), max_length=10000, multiline=True)
    bid_round = bid_round_of(tx)
    now = clock.now()
    if bid_round.closed_at is not None or now >= bid_round.deadline:
        raise StageConflict(_("the bid deadline has passed: the documents can no longer change"))
    period = param(tx, "clarification_days_before_deadline")
    earliest = deadlines.at_least_days(tx, now, period)
    new_deadline = earliest if earliest > bid_round.deadline else None
    changed = rounds.round_change(bid_round=bid_round, deadline=new_deadline, documents_changed=True,
                           cause="clarification", actor=ledger_actor(Role.CLERK, user.ledger_name()))
    original = latest_public_notice(tx, NoticeKind.TENDER)
    lines = [text, "",
             _("Documents version %(version)d. A bid sealed before this change must be confirmed again or replaced "
               "before the deadline; otherwise it is not opened.") % {"version": changed.documents_version}]
    if new_deadline is not None:
        lines.append(_("Issued less than %(days)d days before the deadline: the bid deadline moves to %(deadline)s "
                       "(%(source)s).") % {"days": period, "deadline": local(new_deadline),
                                            "source": source(tx, "clarification_days_before_deadline")})
    else:
        lines.append(_("The bid deadline stays %(deadline)s.") % {"deadline": local(bid_round.deadline)})
    body = "\n".join(lines)
    title = _("Clarification or change: %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code}
    notice = notice_change(tx, original=original, title=title, body=body, user=user, reason=text, now=now)
    for company in registered_companies(bid_round):
        notice_publish(tx, kind=NoticeKind.CLARIFICATION, user=user, now=now, addressee=company, title=title,
                       body=body)
    refresh_next_check(tx)
    return notice


def objection_until(tx):
    return days_before(tx, bid_round_of(tx).deadline, param(tx, "objection_days_before_deadline"))


def answer_due(tx, challenge):
    return deadlines.within_days(tx, challenge.filed_at, param(tx, "objection_answer_days"))


def tender_object_documents(*, code, user, company, text):
    """A registered bidder objects to the documents (异议), up to 10 days before the deadline."""
    tx = find(code)
    bid_round = bid_round_of(tx)
    if tx.stage != TenderStage.TENDERING or bid_round is None:
        raise StageConflict(_("objections to the documents are raised while the tender receives bids"))
    return challenges.challenge_file(
        transaction=tx, user=user, company=company, text=text, until=objection_until(tx),
        eligible=registered_companies(bid_round), kind=ChallengeKind.DOCUMENTS,
        period_rule="tender.objection_period", period_source=source(tx, "objection_days_before_deadline"),
        name_party=False)


@db_transaction.atomic
def tender_answer_objection(*, code, user, challenge_id, answer):
    """The clerk answers an objection (documents, opening or candidates): published and
    ledgered, a late answer flagged. An objection to the documents moves the bid deadline
    by the time it was open."""
    tx = find(code)
    challenge = Challenge.objects.filter(pk=clean_id(challenge_id, field=_("objection")), transaction_id=tx.pk,
                                         round=tx.round).first()
    if challenge is None:
        raise InvalidInput(_("no such objection"), field="challenge")
    bid_round = bid_round_of(tx)
    secret = bid_round is not None and bid_round.closed_at is None
    answered = challenges.challenge_answer(transaction=tx, user=user, challenge_id=challenge.pk, answer=answer,
                                           due=answer_due(tx, challenge), name_party=not secret)
    if answered.kind == ChallengeKind.DOCUMENTS and secret:
        paused = answered.answered_at - answered.filed_at
        rounds.round_change(bid_round=bid_round, deadline=bid_round.deadline + paused, cause="objection",
                     actor=ledger_actor(Role.CLERK, user.ledger_name()))
        refresh_next_check(tx)
    return answered
