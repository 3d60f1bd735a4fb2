"""The bidder's pages of the tender: its bid page (register, bid, technical documents,
replace, withdraw, confirm after a change, receipts, a live countdown), its receipts as
signed notes to keep, and its objections. No company identifier is in a path: the company
is a form or query field (the access log records paths). A refused form answers 303 to its
page (trading/views/prg.py); a price is never kept for the page (docs/sealed-bids.md)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from bidding import crypto
from bidding import selectors_sealed as sel
from trading import clock
from trading import selectors as trading_selectors
from trading.errors import InvalidInput
from trading.text import clean_id
from trading.views import prg
from trading.views.work import visible_or_404

from . import selectors
from .records import TenderStage
from .services import awarding, bids, changes, opening
from .views import run_form


@login_required
@require_POST
def object_(request, code):
    """A bidder's objection: to the documents, at the opening or to the candidates, by stage."""
    def call(obj):
        filing = {TenderStage.TENDERING: changes.tender_object_documents,
                  TenderStage.TECHNICAL_OPENED: opening.tender_object_opening,
                  TenderStage.OPENED: opening.tender_object_opening,
                  TenderStage.CANDIDATES_PUBLISHED: awarding.tender_object_candidates}.get(obj.stage)
        if filing is None:
            raise InvalidInput(_("objections are raised while the tender receives bids, at the opening, or while "
                                 "the candidates are publicised"))
        filing(code=obj.code, user=request.user, company=request.POST.get("company", ""),
               text=request.POST.get("text", ""))
        return _("Objection raised. The station answers it; the procedure waits until then.")

    return run_form(request, code, "object", call, {
        "company": prg.Field("id_object_company", gettext_lazy("company"), gettext_lazy("supplier")),
        "text": prg.Field("id_object_text", gettext_lazy("challenge"))})


def _bid_context(request, tx, company):
    bid_round = sel.round_of(tx)
    overview = selectors.tender_overview(tx, request.user)
    now = clock.now()
    remaining = max(0, int((bid_round.deadline - now).total_seconds() * 1000)) if bid_round else None
    live = {}
    if company is not None and bid_round is not None:
        live = {part: sel.own_bid(bid_round, company, request.user, part) for part in bid_round.part_names}
    return {"tx": tx, "tender": overview, "company": company, "bid_round": bid_round, "live": live,
            "current": live.get(bid_round.part_names[-1]) if bid_round else None,
            "any_live": any(live.values()),
            "remaining_ms": remaining, "idempotency_key": crypto.random_token(),
            "history": [b for b in overview["my_bids"] if company is None or b.company_id == company.pk],
            "to_confirm": [b for b in overview["to_confirm"] if company is None or b.company_id == company.pk]}


def _my_company(request, value):
    if value in (None, ""):
        companies = list(request.user.companies.all())
        return companies[0] if len(companies) == 1 else None
    try:
        return request.user.companies.filter(pk=clean_id(value, field=_("company"))).first()
    except InvalidInput:
        return None


def _register(request, tx, company):
    bids.tender_register(code=tx.code, user=request.user, company=company)
    return _("Registered: you have the tender documents and may bid until the deadline.")


def _price(request, tx, company):
    bids.tender_bid_price(code=tx.code, user=request.user, company=company, price=request.POST.get("price", ""),
                          idempotency_key=request.POST.get("idempotency_key", ""))
    return _("Your sealed bid was received. Keep the receipt.")


def _technical(request, tx, company):
    bids.tender_bid_technical(code=tx.code, user=request.user, company=company, upload=request.FILES.get("file"),
                              idempotency_key=request.POST.get("idempotency_key", ""))
    return _("Your technical envelope was received. Keep the receipt.")


def _withdraw(request, tx, company):
    bids.tender_bid_withdraw(code=tx.code, user=request.user, company=company)
    return _("Your bid is withdrawn. Keep the withdrawal receipt.")


def _confirm(request, tx, company):
    bids.tender_bid_confirm(code=tx.code, user=request.user, company=company)
    return _("Your bid is confirmed under the changed documents. Keep the confirmation receipt.")


# The bid page's forms, by their `action`: each is also the form's name (`#form-<action>`).
BID_STEPS = {"register": _register, "price": _price, "technical": _technical, "withdraw": _withdraw,
             "confirm": _confirm}


@login_required
@sensitive_post_parameters("price")
@require_http_methods(["GET", "POST"])
def bid_page(request, code):
    """The bidder's page: register, bid (price; technical documents with two envelopes),
    replace, withdraw, confirm after a change, receipts; a live countdown."""
    tx = trading_selectors.public_transaction(code)
    if tx is None or tx.type != "tender":
        raise Http404(_("no open tender %(code)s among the registered ones") % {"code": code})
    source = request.POST if request.method == "POST" else request.GET
    company = _my_company(request, source.get("company"))
    if request.method == "POST":
        if company is None:
            raise Http404(_("choose a company you represent"))
        action = request.POST.get("action", "")
        step = BID_STEPS.get(action)

        def call():
            if step is None:
                raise InvalidInput(_("choose what to do: register, bid, withdraw or confirm"), field="action")
            return step(request, tx, company)

        form = action if step else "bid"
        hidden = prg.Field(f"form-{form}")  # the form's own inputs, hidden: its anchor
        return prg.run(request, call, page=f"{request.path}?company={company.pk}", form=form, fields={
            "price": prg.Field("id_price", gettext_lazy("price")),
            "file": prg.Field("id_technical_file", gettext_lazy("file name")),
            "company": hidden, "idempotency_key": hidden, "action": hidden})
    return render(request, "tender/bid.html", _bid_context(request, tx, company))


@login_required
def receipt(request, code):
    """A receipt of one of your bids (`?commitment=`, `&kind=` receipt, withdrawal or
    confirmation), as the signed note to keep."""
    tx = visible_or_404(request.user, code)
    commitment = (request.GET.get("commitment") or "").strip().lower()
    bid = next((b for b in sel.own_bids(request.user, tx) if b.commitment == commitment), None)
    kind = request.GET.get("kind", "receipt")
    text = {"receipt": bid.receipt, "withdrawal": bid.withdrawal_receipt,
            "confirmation": bid.confirmation_receipt}.get(kind) if bid else None
    if not text:
        raise Http404(_("no such receipt of a bid of yours"))
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{tx.code}-{commitment[:12]}.txt"'
    return response


