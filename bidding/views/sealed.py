"""Pages of sealed offers: a custodian's key and its share bundles, a bidder's admissions,
its offer page with a live countdown and its receipt, the custodians' opening page, the
public opening record.

Every action is a form POST that calls one service (works without JavaScript); a refusal
answers 303 to the form's page, which shows it once (trading/views/prg.py: passphrases,
shares and prices are never kept for it). What each page may show is decided by
bidding.selectors_sealed (nothing about who bid, or how many, before the round closes). No company identifier appears in these pages' paths: the
company is a form or query field, which the access log does not record. The opening is
the procedure's move marked `opens_bids`, reached through the registry. Passphrases,
shares and prices are marked sensitive: Django's error reports never include them.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from trading import clock
from trading import selectors as trading_selectors
from trading.errors import DomainError, InvalidInput, NotFound, NotPermitted
from trading.models import Role, User
from trading.services.accounts import client_address, login_authenticate
from trading.services.transitions import transaction_transition
from trading.text import clean_id
from trading.views import prg

from .. import crypto
from .. import selectors_sealed as sel
from ..services.bids import bid_seal_for_web
from ..services.custodians import custodian_key_set, share_bundle
from ..services.openings import parse_share, reason_label, shares_verify

STATUS = {"invalid_input": 400, "not_permitted": 403, "not_found": 404, "stage_conflict": 409,
          "rule_violation": 422}


def _public_or_404(code):
    tx = trading_selectors.public_transaction(code)
    if tx is None:
        raise Http404(_("no transaction %(code)s among the registered ones") % {"code": code})
    return tx


def _fingerprint(public_key) -> str:
    return crypto.commitment(bytes(public_key))[:16]


def opening_move(tx):
    """The procedure's move that opens the bids from its current stage (`opens_bids`)."""
    return trading_selectors.transition_marked(tx, "opens_bids")


# --- a custodian's key -------------------------------------------------------------------------

@login_required
@sensitive_post_parameters("passphrase", "confirm", "password")
@require_http_methods(["GET", "POST"])
def custodian_key(request):
    user = request.user
    roles = sel.custodian_roles_of(user)
    if request.method == "POST":
        passphrase, confirm = request.POST.get("passphrase", ""), request.POST.get("confirm", "")
        try:
            if not roles:
                raise NotPermitted(_("custodian keys are held by clerks, supervisors and purchasers' representatives"))
            if passphrase != confirm:
                raise InvalidInput(_("the two passphrases differ: type the same passphrase twice"), field="confirm")
            custodian_key_set(user=user, passphrase=passphrase, password=request.POST.get("password") or None)
        except DomainError as exc:
            return prg.refuse(request, exc, to=reverse("custodian-key"), form="custodian_key")
        messages.success(request, _("Your custodian key is set. Keep your passphrase: nobody can recover it."))
        return redirect("custodian-key")
    key = sel.custodian_key_of(user)
    return render(request, "custodian/key.html", {
        "roles": roles,
        "key": key,
        "fingerprint": _fingerprint(key.public_key) if key else None,
        "pending": sel.shares_still_needed(user) if key else [],
        "min_length": crypto.MIN_PASSPHRASE,
    }, status=200 if roles else 403)


@login_required
def custodian_bundle(request, code):
    """The signed-in custodian's share bundle of the round (JSON file), for the offline
    tool `python -m bidding.custodian open-share`. Once the round is closed."""
    tx = _public_or_404(code)
    bid_round = sel.round_of(tx)
    part = sel.next_part_to_open(bid_round) or (bid_round.part_names[0] if bid_round else "offer")
    share = sel.share_of(request.user, bid_round, part)
    if share is None:
        raise Http404(_("you hold no share of the opening key of %(code)s") % {"code": code})
    if not sel.round_closed(bid_round):
        raise Http404(_("your share is given out once the quotes are closed"))
    response = HttpResponse(json.dumps(share_bundle(share), indent=1), content_type="application/json")
    suffix = "" if part == "offer" else f"-{part}"
    response["Content-Disposition"] = f'attachment; filename="share-{tx.code}-r{bid_round.seq}{suffix}.json"'
    return response


# --- a bidder's admissions, offer and receipt ----------------------------------------------------

@login_required
def quote_list(request):
    rows = []
    for admission in sel.admissions_of(request.user):
        tx = admission.transaction.as_procedure()
        bid_round = admission.bid_round
        rows.append({
            "admission": admission,
            "transaction": tx,
            "deadline": bid_round.deadline,
            "open": sel.round_accepting(bid_round),
            "quote": sel.own_bid(bid_round, admission.company, request.user),
        })
    return render(request, "bidder/quote_list.html", {"rows": rows})


