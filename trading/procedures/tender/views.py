"""Pages of the tender: its panel on a transaction's page (what each role can do at each
stage, as forms), the scoring table (printable, CSV), the public panel, and the downloads
of the tender documents (public once the notice is out) and of the technical documents
(the committee's, after the technical opening). The bidder's pages: views_bidder.py.

Each form POSTs to a view here that calls one service; a refusal re-renders the page with
the message naming the rule and what the user typed. No company identifier is in a path
(the access log records paths): the company is a form or query field."""

import csv
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bidding.models import DrawPurpose
from trading import selectors as trading_selectors
from trading.errors import DomainError, InvalidInput, NotFound
from trading.models import Role
from trading.views.work import detail_context, visible_or_404

from . import selectors
from .records import SecurityMethod, TenderStage
from .services import after_result, awarding, changes, committee, evaluation, notice
from .services.changes import objection_until
from .services.opening import opening_objection_until

STATUS = {"stage_conflict": 409, "not_permitted": 403, "rule_violation": 422, "not_found": 404}


def panel(request, obj):
    """The tender part of a transaction's page: (template, context)."""
    overview = selectors.tender_overview(obj, request.user)
    roles = overview["roles"]
    context = {"tender": overview, "TenderStage": TenderStage, "security_methods": SecurityMethod.choices}
    if Role.CLERK in roles and obj.stage in ("registered", TenderStage.BIDS_CLOSED):
        context.update(selectors.clerk_choices(obj, request.user))
        context["expert_draw"] = next((d for d in overview["draws"] if d.purpose == DrawPurpose.EXPERTS), None)
    if overview["evaluation_visible"]:
        context["table"] = selectors.scoring_table(obj)
        if "member" in roles:
            me = next((m for m in context["table"]["members"] if m.user_id == request.user.pk), None)
            context["my_member"] = me
            context["my_cells"] = {row["bid"].pk: next(c for c in row["cells"] if c["member"].pk == me.pk)
                                   for row in context["table"]["rows"]} if me else {}
            if obj.stage == TenderStage.TECHNICAL_OPENED and me:
                _members, technical = evaluation.verdicts(obj, part="technical")
                context["technical_rows"] = [(row, dict((m.pk, v) for m, v in row["votes"]).get(me.pk))
                                             for row in technical]
    if obj.stage == TenderStage.TENDERING and overview["bid_round"] is not None:
        context["objection_until"] = objection_until(obj)
    if obj.stage in (TenderStage.TECHNICAL_OPENED, TenderStage.OPENED):
        context["objection_until"] = opening_objection_until(obj)
    context["notices"] = selectors.notices_for(obj, request.user)
    context["my_companies"] = list(request.user.companies.all()) if request.user.is_authenticated else []
    return "tender/panel.html", context


def public_panel(request, obj):
    """What the public page of the transaction shows of the tender."""
    return "tender/public.html", {"tender": selectors.tender_overview(obj, None), "tender_tx": obj}


def _back(request, obj, **extra):
    status = extra.pop("status", 400)
    return render(request, "work/transaction_detail.html", detail_context(request, obj, **extra), status=status)


def run_step(request, code, form_name, call):
    obj = visible_or_404(request.user, code)
    try:
        result = call(obj)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        return _back(request, obj, procedure_error=exc.message, procedure_form=form_name, posted=request.POST,
                     status=STATUS.get(exc.code, 400))
    messages.success(request, result if isinstance(result, str) else _("Done."))
    return redirect("transaction-detail", code=code)


