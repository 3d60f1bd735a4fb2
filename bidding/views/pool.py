"""The clerk's page of the station's supplier pool (供应商库): the entries with their public
numbers, a form to add a registered company, and per entry a switch on or off, each with
the reason, which the ledger publishes (`company.changed`). Only the station's clerks keep
it; anyone else gets a 403 that says so.

A form POSTs to one service; success redirects back (Post/Redirect/Get) with a message; a
refusal re-renders the page with the error at the top and beside its field."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trading.errors import DomainError
from trading.models import Role, Station
from trading.text import clean_id

from ..models import Company, SupplierPoolEntry
from ..services.companies import supplier_pool_enter, supplier_pool_switch

STATUS = {"invalid_input": 400, "not_permitted": 403, "not_found": 404, "rule_violation": 422}


def _clerk_stations(user):
    return Station.objects.filter(memberships__user=user, memberships__role=Role.CLERK).distinct().order_by("code")


def _station_or_403(request, code=None):
    """The station whose pool the clerk keeps: the one named (?station=<code>), else its first."""
    stations = list(_clerk_stations(request.user))
    if not stations:
        raise PermissionDenied(_("The supplier pool is kept by the station's clerks."))
    if code in (None, ""):
        return stations[0], stations
    station = next((s for s in stations if s.code == code), None)
    if station is None:
        raise PermissionDenied(_("The supplier pool of a station is kept by its own clerks."))
    return station, stations


def _page(request, station, stations, *, status=200, **extra):
    entries = SupplierPoolEntry.objects.filter(station=station).select_related("company").order_by("number")
    return render(request, "clerk/supplier_pool.html", {
        "station": station,
        "stations": stations,
        "entries": entries,
        "companies": Company.objects.exclude(pool_entries__station=station).order_by("name"),
        "posted": request.POST if request.method == "POST" else {},
        **extra,
    }, status=status)


def _back(station):
    return redirect(f"{reverse('supplier-pool')}?station={station.code}")


@login_required
def pool_page(request):
    station, stations = _station_or_403(request, request.GET.get("station"))
    return _page(request, station, stations)


@login_required
@require_POST
def pool_add(request):
    station, stations = _station_or_403(request, request.POST.get("station"))
    try:
        company = Company.objects.filter(pk=clean_id(request.POST.get("company"), field=_("supplier"))).first()
        if company is None:
            raise Http404(_("no such supplier"))
        entry = supplier_pool_enter(station=station, company=company, user=request.user,
                                    categories=request.POST.get("categories", ""), reason=request.POST.get("reason", ""))
    except DomainError as exc:
        return _page(request, station, stations, status=STATUS.get(exc.code, 400), error=exc.message,
                     error_form="add", error_field=exc.details.get("field"))
    messages.success(request, _("%(company)s is in the supplier pool as %(number)s; the change is ledgered.")
                     % {"company": entry.company.name, "number": entry.number})
    return _back(station)


@login_required
@require_POST
def pool_switch(request, pk):
    station, stations = _station_or_403(request, request.POST.get("station"))
    entry = SupplierPoolEntry.objects.filter(pk=pk, station=station).select_related("company", "station").first()
    if entry is None:
        raise Http404(_("no such entry in the supplier pool of %(station)s") % {"station": station})
    active = request.POST.get("active") == "on"
    try:
        entry = supplier_pool_switch(entry=entry, active=active, user=request.user, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        return _page(request, station, stations, status=STATUS.get(exc.code, 400), error=exc.message,
                     error_entry=entry.pk, error_field=exc.details.get("field"))
    messages.success(request, (_("%(number)s %(company)s is switched on: it can be drawn and invited again.")
                               if entry.active else
                               _("%(number)s %(company)s is switched off: it is no longer drawn or invited."))
                     % {"number": entry.number, "company": entry.company.name})
    return _back(station)


urlpatterns = [
    path("pool/", pool_page, name="supplier-pool"),
    path("pool/add/", pool_add, name="supplier-pool-add"),
    path("pool/<int:pk>/switch/", pool_switch, name="supplier-pool-switch"),
]
