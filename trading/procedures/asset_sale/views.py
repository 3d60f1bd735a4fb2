"""Pages of the asset sale: its panel on a transaction's page (what each role can do at
each stage, as forms), a buyer's registration, the live auction page with its event
stream (server-sent events from an async view) and the bid form, which answers JSON to
the page's script and also works without JavaScript.

Each form POSTs to a view here that calls one service (`run_form`, trading/views/prg.py);
a refusal answers 303 to the form's page, which shows the message naming the rule at the
top and at the field, with what the user typed."""

import asyncio
import json
from datetime import datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bidding import crypto, live
from bidding.models import AuctionOutcome, Company
from bidding.selectors_auctions import auction_by_id, auction_state, auction_version, bidder_of
from bidding.services.auctions import auction_bid
from trading import clock
from trading import selectors as trading_selectors
from trading.errors import DomainError, InvalidInput
from trading.models import Role, User
from trading.text import clean_id
from trading.views import prg
from trading.views.work import visible_or_404

from . import selectors, services
from .records import AssetSaleStage, CompetitionMethod
from .services.auction import auction_of

# The live bid's JSON answer for the page's script (the pages' forms answer 303: prg).
STATUS = {"invalid_input": 400, "not_permitted": 403, "not_found": 404, "stage_conflict": 409,
          "rule_violation": 422}


def panel(request, obj):
    """The asset sale part of a transaction's page: (template, context)."""
    overview = selectors.sale_overview(obj, request.user)
    context = {"sale": overview, "S": AssetSaleStage, "CompetitionMethod": CompetitionMethod,
               "notices": selectors.notices_for(obj, request.user),
               "my_companies": list(request.user.companies.all()) if request.user.is_authenticated else []}
    if Role.CLERK in overview["roles"]:
        context["supervisors"] = User.objects.filter(memberships__role=Role.SUPERVISOR,
                                                     memberships__station=obj.station).distinct().order_by("pk")
        context["unit_purchasers"] = User.objects.filter(memberships__role=Role.PURCHASER,
                                                         memberships__unit=obj.unit).distinct().order_by("pk")
    return "asset_sale/panel.html", context


def public_panel(request, obj):
    """The public page's part: what everyone sees, and for a signed-in bidder during the
    disclosure the registration form."""
    user = request.user
    return "asset_sale/public.html", {
        "sale": selectors.sale_overview(obj, None),
        "can_register": obj.stage == AssetSaleStage.DISCLOSING and user.is_authenticated,
        "my_companies": list(user.companies.all()) if user.is_authenticated else []}


def run_form(request, code, form, call, fields=None):
    """The POST of the panel's form `form`: `call(obj)` calls the service and answers the
    success message; a refusal goes back to the transaction's page (prg)."""
    obj = visible_or_404(request.user, code)
    return prg.run(request, lambda: call(obj), page=reverse("transaction-detail", args=[obj.code]), form=form,
                   fields=fields)


