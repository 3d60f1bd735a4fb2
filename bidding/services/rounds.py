"""Bid rounds: open one, admit parties to it, change its deadline or documents version
(`bids.round_changed`), close it at the deadline (`bids.closed`), or close it early when
the procedure ends (bidding/models/rounds.py).

A procedure opens a round when its notice goes out, admits the parties its rules name
(an invitation list, the parties that registered), and its clock closes the round after
the deadline and the round's grace. Who was admitted, and how many, stays secret until
the round closes: no ledger entry names or counts them before `bids.closed`.
"""

import re
from datetime import timedelta

from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.core.entry import format_ts
from ledger.recording import actor as ledger_actor
from ledger.recording import ledger_record
from trading import clock
from trading.errors import InvalidInput, RuleViolation, StageConflict
from trading.models import Transaction

from ..models import (
    Admission,
    AdmissionMethod,
    AdmissionRule,
    Bid,
    BidPolicy,
    BidRound,
    BidStatus,
    Company,
)

PART_NAME_MAX = 16


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def round_open(*, transaction, opens_at, deadline, policy=BidPolicy.ONCE, parts=("offer",),
               admission=AdmissionRule.INVITED, grace_seconds=3, related_parties_rule="") -> BidRound:
    """A new bid round of `transaction` (in the caller's database transaction).
    `related_parties_rule`: the source of the procedure's rule that related parties cannot
    both bid (empty: they may)."""
    if policy not in BidPolicy.values or admission not in AdmissionRule.values:
        raise InvalidInput(_("unknown bid round policy or admission rule"))
    parts = list(parts)
    if not parts or len(set(parts)) != len(parts) or not all(
            isinstance(p, str) and p.isascii() and p.isidentifier() and len(p) <= PART_NAME_MAX for p in parts):
        raise InvalidInput(_("an offer has one or more differently named parts"))
    if deadline <= opens_at:
        raise InvalidInput(_("a bid round's deadline comes after it opens"), field="deadline")
    last = BidRound.objects.filter(transaction_id=transaction.pk).order_by("-seq").values_list("seq", flat=True).first()
    return BidRound.objects.create(
        transaction_id=transaction.pk, seq=(last or 0) + 1, procedure_round=transaction.round, opens_at=opens_at,
        deadline=deadline, grace_seconds=grace_seconds, admission=admission, policy=policy, parts=parts,
        related_parties_rule=str(related_parties_rule or "")[:300], created_at=clock.now())


def round_admit(*, bid_round: BidRound, companies, method) -> list[Admission]:
    """Admit `companies` to bid in the round (secret: no ledger entry names or counts them
    before the round closes). Admitting twice is harmless."""
    if method not in AdmissionMethod.values:
        raise InvalidInput(_("unknown admission method: %(method)s") % {"method": method}, field="method")
    companies = list(companies)
    if not companies or not all(isinstance(c, Company) for c in companies):
        raise InvalidInput(_("name the suppliers to invite"), field="companies")
    if len({c.pk for c in companies}) != len(companies):
        raise InvalidInput(_("a supplier is named twice among the invitees"), field="companies")
    if bid_round.closed_at is not None:
        raise StageConflict(_("this bid round is closed: nobody can be admitted to it any more"))
    now = clock.now()
    with db_transaction.atomic():
        admitted = set(Admission.objects.filter(bid_round=bid_round, company__in=companies)
                       .values_list("company_id", flat=True))
        Admission.objects.bulk_create([
            Admission(bid_round=bid_round, transaction_id=bid_round.transaction_id, company=c, method=method,
                      admitted_at=now)
            for c in companies if c.pk not in admitted])
        return list(Admission.objects.filter(bid_round=bid_round, company__in=companies).select_related("company"))


CAUSE_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")


def round_change(*, bid_round: BidRound, cause: str, actor, deadline=None, documents_changed=False) -> BidRound:
    """Before the round closes: move its deadline, and/or raise its documents version (every
    offer sealed before must then be confirmed or replaced, or it is not opened). Ledgered
    as `bids.round_changed` with `cause` (a short code the procedure documents, e.g.
    "clarification") and `actor` (a ledger actor)."""
    if not isinstance(cause, str) or not CAUSE_RE.fullmatch(cause):
        raise InvalidInput(_("a round change names its cause"))
    if deadline is None and not documents_changed:
        raise InvalidInput(_("a round change moves the deadline or changes the documents"))
    with db_transaction.atomic():
        tx = Transaction.objects.select_for_update().get(pk=bid_round.transaction_id)
        bid_round = BidRound.objects.select_for_update().get(pk=bid_round.pk)
        if bid_round.closed_at is not None:
            raise StageConflict(_("this bid round is closed: it can no longer change"))
        data = {"round": bid_round.procedure_round, "cause": cause}
        if bid_round.seq != bid_round.procedure_round:
            data["bid_round"] = bid_round.seq
        if deadline is not None:
            if deadline <= bid_round.opens_at:
                raise InvalidInput(_("a bid round's deadline comes after it opens"), field="deadline")
            data.update(previous_deadline=format_ts(bid_round.deadline), deadline=format_ts(deadline))
            bid_round.deadline = deadline
        if documents_changed:
            bid_round.documents_version += 1
            data["documents_version"] = bid_round.documents_version
        bid_round.save(update_fields=["deadline", "documents_version"])
        ledger_record(kind="bids.round_changed", subject=tx.code, actor=actor, data=data)
    return bid_round


