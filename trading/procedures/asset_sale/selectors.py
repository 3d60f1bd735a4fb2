"""What each person may see of an asset sale, and when (DOMAIN.md's secrecy), decided from
what the transaction has reached (the close recorded, milestones), never from lists of
stage names:

* Before the close nobody but a buyer itself learns who registered or how many: not other
  buyers, the public, the seller, or the ledger. The station's clerks see the
  registrations (they qualify them) and so do the supervisors (who see everything).
* From the close on, the qualified buyers and the refusals with their reasons are public
  (the close's ledger entry lists them).
* An auction's bidders are shown by number; who holds a number: the bidder itself, the
  clerks and the supervisors; the buyer that won is public with the deal.
"""

from bidding import selectors_sealed
from bidding.selectors_auctions import auction_state, bidder_of
from trading import clock
from trading.models import Milestone, Role
from trading.selectors import notices_for
from trading.services.milestones import milestone_reached

from .records import BuyerRegistration
from .services.auction import auction_of
from .services.common import bid_round_of, holds, round_of


def viewer_roles(tx, user) -> set[str]:
    """clerk, supervisor, seller (purchaser of the unit), buyer (represents a registered company)."""
    if user is None or not user.is_authenticated:
        return set()
    roles = {role for role in (Role.CLERK, Role.SUPERVISOR) if holds(user, role, tx)}
    if holds(user, Role.PURCHASER, tx):
        roles.add("seller")
    if BuyerRegistration.objects.filter(transaction_id=tx.pk, company__representations__user=user).exists():
        roles.add("buyer")
    return roles


def closed(tx) -> bool:
    return round_of(tx).closed_at is not None


def sale_overview(tx, user):
    """Everything about the asset sale that `user` may see now, for pages and the API."""
    roles = viewer_roles(tx, user)
    staff = bool(roles & {Role.CLERK, Role.SUPERVISOR})
    record = round_of(tx)
    is_closed = record.closed_at is not None
    registrations = BuyerRegistration.objects.filter(sale_round_id=record.pk).select_related("company") \
        if record.pk else BuyerRegistration.objects.none()
    auction = auction_of(tx)
    overview = {
        "roles": roles,
        "staff": staff,
        "record": record if record.pk else None,
        "server_now": clock.now(),
        "time_factor": tx.time_factor,
        "closed": is_closed,
        "registrations": list(registrations) if (staff or is_closed) else None,
        "my_registrations": list(registrations.filter(company__representations__user=user))
        if user is not None and user.is_authenticated else [],
        "qualified_count": record.qualified_count if is_closed else None,
        "bid_round": bid_round_of(tx),
        "bid_round_summary": selectors_sealed.closed_round_summary(bid_round_of(tx)),
        "opening_records": list(selectors_sealed.opening_records(bid_round_of(tx)))
        if selectors_sealed.opening_of(bid_round_of(tx)) else None,
        "auction": auction,
        "auction_state": auction_state(auction) if auction else None,
        "my_bidders": bidder_of(auction, user),
        "bidder_names": {b.number: b.company.name for b in auction.bidders.select_related("company")}
        if auction and staff else None,
        "deal": record if record.pk and record.deal_at and not record.defaulted_at else None,
        "result_published": milestone_reached(tx, Milestone.RESULT_PUBLISHED),
    }
    return overview


__all__ = ["notices_for", "sale_overview", "viewer_roles"]