def _admitted(request, code, company_id):
    """(transaction, round, company, all admissions of the user's companies): the company
    chosen by its record number (a query or form field), else the only one admitted."""
    tx = _public_or_404(code)
    bid_round = sel.round_of(tx)
    admissions = list(sel.admissions_for(request.user, tx, bid_round))
    if not admissions:
        raise Http404(_("no invitation of a supplier you represent to %(code)s") % {"code": code})
    if company_id in (None, ""):
        if len(admissions) > 1:
            return tx, bid_round, None, admissions
        return tx, bid_round, admissions[0].company, admissions
    try:
        pk = clean_id(company_id, field=_("supplier"))
    except InvalidInput:
        raise Http404(_("no such supplier")) from None
    chosen = next((a.company for a in admissions if a.company_id == pk), None)
    if chosen is None:
        raise Http404(_("no invitation of a supplier you represent to %(code)s") % {"code": code})
    return tx, bid_round, chosen, admissions


def _remaining_text(ms) -> str:
    """What the countdown shows without JavaScript: "2 d 03:04:05"."""
    if ms is None:
        return ""
    if ms <= 0:
        return _("the deadline has passed")
    seconds = ms // 1000
    days, rest = divmod(seconds, 86400)
    clock_text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days} {_('days')} {clock_text}" if days else clock_text


def _quote_context(request, tx, bid_round, company, admissions, **extra):
    now = clock.now()
    remaining_ms = max(0, int((bid_round.deadline - now).total_seconds() * 1000)) if bid_round else None
    return {
        "tx": tx,
        "bid_round": bid_round,
        "admissions": admissions,
        "remaining_text": _remaining_text(remaining_ms),
        "company": company,
        "deadline": bid_round.deadline if bid_round else None,
        "server_now": now,
        "remaining_ms": remaining_ms,
        "open": sel.round_accepting(bid_round),
        "quote": sel.own_bid(bid_round, company, request.user) if company else None,
        "opening_key": sel.opening_key_of(bid_round),
        "idempotency_key": crypto.random_token(),
        "documents": trading_selectors.public_documents(tx),
        **extra,
    }


# The price is never kept for the page after a refusal (prg.NEVER_KEPT): it is typed again.
QUOTE_FIELDS = {"price": prg.Field("id_price", gettext_lazy("price")), "understood": prg.Field("id_understood")}


@login_required
@sensitive_post_parameters("price")
@require_http_methods(["GET", "POST"])
def quote_page(request, code):
    company_id = request.POST.get("company") if request.method == "POST" else request.GET.get("company")
    tx, bid_round, company, admissions = _admitted(request, code, company_id)
    if request.method == "POST" and company is not None:
        try:
            if request.POST.get("understood") != "yes":
                raise InvalidInput(_("confirm that you understand that a quote cannot be changed"),
                                   field="understood")
            bid_seal_for_web(bid_round=bid_round, company=company, price=request.POST.get("price", ""),
                             user=request.user, idempotency_key=request.POST.get("idempotency_key", ""))
        except NotFound as exc:
            raise Http404(exc.message) from None
        except DomainError as exc:
            return prg.refuse(request, exc, to=f"{reverse('sealed-quote', args=[tx.code])}?company={company.pk}",
                              form="quote", fields=QUOTE_FIELDS)
        messages.success(request, _("Your sealed quote was received. Keep the receipt: it is the station's "
                                    "signed promise to list your quote when the quotes close."))
        return redirect(f"{reverse('sealed-receipt', args=[tx.code])}?company={company.pk}")
    return render(request, "bidder/quote_form.html", _quote_context(request, tx, bid_round, company, admissions))


def _own_quote_or_404(request, code):
    tx, bid_round, company, _admissions = _admitted(request, code, request.GET.get("company"))
    quote = sel.own_bid(bid_round, company, request.user) if company else None
    if quote is None:
        raise Http404(_("no quote of a supplier you represent in %(code)s yet") % {"code": code})
    return tx, company, quote


@login_required
def receipt_page(request, code):
    tx, company, quote = _own_quote_or_404(request, code)
    return render(request, "bidder/quote_receipt.html", {"tx": tx, "company": company, "quote": quote})


