"""Reads of bid rounds and sealed offers, and who may see what when (DOMAIN.md "Sealed bids").

The secrecy rule these selectors keep: until a round has closed nobody but a party itself
learns who was admitted, who bid or how many (not other bidders, the public, the station's
staff, supervisors, experts, the API or the ledger). So:

* a bidder reads only the admissions and offers of the companies it represents, and of
  those only the offers made since it became their representative;
* the number of offers and their commitments are shown once the round is closed, which is
  recorded when `bids.closed` publishes them (`BidRound.closed_at`), never decided from a
  procedure's stage names;
* names and prices are shown with the opening record, after the opening.

Views and the API call only these to decide what to show.
"""

from django.db.models import F

from trading import clock
from trading.models import Role

from .models import (
    Admission,
    Bid,
    BidRound,
    BidStatus,
    CustodianKey,
    CustodianShare,
    Opening,
    OpeningKey,
    OpeningRecord,
)
from .models.companies import Representation

CUSTODIAN_ROLES = (Role.CLERK, Role.SUPERVISOR, Role.PURCHASER)
# Transactions whose procedure is over: a custodian's share is no longer needed.
ENDED_STAGES = frozenset({"terminated", "archived", "rejected", "withdrawn"})


# --- custodians ------------------------------------------------------------------------------

def custodian_key_of(user) -> CustodianKey | None:
    return CustodianKey.objects.filter(user=user).first()


def custodian_roles_of(user) -> set[str]:
    """The roles that make `user` a possible custodian (clerk, supervisor, purchaser)."""
    return {m.role for m in user.memberships.all() if m.role in CUSTODIAN_ROLES}


def custodian_status(user) -> dict | None:
    """What the pages tell `user` about its custodian key: None for someone who is no
    custodian (holds none of the custodian roles, no key, no share: a bidder, an expert);
    else its roles, its key (None: not set yet, so no procedure can name it) and the shares
    openings still need from it."""
    if user is None or not user.is_authenticated:
        return None
    roles, key = custodian_roles_of(user), custodian_key_of(user)
    pending = shares_still_needed(user) if key else []
    if not roles and key is None:
        return None
    return {"roles": roles, "key": key, "pending": pending}


def shares_still_needed(user):
    """The custodian shares of `user` that an opening still needs: of a round not yet
    opened and not cancelled, whose procedure is not over."""
    shares = (CustodianShare.objects.filter(custodian=user)
              .select_related("opening_key__bid_round__transaction").order_by("opening_key__created_at"))
    needed = []
    for share in shares:
        key = share.opening_key
        bid_round = key.bid_round
        if bid_round.cancelled or bid_round.transaction.stage in ENDED_STAGES:
            continue
        if Opening.objects.filter(bid_round=bid_round, part=key.part).exists():
            continue
        needed.append(share)
    return needed


def share_of(user, bid_round, part="offer") -> CustodianShare | None:
    return (CustodianShare.objects.filter(custodian=user, opening_key__bid_round=bid_round,
                                          opening_key__part=part)
            .select_related("opening_key__bid_round__transaction").first())


# --- rounds ----------------------------------------------------------------------------------

def round_of(transaction) -> BidRound | None:
    """The latest bid round of the transaction's current round of the procedure."""
    return (BidRound.objects.filter(transaction_id=transaction.pk, procedure_round=transaction.round)
            .order_by("-seq").first())


def rounds_of(transaction):
    return BidRound.objects.filter(transaction_id=transaction.pk).order_by("seq")


def opening_key_of(bid_round, part="offer") -> OpeningKey | None:
    if bid_round is None:
        return None
    return OpeningKey.objects.filter(bid_round=bid_round, part=part).first()


def round_closed(bid_round) -> bool:
    """The round's offers have been closed (`bids.closed` recorded): from now on the count
    and the commitments are public."""
    return bid_round is not None and bid_round.closed_at is not None


def round_accepting(bid_round) -> bool:
    """Offers are received now (opened, deadline not reached, not closed)."""
    if bid_round is None or bid_round.closed_at is not None:
        return False
    now = clock.now()
    return bid_round.opens_at <= now < bid_round.deadline


