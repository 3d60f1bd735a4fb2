"""Pages of sealed quotes: a custodian's key, a bidder's invitations, its quote page with a
live countdown and its receipt, the custodians' opening page, the public opening record.

Every action is a form POST that calls one service (works without JavaScript); what each
page may show is decided by bidding.selectors_sealed (nothing about who quoted, or how
many, before the deadline). Passphrases and prices are marked sensitive: Django's error
reports never include them.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from trading import clock
from trading import selectors as trading_selectors
from trading.errors import DomainError, InvalidInput, NotFound
from trading.models import Role

from .. import crypto
from .. import selectors_sealed as sel
from ..services.sealed import custodian_key_set, quote_seal_for_web, reason_label

STATUS = {"invalid_input": 400, "not_permitted": 403, "not_found": 404, "stage_conflict": 409,
          "rule_violation": 422}


def _public_or_404(code):
    tx = trading_selectors.public_transaction(code)
    if tx is None:
        raise Http404(_("no transaction %(code)s among the registered ones") % {"code": code})
    return tx


def _fingerprint(public_key) -> str:
    return crypto.commitment(bytes(public_key))[:16]


# --- a custodian's key -------------------------------------------------------------------------

@login_required
@sensitive_post_parameters("passphrase", "confirm")
@require_http_methods(["GET", "POST"])
def custodian_key(request):
    user = request.user
    roles = sel.custodian_roles_of(user)
    error, status = None, 200
    if request.method == "POST":
        passphrase, confirm = request.POST.get("passphrase", ""), request.POST.get("confirm", "")
        if not roles:
            error, status = _("custodian keys are held by clerks, supervisors and purchasers' representatives"), 403
        elif passphrase != confirm:
            error, status = _("the two passphrases differ: type the same passphrase twice"), 400
        else:
            try:
                custodian_key_set(user=user, passphrase=passphrase)
            except DomainError as exc:
                error, status = exc.message, STATUS.get(exc.code, 400)
            else:
                messages.success(request, _("Your custodian key is set. Keep your passphrase: nobody can recover it."))
                return redirect("custodian-key")
    key = sel.custodian_key_of(user)
    return render(request, "custodian/key.html", {
        "roles": roles,
        "key": key,
        "fingerprint": _fingerprint(key.public_key) if key else None,
        "pending": sel.shares_still_needed(user) if key else [],
        "min_length": crypto.MIN_PASSPHRASE,
        "error": error,
    }, status=status if roles else 403)


# --- a bidder's invitations, quote and receipt ---------------------------------------------------

@login_required
def quote_list(request):
    rows = []
    for invitation in sel.invitations_of(request.user):
        tx = invitation.transaction.as_procedure()
        rows.append({
            "invitation": invitation,
            "transaction": tx,
            "deadline": sel.quote_deadline_of(tx),
            "open": sel.quoting_open(tx),
            "quote": sel.own_quote(tx, invitation.company),
        })
    return render(request, "bidder/quote_list.html", {"rows": rows})


def _invited(request, code, uscc):
    tx = _public_or_404(code)
    invitation = sel.invitation_for(request.user, tx, uscc)
    if invitation is None:
        raise Http404(_("no invitation of a supplier you represent to %(code)s") % {"code": code})
    return tx, invitation.company


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


def _quote_context(request, tx, company, **extra):
    deadline = sel.quote_deadline_of(tx)
    now = clock.now()
    remaining_ms = None
    if deadline is not None:
        # Real time left (a sandbox transaction's procedure time runs faster).
        remaining_ms = max(0, int((clock.real_time_of(tx, deadline) - now).total_seconds() * 1000))
    quote = sel.own_quote(tx, company)
    return {
        "tx": tx,
        "remaining_text": _remaining_text(remaining_ms),
        "company": company,
        "deadline": deadline,
        "server_now": clock.procedure_now(tx),
        "remaining_ms": remaining_ms,
        "open": sel.quoting_open(tx),
        "quote": quote,
        "opening_key": sel.opening_key_of(tx),
        "idempotency_key": crypto.random_token(),
        **extra,
    }


@login_required
@sensitive_post_parameters("price")
@require_http_methods(["GET", "POST"])
def quote_page(request, code, uscc):
    tx, company = _invited(request, code, uscc)
    if request.method == "POST":
        price = request.POST.get("price", "")
        idempotency_key = request.POST.get("idempotency_key", "")
        try:
            if request.POST.get("understood") != "yes":
                raise InvalidInput(_("confirm that you understand that a quote cannot be changed"),
                                   field="understood")
            quote_seal_for_web(transaction=tx, company=company, price=price, user=request.user,
                               idempotency_key=idempotency_key)
        except NotFound as exc:
            raise Http404(exc.message) from None
        except DomainError as exc:
            context = _quote_context(request, tx, company, error=exc.message, price=price)
            context["idempotency_key"] = idempotency_key or context["idempotency_key"]
            return render(request, "bidder/quote_form.html", context, status=STATUS.get(exc.code, 400))
        messages.success(request, _("Your sealed quote was received. Keep the receipt: it is the station's "
                                    "signed promise to list your quote when the quotes close."))
        return redirect("sealed-receipt", code=tx.code, uscc=company.uscc)
    return render(request, "bidder/quote_form.html", _quote_context(request, tx, company))


@login_required
def receipt_page(request, code, uscc):
    tx, company = _invited(request, code, uscc)
    quote = sel.own_quote(tx, company)
    if quote is None:
        raise Http404(_("no quote of %(company)s in %(code)s yet") % {"company": company.name, "code": code})
    return render(request, "bidder/quote_receipt.html", {"tx": tx, "company": company, "quote": quote})


@login_required
def receipt_download(request, code, uscc):
    tx, company = _invited(request, code, uscc)
    quote = sel.own_quote(tx, company)
    if quote is None:
        raise Http404(_("no quote of %(company)s in %(code)s yet") % {"company": company.name, "code": code})
    response = HttpResponse(quote.receipt, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="receipt-{tx.code}-r{quote.round}-{company.uscc}.txt"'
    return response


# --- the opening ----------------------------------------------------------------------------------

def _clerk_transaction_or_404(user, code):
    tx = trading_selectors.visible_transaction(user, code)
    if tx is None or not user.memberships.filter(role=Role.CLERK, station_id=tx.station_id).exists():
        raise Http404(_("the opening page of %(code)s is the station clerks'") % {"code": code})
    return tx


def _opening_context(tx, **extra):
    key = sel.opening_key_of(tx)
    return {
        "tx": tx,
        "deadline": sel.quote_deadline_of(tx),
        "closed": sel.closed_round_summary(tx),
        "opening_key": key,
        "shares": list(key.shares.select_related("custodian").order_by("index")) if key else [],
        "opened": sel.opening_of(tx),
        "can_open": tx.stage == "quotes_closed" and key is not None and sel.opening_of(tx) is None,
        **extra,
    }


@login_required
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def opening_page(request, code):
    """The clerk starts the opening; k custodians type their passphrases in one form."""
    from trading.services.inquiry import inquiry_open_quotes

    tx = _clerk_transaction_or_404(request.user, code)
    if request.method == "POST":
        context = _opening_context(tx)
        allowed = {share.custodian_id: share.custodian for share in context["shares"]}
        secrets = []
        for share_user_id, user in allowed.items():
            passphrase = request.POST.get(f"passphrase_{share_user_id}", "")
            if passphrase:
                secrets.append((user, passphrase))
        try:
            inquiry_open_quotes(code=tx.code, user=request.user, secrets=secrets,
                                expected_stage=request.POST.get("expected_stage") or None)
        except NotFound as exc:
            raise Http404(exc.message) from None
        except DomainError as exc:
            tx = _clerk_transaction_or_404(request.user, code)
            return render(request, "clerk/opening.html", _opening_context(tx, error=exc.message),
                          status=STATUS.get(exc.code, 400))
        messages.success(request, _("The quotes are opened; the opening record is published and ledgered."))
        return redirect("sealed-opening-record", code=tx.code)
    return render(request, "clerk/opening.html", _opening_context(tx))


def opening_record(request, code):
    """Public, no login: the opening record of every opened round; before that, only what
    the ledger publishes at the deadline (the count and the commitments)."""
    tx = _public_or_404(code)
    openings = sel.openings_of(tx)
    for opening in openings:
        for record in opening.record_list:
            record.reason_text = reason_label(record.reason) if record.reason else ""
    return render(request, "public/opening.html", {
        "tx": tx,
        "deadline": sel.quote_deadline_of(tx),
        "closed": sel.closed_round_summary(tx),
        "openings": openings,
        "current_opened": any(opening.round == tx.round for opening in openings),
    })


urlpatterns = [
    path("custodian/key/", custodian_key, name="custodian-key"),
    path("quotes/", quote_list, name="sealed-quotes"),
    path("quotes/<str:code>/<str:uscc>/", quote_page, name="sealed-quote"),
    path("quotes/<str:code>/<str:uscc>/receipt/", receipt_page, name="sealed-receipt"),
    path("quotes/<str:code>/<str:uscc>/receipt.txt", receipt_download, name="sealed-receipt-download"),
    path("opening/<str:code>/", opening_page, name="sealed-opening"),
    path("openings/<str:code>/", opening_record, name="sealed-opening-record"),
]
