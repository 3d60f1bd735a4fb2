"""Reads of the bidding domain: a bidder's companies, a station's pools, draws and the
ledger entries that seed them."""

from django.db.models import Prefetch

from ledger import selectors as ledger_selectors
from trading.models import Role

from .models import Company, Conflict, Draw, DrawPurpose, ExpertPoolEntry, SupplierPoolEntry

DRAW_ANNOUNCED = "draw.announced"
DRAW_PERFORMED = "draw.performed"
DRAW_REVEALED = "draw.revealed"


# --- companies ------------------------------------------------------------------------------

def companies_of(user):
    """The companies `user` represents, with the station pools they are in."""
    entries = SupplierPoolEntry.objects.select_related("station").order_by("station__name")
    return (
        Company.objects.filter(representatives=user)
        .prefetch_related(Prefetch("pool_entries", queryset=entries))
        .order_by("name")
    )


def company_by_uscc(uscc: str) -> Company | None:
    return Company.objects.filter(uscc=uscc).first()


def is_bidder(user) -> bool:
    """Holds the bidder role at some station (what registering a company needs)."""
    return user.is_authenticated and user.memberships.filter(role=Role.BIDDER).exists()


# --- pools ----------------------------------------------------------------------------------

def active_supplier_entries(station):
    return SupplierPoolEntry.objects.filter(station=station, active=True).select_related("company")


def active_expert_entries(station):
    """Active entries whose user can still act as an expert there (an account switched
    off, or an expert role taken away, counts as leaving the pool)."""
    return (
        ExpertPoolEntry.objects.filter(
            station=station, active=True, user__is_active=True,
            user__memberships__station=station, user__memberships__role=Role.EXPERT,
        )
        .select_related("user")
        .distinct()
    )


def conflicts_with_unit(station, unit):
    """Numbers of the station's experts who declared a conflict with `unit`."""
    return set(
        Conflict.objects.filter(expert__station=station, unit=unit).values_list("expert__number", flat=True)
    )


def conflicts_with_companies(station, companies):
    """Numbers of the station's experts who declared a conflict with one of `companies`."""
    return set(
        Conflict.objects.filter(expert__station=station, company__in=list(companies))
        .values_list("expert__number", flat=True)
    )


def pool_entries(station, purpose: str, numbers):
    """The pool entries of `station` with these numbers, in the order of `numbers`."""
    model = ExpertPoolEntry if purpose == DrawPurpose.EXPERTS else SupplierPoolEntry
    related = "user" if purpose == DrawPurpose.EXPERTS else "company"
    found = {e.number: e for e in model.objects.filter(station=station, number__in=list(numbers))
             .select_related(related)}
    return [found[n] for n in numbers if n in found]


# --- draws ----------------------------------------------------------------------------------

def draws_waiting():
    """Announced draws without a result yet (the tick looks at these)."""
    return Draw.objects.filter(performed_at__isnull=True).select_related("transaction").order_by("pk")


def draws_of(transaction):
    return Draw.objects.filter(transaction=transaction).order_by("round", "purpose")


def announced_entry_seq(draw) -> int | None:
    """The seq of the draw's `draw.announced` entry, once the sequencer has given it one."""
    before = None
    while True:
        page, more = ledger_selectors.entries_page(
            subject=draw.transaction.code, kind=DRAW_ANNOUNCED, before=before, limit=20
        )
        for entry in page:
            if entry["data"].get("commitment") == draw.commitment:
                return entry["seq"]
        if not more:
            return None
        before = page[-1]["seq"]