def closed_round_summary(bid_round) -> dict | None:
    """{"count", "commitments"} of a closed round, as `bids.closed` publishes them: every
    envelope accepted, replaced and withdrawn ones included (LEDGER.md section 2); None before."""
    if not round_closed(bid_round):
        return None
    commitments = sorted(Bid.objects.filter(bid_round=bid_round).values_list("commitment", flat=True))
    return {"count": len(commitments), "commitments": commitments}


def live_bid_count(bid_round) -> int:
    """For the procedure's closing rules only (never shown before the round closes)."""
    return Bid.objects.filter(bid_round=bid_round, status=BidStatus.LIVE).values("company").distinct().count()


# --- a bidder's own admissions and offers ---------------------------------------------------

def parties_secret(transaction) -> bool:
    """Who takes part is secret while a bid round of the transaction's current round still
    receives offers (neither closed nor cancelled): a challenge filed then (a tender's
    objection to the documents) does not name its party on any page, to-do or notice."""
    return BidRound.objects.filter(transaction_id=transaction.pk, procedure_round=transaction.round,
                                   closed_at__isnull=True, cancelled=False).exists()


def representing_since(user, company):
    """When `user` became a representative of `company` (None if it is not one)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return (Representation.objects.filter(user=user, company=company).values_list("since", flat=True).first())


def admissions_of(user):
    """Admissions to the current rounds for the companies `user` represents."""
    return (Admission.objects.filter(company__representations__user=user,
                                     bid_round__procedure_round=F("transaction__round"))
            .select_related("transaction", "company", "bid_round").order_by("-admitted_at", "pk"))


def admissions_for(user, transaction, bid_round=None):
    """The admissions of the companies `user` represents to the transaction's current round."""
    bid_round = bid_round or round_of(transaction)
    if bid_round is None or user is None or not user.is_authenticated:
        return Admission.objects.none()
    return (Admission.objects.filter(bid_round=bid_round, company__representations__user=user)
            .select_related("company").order_by("company__name"))


def own_bid(bid_round, company, user, part="offer") -> Bid | None:
    """The company's live offer in the round, if `user` may see it (made since it joined)."""
    since = representing_since(user, company)
    if since is None or bid_round is None:
        return None
    return Bid.objects.filter(bid_round=bid_round, company=company, part=part, status=BidStatus.LIVE,
                              received_at__gte=since).first()


def own_bids(user, transaction):
    """Every offer (all rounds, replaced and withdrawn ones too) of the companies `user`
    represents in `transaction`, made since it became their representative."""
    return (Bid.objects.filter(transaction_id=transaction.pk, company__representations__user=user,
                               received_at__gte=F("company__representations__since"))
            .select_related("company", "bid_round").order_by("bid_round__seq", "received_at"))


# --- the opening record (public once opened) ------------------------------------------------

def openings_of(transaction):
    """Every opening of the transaction, newest round first, each with its records: public."""
    openings = list(Opening.objects.filter(transaction_id=transaction.pk)
                    .select_related("opened_by", "bid_round").prefetch_related("custodians")
                    .order_by("-bid_round__seq", "part"))
    for opening in openings:
        opening.record_list = list(
            OpeningRecord.objects.filter(opening=opening).select_related("bid__company")
            .order_by("bid__received_at", "bid__pk"))
    return openings


def opening_of(bid_round, part="offer") -> Opening | None:
    if bid_round is None:
        return None
    return Opening.objects.filter(bid_round=bid_round, part=part).first()


def next_part_to_open(bid_round) -> str | None:
    """The part of the round's offers an opening opens next: the first, in opening order,
    not opened yet (e.g. "technical" before "price"); None when every part is opened."""
    if bid_round is None:
        return None
    opened = set(Opening.objects.filter(bid_round=bid_round).values_list("part", flat=True))
    return next((part for part in bid_round.part_names if part not in opened), None)


def opening_records(bid_round, part="offer"):
    """The opening record of the round's part, by ascending price (ties: earlier arrival)."""
    return (OpeningRecord.objects.filter(opening__bid_round=bid_round, opening__part=part)
            .select_related("bid__company").order_by("price", "bid__received_at"))