@login_required
def receipt_download(request, code):
    tx, company, quote = _own_quote_or_404(request, code)
    response = HttpResponse(quote.receipt, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="receipt-{tx.code}-r{quote.bid_round.seq}.txt"'
    return response


# --- the opening ----------------------------------------------------------------------------------

def _clerk_transaction_or_404(user, code):
    tx = trading_selectors.visible_transaction(user, code)
    if tx is None or not user.memberships.filter(role=Role.CLERK, station_id=tx.station_id).exists():
        raise Http404(_("the opening page of %(code)s is the station clerks'") % {"code": code})
    return tx


def _part(bid_round) -> str:
    """The part the opening opens next (the last one once every part is opened)."""
    if bid_round is None:
        return "offer"
    return sel.next_part_to_open(bid_round) or bid_round.part_names[-1]


def _opening_context(tx, **extra):
    bid_round = sel.round_of(tx)
    part = _part(bid_round)
    key = sel.opening_key_of(bid_round, part)
    move = opening_move(tx)
    return {
        "tx": tx,
        "bid_round": bid_round,
        "part": part,
        "deadline": bid_round.deadline if bid_round else None,
        "closed": sel.closed_round_summary(bid_round),
        "opening_key": key,
        "shares": list(key.shares.select_related("custodian").order_by("index")) if key else [],
        "opened": sel.opening_of(bid_round, part),
        "can_open": move is not None and key is not None and sel.opening_of(bid_round, part) is None,
        **extra,
    }


def _posted_shares(request, shares) -> list:
    """[(custodian, share bytes)] of the custodians whose share was typed or computed."""
    posted = []
    for share in shares:
        value = request.POST.get(f"share_{share.custodian_id}", "").strip()
        if value:
            posted.append((share.custodian, parse_share(value)))
    return posted


@login_required
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def opening_page(request, code):
    """The clerk starts the opening; k custodians present their shares of this round's
    opening key, each decrypted on this device from its own passphrase (the page's script)
    or with the offline tool."""
    tx = _clerk_transaction_or_404(request.user, code)
    if request.method == "POST":
        context = _opening_context(tx)
        move = opening_move(tx)
        try:
            if move is None:
                raise InvalidInput(_("%(code)s is at stage “%(stage)s”: quotes are opened after they are closed")
                                   % {"code": tx.code, "stage": tx.stage_label()})
            shares = _posted_shares(request, context["shares"])
            shares_verify(bid_round=context["bid_round"], shares=shares, part=context["part"])
            transaction_transition(code=tx.code, action=move.name, user=request.user, shares=shares,
                                   expected_stage=request.POST.get("expected_stage") or None)
        except NotFound as exc:
            raise Http404(exc.message) from None
        except DomainError as exc:
            return prg.refuse(request, exc, to=reverse("sealed-opening", args=[tx.code]), form="opening")
        messages.success(request, _("The quotes are opened; the opening record is published and ledgered."))
        return redirect("sealed-opening-record", code=tx.code)
    return render(request, "clerk/opening.html", _opening_context(tx))


@login_required
@sensitive_post_parameters("password")
@require_POST
def opening_bundle(request, code):
    """For the opening page's script: a custodian present at the opening signs in with its
    own login password (on the clerk's device) and receives its share bundle, which the
    script decrypts with the custodian's passphrase, on this device. Login failures count
    as for any login."""
    tx = _clerk_transaction_or_404(request.user, code)
    bid_round = sel.round_of(tx)
    try:
        custodian = User.objects.filter(pk=clean_id(request.POST.get("custodian"), field=_("custodian"))).first()
        if custodian is None:
            raise InvalidInput(_("no such custodian"), field="custodian")
        login_authenticate(request=request, username=custodian.get_username(),
                           password=request.POST.get("password", ""), address=client_address(request))
        share = sel.share_of(custodian, bid_round, _part(bid_round))
        if share is None:
            raise NotPermitted(_("%(name)s holds no share of this opening key") % {"name": custodian.ledger_name()})
        if not sel.round_closed(bid_round) or opening_move(tx) is None:
            raise InvalidInput(_("shares are given out at the opening, once the quotes are closed"))
    except DomainError as exc:
        return JsonResponse({"error": {"code": exc.code, "message": exc.message}}, status=STATUS.get(exc.code, 400))
    return JsonResponse(share_bundle(share))


def opening_record(request, code):
    """Public, no login: the opening record of every opened round; before that, only what
    the ledger publishes at the deadline (the count and the commitments)."""
    tx = _public_or_404(code)
    bid_round = sel.round_of(tx)
    openings = sel.openings_of(tx)
    for opening in openings:
        for record in opening.record_list:
            record.reason_text = reason_label(record.reason) if record.reason else ""
    return render(request, "public/opening.html", {
        "tx": tx,
        "deadline": bid_round.deadline if bid_round else None,
        "closed": sel.closed_round_summary(bid_round),
        "openings": openings,
        "current_opened": any(opening.bid_round_id == getattr(bid_round, "pk", None) for opening in openings),
    })


urlpatterns = [
    path("custodian/key/", custodian_key, name="custodian-key"),
    path("custodian/bundle/<str:code>/", custodian_bundle, name="custodian-bundle"),
    path("quotes/", quote_list, name="sealed-quotes"),
    path("quotes/<str:code>/", quote_page, name="sealed-quote"),
    path("quotes/<str:code>/receipt/", receipt_page, name="sealed-receipt"),
    path("quotes/<str:code>/receipt.txt", receipt_download, name="sealed-receipt-download"),
    path("opening/<str:code>/", opening_page, name="sealed-opening"),
    path("opening/<str:code>/bundle/", opening_bundle, name="sealed-opening-bundle"),
    path("openings/<str:code>/", opening_record, name="sealed-opening-record"),
]