def live_commitments(bid_round: BidRound) -> list[str]:
    return sorted(Bid.objects.filter(bid_round=bid_round, status=BidStatus.LIVE)
                  .values_list("commitment", flat=True))


def closing_due(bid_round: BidRound, now=None) -> bool:
    """The deadline and the grace after it have passed: the round may close."""
    now = now or clock.now()
    return now >= bid_round.deadline + timedelta(seconds=bid_round.grace_seconds)


def accepted_commitments(bid_round: BidRound) -> list[str]:
    """Every envelope the round accepted, whatever became of it: what `bids.closed` lists."""
    return sorted(Bid.objects.filter(bid_round=bid_round).values_list("commitment", flat=True))


def _record_closed(tx, bid_round) -> list[str]:
    """The `bids.closed` entry. LEDGER.md section 2 fixes `commitments` as every envelope
    accepted before the deadline, and section 6 makes each receipt a promise to be listed
    there: so a replaced or withdrawn offer's commitment is listed too, and `replaced` and
    `withdrawn` say which of them are not opened (docs/ledger.md, "bids.closed"). Returns
    the live commitments."""
    commitments = accepted_commitments(bid_round)
    data = {"count": len(commitments), "commitments": commitments, "round": bid_round.procedure_round,
            "deadline": format_ts(bid_round.deadline)}
    if bid_round.seq != bid_round.procedure_round:
        data["bid_round"] = bid_round.seq  # several bid rounds in one round of the procedure
    for status, key in ((BidStatus.SUPERSEDED, "replaced"), (BidStatus.WITHDRAWN, "withdrawn")):
        gone = sorted(Bid.objects.filter(bid_round=bid_round, status=status).values_list("commitment", flat=True))
        if gone:
            data[key] = gone
    ledger_record(kind="bids.closed", subject=tx.code, actor=ledger_actor("system", "scheduler"), data=data)
    bid_round.closed_at = clock.now()
    bid_round.save(update_fields=["closed_at", "deadline", "cancelled"])
    return live_commitments(bid_round)


def round_close(*, bid_round: BidRound, to_open: bool = True) -> list[str]:
    """At the deadline (the procedure's closing move, inside its transaction): the
    `bids.closed` entry of LEDGER.md section 2 listing the commitment of every live offer
    of the round. Returns the sorted commitments. `to_open=False`: the procedure's rules
    fail the round at its close (e.g. too few offers): it is never opened, so no custodian
    share is asked for and its offers freeze nothing."""
    with db_transaction.atomic():
        tx = Transaction.objects.select_for_update().get(pk=bid_round.transaction_id)
        bid_round = BidRound.objects.select_for_update().get(pk=bid_round.pk)
        if bid_round.closed_at is not None:
            raise StageConflict(_("this bid round is closed already"))
        if clock.now() < bid_round.deadline:
            raise RuleViolation(_("offers are closed when the deadline has passed (%(deadline)s)")
                                % {"deadline": _local(bid_round.deadline)}, rule="sealed.close_after_deadline")
        bid_round.cancelled = not to_open
        return _record_closed(tx, bid_round)


def round_cancel(*, bid_round: BidRound) -> list[str]:
    """The procedure ends while the round still receives offers (terminated): the round
    closes now, so `bids.closed` lists what was received and every receipt stays
    checkable (LEDGER.md section 6). Its deadline becomes this moment."""
    with db_transaction.atomic():
        tx = Transaction.objects.select_for_update().get(pk=bid_round.transaction_id)
        bid_round = BidRound.objects.select_for_update().get(pk=bid_round.pk)
        if bid_round.closed_at is not None:
            return live_commitments(bid_round)
        now = clock.now()
        if bid_round.deadline > now:
            bid_round.deadline = max(now, bid_round.opens_at + timedelta(microseconds=1))
        bid_round.cancelled = True
        return _record_closed(tx, bid_round)