def _date(value, label, field):
    try:
        return datetime.strptime((value or "").strip(), "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(_("%(field)s: give a date like 2026-12-20") % {"field": label}, field=field) from None


def _moment(value, label, field, required=True):
    if not (value or "").strip() and not required:
        return None
    try:
        naive = datetime.strptime((value or "").strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        raise InvalidInput(_("%(field)s: give a date and time like 2026-12-03 09:00") % {"field": label},
                           field=field) from None
    return timezone.make_aware(naive, timezone.get_default_timezone())


def _expected(request):
    return request.POST.get("expected_stage") or None


# The panel's fields whose HTML id is not id_<name>, or which the services name otherwise
# (their translated label, a rule).
FILE = gettext_lazy("file name")
APPRAISAL_FIELDS = {
    "appraiser": prg.Field("id_appraiser", gettext_lazy("appraiser")),
    "appraised_value": prg.Field("id_appraised_value", gettext_lazy("appraised value")),
    "appraised_on": prg.Field("id_appraised_on"),
    "file": prg.Field("id_appraisal_file", FILE),
}
DISCLOSURE_FIELDS = {
    "reason": prg.Field("id_disclosure_reason", gettext_lazy("reason for the change")),
    "listing_price": prg.Field("id_listing_price", gettext_lazy("listing price"), "asset_sale.listing_min"),
    "method": prg.Field("id_method"),
    "reserve_price": prg.Field("id_reserve_price", gettext_lazy("reserve price")),
    "increment": prg.Field("id_increment", gettext_lazy("auction increment")),
    "countdown_minutes": prg.Field("id_countdown_minutes"),
    "deposit": prg.Field("id_deposit", gettext_lazy("deposit")),
    "conditions": prg.Field("id_conditions", gettext_lazy("conditions of the sale")),
    "file": prg.Field("id_disclosure_file", FILE, "asset_sale.relist_approval"),
}
OFFERS_FIELDS = {
    "deadline": prg.Field("id_offers_deadline", "asset_sale.offer_deadline"),
    "supervisor": prg.Field("id_offers_supervisor"),
    "purchaser_rep": prg.Field("id_offers_purchaser_rep"),
}


@login_required
@require_POST
def appraisal(request, code):
    return run_form(request, code, "appraisal", lambda obj: services.asset_record_appraisal(
        code=obj.code, user=request.user, appraiser=request.POST.get("appraiser", ""),
        appraised_value=request.POST.get("appraised_value"),
        appraised_on=_date(request.POST.get("appraised_on"), _("appraisal date"), "appraised_on"),
        upload=request.FILES.get("file"), expected_stage=_expected(request)) and _("Appraisal recorded."),
        APPRAISAL_FIELDS)


def _terms(request):
    return {name: request.POST.get(name, "") for name in
            ("listing_price", "method", "reserve_price", "increment", "countdown_minutes", "deposit", "conditions")}


@login_required
@require_POST
def disclosure(request, code):
    def call(obj):
        if request.POST.get("change") == "yes":
            services.asset_change_disclosure(code=obj.code, user=request.user, reason=request.POST.get("reason", ""),
                                             approval_upload=request.FILES.get("file"),
                                             expected_stage=_expected(request), **_terms(request))
            return _("The change is published; the disclosure period restarts.")
        services.asset_publish_disclosure(code=obj.code, user=request.user, approval_upload=request.FILES.get("file"),
                                          expected_stage=_expected(request), **_terms(request))
        return _("Disclosure notice published; buyers can register until its end.")

    return run_form(request, code, "disclosure", call, DISCLOSURE_FIELDS)


@login_required
@require_POST
def register(request, code):
    """A buyer registers from the transaction's public page (it sees no workspace page of
    it before it has registered) or, registering another company, from its workspace page;
    a refusal comes back to that page."""
    obj = trading_selectors.public_transaction(code)
    if obj is None or obj.type != "asset_sale":
        raise Http404(_("no asset sale %(code)s among the registered ones") % {"code": code})
    try:
        services.buyer_register(code=obj.code, user=request.user, company=request.POST.get("company", ""))
    except DomainError as exc:
        seen = trading_selectors.visible_transaction(request.user, obj.code) is not None
        page = reverse("transaction-detail" if seen else "audit-transaction", args=[obj.code])
        return prg.refuse(request, exc, to=page, form="register",
                          fields={"company": prg.Field("id_register_company", gettext_lazy("buyer"))})
    messages.success(request, _("Registered. The clerk records your deposit and decides on your qualification."))
    return redirect("transaction-detail", code=obj.code)


@login_required
@require_POST
def registration(request, code):
    """The clerk's forms on a registration's row: its deposit, or the decision."""
    if "deposit_amount" in request.POST:
        form = prg.form_name("deposit", request.POST.get("registration"))

        def call(obj):
            services.deposit_record(code=obj.code, user=request.user, registration_id=request.POST.get("registration"),
                                    amount=request.POST.get("deposit_amount"),
                                    paid_on=_date(request.POST.get("deposit_paid_on"), _("deposit date"),
                                                  "deposit_paid_on"))
            return _("Deposit recorded.")

        return run_form(request, code, form, call, {
            "deposit_amount": prg.Field(f"id_{form}_amount", gettext_lazy("deposit")),
            "deposit_paid_on": prg.Field(f"id_{form}_paid_on", "paid_on")})
    form = prg.form_name("decision", request.POST.get("registration"))

    def call(obj):
        decision = request.POST.get("decision")
        if decision not in ("qualify", "refuse"):
            raise InvalidInput(_("say whether the buyer is qualified"))
        services.registration_decide(code=obj.code, user=request.user,
                                     registration_id=request.POST.get("registration"),
                                     qualified=decision == "qualify", reason=request.POST.get("reason", ""))
        return _("Decision recorded.")

    return run_form(request, code, form, call, {"reason": prg.Field(f"id_{form}_reason", gettext_lazy("reason"))})


@login_required
@require_POST
def offers(request, code):
    return run_form(request, code, "offers", lambda obj: services.asset_open_offers(
        code=obj.code, user=request.user, deadline=_moment(request.POST.get("deadline"), _("offer deadline"), "deadline"),
        supervisor=request.POST.get("supervisor"), purchaser_rep=request.POST.get("purchaser_rep"),
        expected_stage=_expected(request)) and _("A round of sealed offers is open."), OFFERS_FIELDS)


@login_required
@require_POST
def start_auction(request, code):
    return run_form(request, code, "auction", lambda obj: services.asset_start_auction(
        code=obj.code, user=request.user,
        starts_at=_moment(request.POST.get("starts_at"), _("start"), "starts_at", required=False),
        expected_stage=_expected(request)) and _("The online auction is open."),
        {"starts_at": prg.Field("id_starts_at", "asset_sale.auction_start")})


@login_required
@require_POST
def payment(request, code):
    return run_form(request, code, "payment", lambda obj: services.asset_record_payment(
        code=obj.code, user=request.user, amount=request.POST.get("amount"),
        paid_on=_date(request.POST.get("paid_on"), _("payment date"), "paid_on"),
        expected_stage=_expected(request)) and _("Payment recorded."),
        {"amount": prg.Field("id_payment_amount", gettext_lazy("amount paid"), "asset_sale.payment_amount")})


@login_required
@require_POST
def transfer(request, code):
    return run_form(request, code, "transfer", lambda obj: services.asset_record_transfer(
        code=obj.code, user=request.user,
        transferred_on=_date(request.POST.get("transferred_on"), _("transfer date"), "transferred_on"),
        upload=request.FILES.get("file"), expected_stage=_expected(request)) and _("Transfer recorded."),
        {"file": prg.Field("id_transfer_file", FILE)})


def confirmation(request, code):
    """The confirmation PDF (public: it holds what the ledger and the notices publish)."""
    obj = trading_selectors.public_transaction(code)
    record = services.common.round_of(obj) if obj is not None and obj.type == "asset_sale" else None
    if record is None or record.confirmation_document is None:
        raise Http404(_("no confirmation of %(code)s yet") % {"code": code})
    response = HttpResponse(record.confirmation_document.file.read(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{obj.code}-r{record.round}-confirmation.pdf"'
    return response


# --- the live auction ------------------------------------------------------------------------

def _auction_or_404(code):
    obj = trading_selectors.public_transaction(code)
    auction = auction_of(obj) if obj is not None and obj.type == "asset_sale" else None
    if auction is None:
        raise Http404(_("no online auction of %(code)s") % {"code": code})
    return obj, auction


AUCTION_STATUS = {"scheduled": gettext_lazy("starts soon"), "running": gettext_lazy("running"),
                  "suspended": gettext_lazy("suspended: the countdown has stopped"),
                  "closing": gettext_lazy("closing"), "ended": gettext_lazy("ended")}


def _minutes_seconds(left) -> str:
    seconds = max(int(left.total_seconds()), 0)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def live_page(request, code):
    """The live auction for everyone: price, increment, countdown, bids by number; a bidder
    also gets its number and the bid form (which works without JavaScript)."""
    obj, auction = _auction_or_404(code)
    mine = bidder_of(auction, request.user)
    overview = selectors.sale_overview(obj, request.user)
    state = auction_state(auction)
    return render(request, "asset_sale/live.html", {
        "obj": obj, "auction": auction, "state": state, "mine": mine,
        "status_label": AUCTION_STATUS[state["status"]],
        "outcome_label": AuctionOutcome(state["outcome"]).label if state["outcome"] else "",
        "outcome_labels": {o.value: o.label for o in AuctionOutcome},
        "time_left": _minutes_seconds(auction.ends_at - clock.now()),
        "bidder_names": overview["bidder_names"], "idempotency_key": crypto.random_token(),
        "names_json": json.dumps({str(k): v for k, v in (overview["bidder_names"] or {}).items()}, ensure_ascii=False),
        "state_json": json.dumps(state), "poll_seconds": settings.LIVE_POLL_SECONDS,
    })


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _bid(request, auction):
    """The bid posted on the live page, for the company of `request.user` admitted to `auction`."""
    mine = {b.company_id: b for b in bidder_of(auction, request.user)}
    company_id = clean_id(request.POST.get("company") or (next(iter(mine)) if len(mine) == 1 else ""),
                          field=_("buyer"))
    if company_id not in mine:
        raise InvalidInput(_("you bid for a company you represent that is admitted to this auction"),
                           field="company")
    return auction_bid(auction=auction, company=Company.objects.get(pk=company_id),
                       amount=request.POST.get("amount"), user=request.user,
                       idempotency_key=request.POST.get("idempotency_key", ""))


def _accepted(bid):
    return _("Bid No. %(seq)d accepted: %(amount)s yuan.") % {"seq": bid.seq, "amount": f"{bid.amount:,.2f}"}


# The live bid form's fields: the amount's id is the script's (static/js/auction.js).
BID_FIELDS = {
    "amount": prg.Field("amount", gettext_lazy("bid"), "auction.increment", "auction.already_leading"),
    "company": prg.Field("id_bid_company", gettext_lazy("buyer")),
    "idempotency_key": prg.Field("form-bid"),
}


@login_required
@require_POST
def live_bid(request, code):
    """A bid from the live page: JSON for the page's script; without JavaScript, the form's
    Post/Redirect/Get (a refusal shown on the live page at the form)."""
    obj, auction = _auction_or_404(code)
    if not _wants_json(request):
        return prg.run(request, lambda: _accepted(_bid(request, auction)), page=live_url(obj), form="bid",
                       fields=BID_FIELDS)
    try:
        bid = _bid(request, auction)
    except DomainError as exc:
        return JsonResponse({"error": {"code": exc.code, "message": exc.message,
                                       "rule": getattr(exc, "rule", None)}}, status=STATUS.get(exc.code, 400))
    return JsonResponse({"seq": bid.seq, "amount": f"{bid.amount:.2f}", "message": _accepted(bid)}, status=201)


def live_state(request, code):
    """The state as JSON: what the page reloads when it has no event stream."""
    _obj, auction = _auction_or_404(code)
    return JsonResponse(auction_state(auction))


async def live_events(request, code):
    """Server-sent events: the auction's state at once and after every change, a comment
    every 15 s to keep proxies from closing the stream, until the auction has ended or
    the stream is LIVE_STREAM_SECONDS old (the browser reconnects by itself)."""
    _obj, auction = await sync_to_async(_auction_or_404)(code)
    if not isinstance(request, ASGIRequest):
        # Served by WSGI (a misrouted proxy, the test server): one event and a reconnect
        # in 2 s, so that a stream never holds a worker thread (docs/deploy.md).
        state = await sync_to_async(_state)(auction.pk)
        return HttpResponse(f"retry: 2000\nid: {state['version']}\nevent: state\ndata: {json.dumps(state)}\n\n",
                            content_type="text/event-stream", headers={"Cache-Control": "no-cache"})
    return StreamingHttpResponse(_events(auction.pk), content_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def _events(auction_id):
    loop = asyncio.get_running_loop()
    stop = loop.time() + settings.LIVE_STREAM_SECONDS
    sent, seen, next_ping = None, None, loop.time() + 15
    async with live.watching(auction_id, auction_version):
        while loop.time() < stop:
            local = live.local_version(auction_id)
            if local != seen:  # this process accepted a bid, or its watcher saw the version change
                seen = local
                state = await sync_to_async(_state)(auction_id)
                if state["version"] != sent:
                    sent = state["version"]
                    yield f"id: {sent}\nevent: state\ndata: {json.dumps(state)}\n\n"
                    if state["status"] == "ended":
                        return
            if loop.time() >= next_ping:
                next_ping = loop.time() + 15
                yield ": keep-alive\n\n"
            await asyncio.sleep(live.WAKE_SECONDS)


def _state(auction_id):
    auction = auction_by_id(auction_id)
    return auction_state(auction) if auction else {"version": None, "status": "ended"}


def live_url(obj):
    return reverse("asset-sale-live", args=[obj.code])
