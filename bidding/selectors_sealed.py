"""Reads of sealed quotes, and who may see what when (DOMAIN.md "Sealed bids").

The secrecy rule these selectors keep: until the quote deadline has passed nobody but a
supplier itself learns who was invited, who quoted or how many (not other bidders, the
public, the station's staff, supervisors, experts, the API or the ledger). So:

* a bidder reads only the invitations and quotes of the companies it represents;
* the number of quotes and their commitments are shown once the round is closed (the
  deadline passed by the server clock and the procedure left the quoting stage), which is
  also when `bids.closed` publishes them;
* names and prices are shown with the opening record, after the opening.

Views and the API call only these to decide what to show.
"""

from django.db.models import F

from trading import clock
from trading.models import Role

from .models import (
    CustodianKey,
    CustodianShare,
    Invitation,
    Opening,
    OpeningKey,
    OpeningRecord,
    Quote,
)

CUSTODIAN_ROLES = (Role.CLERK, Role.SUPERVISOR, Role.PURCHASER)
# Stages in which a round's quotes are still being received (or not yet asked for).
OPEN_STAGES = frozenset({"draft", "submitted", "registered", "group_formed", "notice_issued", "quoting"})
# Stages where a transaction's procedure is over: a custodian's share is no longer needed.
ENDED_STAGES = frozenset({"terminated", "archived", "rejected", "withdrawn"})


# --- custodians ------------------------------------------------------------------------------

def custodian_key_of(user) -> CustodianKey | None:
    return CustodianKey.objects.filter(user=user).first()


def custodian_roles_of(user) -> set[str]:
    """The roles that make `user` a possible custodian (clerk, supervisor, purchaser)."""
    return {m.role for m in user.memberships.all() if m.role in CUSTODIAN_ROLES}


def shares_still_needed(user):
    """The custodian shares of `user` that an opening still needs: of a round not yet
    opened, whose procedure is neither over nor moved on to a later round."""
    shares = (CustodianShare.objects.filter(custodian=user)
              .select_related("opening_key__transaction").order_by("opening_key__created_at"))
    needed = []
    for share in shares:
        key = share.opening_key
        tx = key.transaction
        if key.round != tx.round or tx.stage in ENDED_STAGES:
            continue
        if Opening.objects.filter(transaction_id=tx.pk, round=key.round).exists():
            continue
        needed.append(share)
    return needed


# --- the round's opening key and deadline ---------------------------------------------------

def opening_key_of(transaction, round=None) -> OpeningKey | None:
    return OpeningKey.objects.filter(transaction=transaction,
                                     round=transaction.round if round is None else round).first()


def quote_deadline_of(transaction):
    from trading.procedures.inquiry import InquiryDetails

    details = InquiryDetails.objects.filter(transaction_id=transaction.pk).first()
    return details.quote_deadline if details else None


def _working_stage(transaction) -> str:
    if transaction.stage == "suspended":
        return transaction.suspended_from
    return transaction.stage


def round_closed(transaction) -> bool:
    """The current round's quote deadline has passed and the procedure no longer
    receives quotes: from now on the count and the commitments are public."""
    if _working_stage(transaction) in OPEN_STAGES:
        return False
    deadline = quote_deadline_of(transaction)
    return deadline is not None and clock.procedure_now(transaction) >= deadline


def quoting_open(transaction) -> bool:
    """Quotes are received now (stage quoting and the deadline not reached)."""
    deadline = quote_deadline_of(transaction)
    return (transaction.stage == "quoting" and deadline is not None
            and clock.procedure_now(transaction) < deadline)


def closed_round_summary(transaction) -> dict | None:
    """{"count", "commitments"} of the current round once it is closed (what `bids.closed`
    publishes); None before."""
    if not round_closed(transaction):
        return None
    commitments = sorted(Quote.objects.filter(transaction=transaction, round=transaction.round)
                         .values_list("commitment", flat=True))
    return {"count": len(commitments), "commitments": commitments}


# --- a bidder's own invitations and quotes --------------------------------------------------

def invitations_of(user):
    """Invitations of the current rounds for the companies `user` represents."""
    return (Invitation.objects.filter(company__representatives=user, round=F("transaction__round"))
            .select_related("transaction", "company").order_by("-invited_at", "pk"))


def invitation_for(user, transaction, uscc: str) -> Invitation | None:
    """The invitation of the company `uscc`, which `user` represents, to the current round."""
    return (Invitation.objects.filter(transaction=transaction, round=transaction.round, company__uscc=uscc,
                                      company__representatives=user)
            .select_related("company").first())


def own_quote(transaction, company, round=None) -> Quote | None:
    return Quote.objects.filter(transaction=transaction, company=company,
                                round=transaction.round if round is None else round).first()


def own_quotes(user, transaction):
    """Every quote (all rounds) of the companies `user` represents in `transaction`."""
    return (Quote.objects.filter(transaction=transaction, company__representatives=user)
            .select_related("company").order_by("round", "received_at"))


# --- the opening record (public once opened) ------------------------------------------------

def openings_of(transaction):
    """Every opening of the transaction (one per round that was opened), newest first,
    each with its records: public."""
    openings = list(Opening.objects.filter(transaction=transaction).select_related("opened_by")
                    .prefetch_related("custodians").order_by("-round"))
    for opening in openings:
        opening.record_list = list(
            OpeningRecord.objects.filter(opening=opening).select_related("quote__company")
            .order_by("quote__received_at", "quote__pk"))
    return openings


def opening_of(transaction, round=None) -> Opening | None:
    return Opening.objects.filter(transaction=transaction,
                                  round=transaction.round if round is None else round).first()