def _date(value, field):
    try:
        return datetime.strptime((value or "").strip(), "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(_("%(field)s: give a date like 2026-12-20") % {"field": field}) from None


def _moment(value, field):
    try:
        naive = datetime.strptime((value or "").strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        raise InvalidInput(_("%(field)s: give a date and time like 2026-12-03 09:00") % {"field": field}) from None
    return timezone.make_aware(naive, timezone.get_default_timezone())


def _expected(request):
    return request.POST.get("expected_stage") or None


# --- the clerk ----------------------------------------------------------------------------------

@login_required
@require_POST
def issue_notice(request, code):
    def call(obj):
        method = request.POST.get("method", "")
        notice.tender_issue_notice(
            code=obj.code, user=request.user, deadline=_moment(request.POST.get("deadline"), _("bid deadline")),
            documents_until=_moment(request.POST.get("documents_until"), _("documents available until")),
            method=method, qualifications=request.POST.get("qualifications", ""),
            weights={c: request.POST.get(f"weight_{c}", "") for c in ("price", "technical", "commercial")}
            if method == "scoring" else None,
            max_price=request.POST.get("max_price") or None, security_amount=request.POST.get("security") or None,
            two_envelopes=request.POST.get("two_envelopes") == "yes",
            supervisor=request.POST.get("supervisor") or None, purchaser_rep=request.POST.get("purchaser_rep") or None,
            expected_stage=_expected(request))
        return _("Tender notice issued; bidders may register and bid until the deadline.")

    return run_step(request, code, "notice", call)


@login_required
@require_POST
def clarify(request, code):
    return run_step(request, code, "clarify", lambda obj: changes.tender_clarify(
        code=obj.code, user=request.user, text=request.POST.get("text", "")) and _(
        "Clarification published and sent to every registered bidder."))


@login_required
@require_POST
def draw(request, code):
    return run_step(request, code, "draw", lambda obj: committee.tender_announce_expert_draw(
        code=obj.code, user=request.user, count=request.POST.get("count")) and _(
        "Draw announced: it is performed with the next signed checkpoint, within seconds."))


@login_required
@require_POST
def form_committee(request, code):
    return run_step(request, code, "committee", lambda obj: committee.tender_form_committee(
        code=obj.code, user=request.user, purchaser_reps=request.POST.getlist("purchaser_reps"),
        expected_stage=_expected(request)) and _("Evaluation committee formed."))


@login_required
@require_POST
def answer(request, code):
    return run_step(request, code, "answer", lambda obj: changes.tender_answer_objection(
        code=obj.code, user=request.user, challenge_id=request.POST.get("challenge"),
        answer=request.POST.get("answer", "")) and _("Answer recorded and published."))


@login_required
@require_POST
def security(request, code):
    def call(obj):
        if request.POST.get("refund") == "yes":
            after_result.tender_refund_security(code=obj.code, user=request.user, company=request.POST.get("company"),
                                                refunded_on=_date(request.POST.get("date"), _("refund date")))
            return _("Refund recorded.")
        after_result.tender_record_security(code=obj.code, user=request.user, company=request.POST.get("company"),
                                            amount=request.POST.get("amount"), method=request.POST.get("method", ""),
                                            received_on=_date(request.POST.get("date"), _("date received")))
        return _("Bid security recorded.")

    return run_step(request, code, "security", call)


# --- the committee -------------------------------------------------------------------------------

@login_required
@require_POST
def assess(request, code):
    def call(obj):
        verdict = request.POST.get("responsive")
        if verdict not in ("yes", "no"):
            raise InvalidInput(_("say whether the bid is acceptable"))
        evaluation.tender_assess(code=obj.code, user=request.user, commitment=request.POST.get("commitment", ""),
                                 responsive=verdict == "yes", reason=request.POST.get("reason", ""))
        for criterion in ("technical", "commercial"):
            if request.POST.get(criterion, "") != "":
                evaluation.tender_score(code=obj.code, user=request.user, criterion=criterion,
                                        commitment=request.POST.get("commitment", ""),
                                        points=request.POST.get(criterion))
        return _("Saved.")

    return run_step(request, code, "assess", call)


@login_required
@require_POST
def sign(request, code):
    return run_step(request, code, "sign", lambda obj: evaluation.tender_sign(
        code=obj.code, user=request.user, dissent=request.POST.get("dissent", "")) and _("Report signed."))


def scoring(request, code):
    """The evaluation table, per member and aggregated: printable page, `?format=csv`. The
    committee's and the station's during the evaluation, everyone's with the result."""
    obj = trading_selectors.public_transaction(code)
    if obj is None or obj.type != "tender":
        raise Http404(_("no open tender %(code)s among the registered ones") % {"code": code})
    overview = selectors.tender_overview(obj, request.user)
    if not overview["evaluation_visible"]:
        raise Http404(_("the evaluation table is shown after the opening, to the committee and the station, and "
                        "to everyone with the result"))
    table = selectors.scoring_table(obj)
    if request.GET.get("format") == "csv":
        return _scoring_csv(obj, table)
    return render(request, "tender/scoring.html", {"obj": obj, "table": table, "tender": overview})


def scoring_rows(table) -> list[list[str]]:
    """The table as rows of text: a header, then one row per bid (for CSV)."""
    seats = [f"{i + 1}" for i, _m in enumerate(table["members"])]
    header = ["rank", "supplier", "uscc", "price", "committee_verdict", "price_score", "score", "deviating_seats"]
    for seat in seats:
        header += [f"seat{seat}_verdict", f"seat{seat}_reason"]
        if table["scoring"]:
            header += [f"seat{seat}_technical", f"seat{seat}_commercial", f"seat{seat}_total"]
    rows = [header]
    for row in table["rows"]:
        verdict = ("not opened" if not row["opened"] else "acceptable" if row["responsive"] and row["within_budget"]
                   else "rejected" if row["decided"] else "pending")
        line = [row["rank"] or "", row["name"], row["uscc"], f"{row['price']:.2f}" if row["price"] is not None else "",
                verdict, row["price_score"] if row["price_score"] is not None else "",
                row["score"] if row["score"] is not None else "", " ".join(map(str, row["flags"]))]
        for cell in row["cells"]:
            vote = cell["vote"]
            line += ["" if vote is None else ("yes" if vote.responsive else "no"), vote.reason if vote else ""]
            if table["scoring"]:
                line += [cell["technical"] if cell["technical"] is not None else "",
                         cell["commercial"] if cell["commercial"] is not None else "",
                         cell["total"] if cell["total"] is not None else ""]
        rows.append([str(value) for value in line])
    return rows


def _scoring_csv(obj, table):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{obj.code}-round{obj.round}-scoring.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read UTF-8
    csv.writer(response).writerows(scoring_rows(table))
    return response


@login_required
def technical_document(request, code, pk):
    """A technical document the committee reads, after the technical opening."""
    obj = visible_or_404(request.user, code)
    overview = selectors.tender_overview(obj, request.user)
    document = next((d for d in overview["technical_documents"] if d.pk == pk), None)
    if document is None:
        raise Http404(_("no such technical document among those opened"))
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.name,
                        content_type=document.content_type or "application/octet-stream")


def public_document(request, code, pk):
    """A tender document (the specification), public once the tender notice is out."""
    tx = trading_selectors.public_transaction(code)
    if tx is None or tx.type != "tender":
        raise Http404(_("no open tender %(code)s among the registered ones") % {"code": code})
    document = trading_selectors.documents_for(tx, None).filter(pk=pk).first()
    if document is None:
        raise Http404(_("no such tender document (they are published with the tender notice)"))
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.name,
                        content_type=document.content_type or "application/octet-stream")


