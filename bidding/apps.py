"""The bidding app. When it is ready it tells the core what the core must know of it
without importing it: who else sees a transaction (a panel seat, an admission to bid)
and what the public timeline calls its ledger kinds."""

from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from trading import registry

ENTRY_LABELS = {
    "bids.closed": gettext_noop("bids closed"),
    "bids.round_changed": gettext_noop("bid deadline or documents changed"),
    "bids.opened": gettext_noop("quotes opened: opening record"),
    "draw.announced": gettext_noop("random draw announced"),
    "draw.performed": gettext_noop("random draw performed"),
    "draw.revealed": gettext_noop("random draw revealed"),
    "opening_key.created": gettext_noop("opening key made and split among the custodians"),
    "custodian_key.set": gettext_noop("custodian key set"),
    "challenge.filed": gettext_noop("challenge filed"),
    "challenge.answered": gettext_noop("challenge answered"),
    "company.changed": gettext_noop("supplier record changed"),
    "auction.opened": gettext_noop("online auction opened"),
    "auction.bid": gettext_noop("auction bid accepted"),
    "auction.ended": gettext_noop("online auction ended"),
}


def _panel_or_admitted(user):
    """Experts see the transactions whose panel they sit in; bidders those a company they
    represent is admitted to."""
    return Q(panel__user=user) | Q(admissions__company__representations__user=user)


def _bidding_roles(transaction, user) -> set[str]:
    """What bidding adds to the roles a user has towards a transaction."""
    roles = set()
    if transaction.panel.filter(user=user, round=transaction.round).exists():
        roles.add("member")
    if transaction.admissions.filter(company__representations__user=user).exists():
        roles.add("bidder")
    if hasattr(transaction, "contract") and transaction.contract.company.representations.filter(user=user).exists():
        roles.add("contractor")
    return roles


def _participants(transaction):
    """The panel of the current round, the representatives of the companies admitted to it,
    and the custodians of its opening keys."""
    users = {m.user for m in transaction.panel.filter(round=transaction.round).select_related("user")}
    for admission in transaction.admissions.filter(bid_round__procedure_round=transaction.round) \
            .select_related("company"):
        users |= set(admission.company.representatives.all())
    for round_ in transaction.bid_rounds.filter(procedure_round=transaction.round):
        for key in round_.opening_keys.all():
            users |= {share.custodian for share in key.shares.select_related("custodian")}
    return users


class BiddingConfig(AppConfig):
    name = "bidding"
    verbose_name = _("Bidding")

    def ready(self):
        registry.add_visibility(_panel_or_admitted)
        registry.add_viewer_roles(_bidding_roles)
        registry.add_participants(_participants)
        # Imported here: bidding.todos uses the models, not ready when this module is
        # imported (the AppConfig exception of tests/test_architecture.py).
        from .todos import bidding_todos

        registry.add_todo_provider(bidding_todos)
        registry.add_entry_labels(ENTRY_LABELS)