# --- the purchaser -------------------------------------------------------------------------------

@login_required
@require_POST
def pass_over(request, code):
    return run_step(request, code, "pass_over", lambda obj: awarding.tender_pass_over(
        code=obj.code, user=request.user, action=request.POST.get("action") if request.POST.get("action") in (
            "pass_to_next", "fail_award") else "pass_to_next",
        reason=request.POST.get("reason", ""), upload=request.FILES.get("file"),
        expected_stage=_expected(request)) and _("Recorded."))


@login_required
@require_POST
def contract(request, code):
    return run_step(request, code, "contract", lambda obj: after_result.tender_record_contract(
        code=obj.code, user=request.user, amount=request.POST.get("amount"),
        signed_on=_date(request.POST.get("signed_on"), _("the signing date")), upload=request.FILES.get("file"),
        expected_stage=_expected(request)) and _("Contract recorded and published."))


@login_required
@require_POST
def report(request, code):
    return run_step(request, code, "report", lambda obj: after_result.tender_file_report(
        code=obj.code, user=request.user, upload=request.FILES.get("file")) and _(
        "Written report filed with the supervisors."))


@login_required
@require_POST
def acceptance(request, code):
    return run_step(request, code, "acceptance", lambda obj: after_result.tender_record_acceptance(
        code=obj.code, user=request.user, accepted_on=_date(request.POST.get("accepted_on"), _("the acceptance date")),
        passed={"passed": True, "failed": False}.get(request.POST.get("conclusion")),
        remarks=request.POST.get("remarks", ""), upload=request.FILES.get("file"),
        expected_stage=_expected(request)) and _("Acceptance recorded; the clerk can archive the transaction."))


@login_required
@require_POST
def change_method(request, code):
    return run_step(request, code, "change_method", lambda obj: after_result.tender_change_method(
        code=obj.code, user=request.user, reason=request.POST.get("reason", ""), upload=request.FILES.get("file"),
        expected_stage=_expected(request)) and _("The tender stops; a new transaction of the approved method follows."))
