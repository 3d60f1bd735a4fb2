"""Pages of the tender: its panel on a transaction's page (what each role can do at each
stage, as forms), the scoring table (printable, CSV), the public panel, and the downloads
of the tender documents (public once the notice is out) and of the technical documents
(the committee's, after the technical opening). The bidder's pages: views_bidder.py.

Each form POSTs to a view here that calls one service (`run_form`, trading/views/prg.py); a
refusal answers 303 to the transaction's page, which shows the message naming the rule at
the top and at the field, with what the user typed. No company identifier is in a path
(the access log records paths): the company is a form or query field."""

import csv
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.db import transaction as db_transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bidding.models import DrawPurpose
from trading import selectors as trading_selectors
from trading.errors import InvalidInput
from trading.models import Role
from trading.views import prg, steps
from trading.views.work import visible_or_404

from . import selectors
from .records import SecurityMethod, TenderStage
from .services import after_result, awarding, changes, committee, evaluation, notice
from .services.changes import objection_until
from .services.opening import opening_objection_until


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


def _moment(value, label, field):
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
NOTICE_FIELDS = {
    "deadline": prg.Field("id_deadline", "tender.bid_period"),
    "documents_until": prg.Field("id_documents_until", "tender.documents_period"),
    "method": prg.Field("id_method_lowest_price"),
    "weights": prg.Field("id_weights"),
    "qualifications": prg.Field("id_qualifications", gettext_lazy("qualification requirements")),
    "max_price": prg.Field("id_max_price", gettext_lazy("maximum price")),
    "security": prg.Field("id_security", gettext_lazy("bid security"), "tender.security_max"),
    "two_envelopes": prg.Field("id_two_envelopes"),
    "supervisor": prg.Field("id_supervisor", gettext_lazy("supervisor custodian")),
    "purchaser_rep": prg.Field("id_purchaser_rep", gettext_lazy("purchaser's representative custodian")),
}
SECURITY_FIELDS = {
    "company": prg.Field("id_security_company", gettext_lazy("company")),
    "amount": prg.Field("id_security_amount", gettext_lazy("security amount")),
    "method": prg.Field("id_security_method"),
    "date": prg.Field("id_security_date", "received_on", "refunded_on"),
}
CONTRACT_FIELDS = steps.contract_fields("tender")


# --- the clerk ----------------------------------------------------------------------------------

@login_required
@require_POST
def issue_notice(request, code):
    def call(obj):
        method = request.POST.get("method", "")
        notice.tender_issue_notice(
            code=obj.code, user=request.user,
            deadline=_moment(request.POST.get("deadline"), _("bid deadline"), "deadline"),
            documents_until=_moment(request.POST.get("documents_until"), _("documents available until"),
                                    "documents_until"),
            method=method, qualifications=request.POST.get("qualifications", ""),
            weights={c: request.POST.get(f"weight_{c}", "") for c in ("price", "technical", "commercial")}
            if method == "scoring" else None,
            max_price=request.POST.get("max_price") or None, security_amount=request.POST.get("security") or None,
            two_envelopes=request.POST.get("two_envelopes") == "yes",
            supervisor=request.POST.get("supervisor") or None, purchaser_rep=request.POST.get("purchaser_rep") or None,
            expected_stage=_expected(request))
        return _("Tender notice issued; bidders may register and bid until the deadline.")

    return run_form(request, code, "notice", call, NOTICE_FIELDS)


@login_required
@require_POST
def clarify(request, code):
    return run_form(request, code, "clarify", lambda obj: changes.tender_clarify(
        code=obj.code, user=request.user, text=request.POST.get("text", "")) and _(
        "Clarification published and sent to every registered bidder."),
        {"text": prg.Field("id_clarify_text", gettext_lazy("clarification or change"))})


@login_required
@require_POST
def draw(request, code):
    return run_form(request, code, "draw", lambda obj: committee.tender_announce_expert_draw(
        code=obj.code, user=request.user, count=request.POST.get("count")) and _(
        "Draw announced: it is performed with the next signed checkpoint, within seconds."),
        {"count": prg.Field("id_draw_count", gettext_lazy("number of experts"))})


@login_required
@require_POST
def form_committee(request, code):
    return run_form(request, code, "committee", lambda obj: committee.tender_form_committee(
        code=obj.code, user=request.user, purchaser_reps=request.POST.getlist("purchaser_reps"),
        expected_stage=_expected(request)) and _("Evaluation committee formed."),
        {"purchaser_reps": prg.Field("id_purchaser_reps", gettext_lazy("purchaser's representatives"),
                                     "tender.purchaser_not_expert", "tender.group_size", "tender.expert_share")})


@login_required
@require_POST
def answer(request, code):
    form = prg.form_name("answer", request.POST.get("challenge"))
    return run_form(request, code, form, lambda obj: changes.tender_answer_objection(
        code=obj.code, user=request.user, challenge_id=request.POST.get("challenge"),
        answer=request.POST.get("answer", "")) and _("Answer recorded and published."),
        {"answer": prg.Field(f"id_{form}_text", gettext_lazy("answer"))})


@login_required
@require_POST
def security(request, code):
    def call(obj):
        if request.POST.get("refund") == "yes":
            after_result.tender_refund_security(code=obj.code, user=request.user, company=request.POST.get("company"),
                                                refunded_on=_date(request.POST.get("date"), _("refund date"), "date"))
            return _("Refund recorded.")
        after_result.tender_record_security(code=obj.code, user=request.user, company=request.POST.get("company"),
                                            amount=request.POST.get("amount"), method=request.POST.get("method", ""),
                                            received_on=_date(request.POST.get("date"), _("date received"), "date"))
        return _("Bid security recorded.")

    return run_form(request, code, "security", call, SECURITY_FIELDS)


# --- the committee -------------------------------------------------------------------------------

@login_required
@require_POST
def assess(request, code):
    @db_transaction.atomic  # one form, one step: after a refused score the verdict is as it was
    def call(obj):
        verdict = request.POST.get("responsive")
        if verdict not in ("yes", "no"):
            raise InvalidInput(_("say whether the bid is acceptable"), field="responsive")
        evaluation.tender_assess(code=obj.code, user=request.user, commitment=request.POST.get("commitment", ""),
                                 responsive=verdict == "yes", reason=request.POST.get("reason", ""))
        for criterion in ("technical", "commercial"):
            if request.POST.get(criterion, "") != "":
                try:
                    evaluation.tender_score(code=obj.code, user=request.user, criterion=criterion,
                                            commitment=request.POST.get("commitment", ""),
                                            points=request.POST.get(criterion))
                except InvalidInput as exc:
                    if exc.details.get("field") != "points":
                        raise
                    raise InvalidInput(exc.message, field=criterion) from None  # the points of this criterion
        return _("Saved.")

    form = prg.form_name("assess", request.POST.get("commitment"))
    return run_form(request, code, form, call, {
        "responsive": prg.Field(f"id_{form}_yes"),
        "reason": prg.Field(f"id_{form}_reason", gettext_lazy("reason")),
        "technical": prg.Field(f"id_{form}_technical"),
        "commercial": prg.Field(f"id_{form}_commercial")})


@login_required
@require_POST
def sign(request, code):
    return run_form(request, code, "sign", lambda obj: evaluation.tender_sign(
        code=obj.code, user=request.user, dissent=request.POST.get("dissent", "")) and _("Report signed."),
        {"dissent": prg.Field("id_dissent", gettext_lazy("dissent"))})


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
    return run_form(request, code, "pass_over", lambda obj: awarding.tender_pass_over(
        code=obj.code, user=request.user, action=request.POST.get("action") if request.POST.get("action") in (
            "pass_to_next", "fail_award") else "pass_to_next",
        reason=request.POST.get("reason", ""), upload=request.FILES.get("file"),
        expected_stage=_expected(request)) and _("Recorded."),
        {"reason": prg.Field("id_pass_over_reason", gettext_lazy("reason")),
         "file": prg.Field("id_pass_over_file", gettext_lazy("file name"))})


@login_required
@require_POST
def contract(request, code):
    return run_form(request, code, "contract", lambda obj: after_result.tender_record_contract(
        code=obj.code, user=request.user, amount=request.POST.get("amount"),
        signed_on=_date(request.POST.get("signed_on"), _("the signing date"), "signed_on"),
        upload=request.FILES.get("file"), expected_stage=_expected(request)) and _(
        "Contract recorded and published."), CONTRACT_FIELDS)


@login_required
@require_POST
def report(request, code):
    return run_form(request, code, "report", lambda obj: after_result.tender_file_report(
        code=obj.code, user=request.user, upload=request.FILES.get("file")) and _(
        "Written report filed with the supervisors."),
        {"file": prg.Field("id_report_file", gettext_lazy("file name"))})


@login_required
@require_POST
def acceptance(request, code):
    return run_form(request, code, "acceptance", lambda obj: after_result.tender_record_acceptance(
        code=obj.code, user=request.user,
        accepted_on=_date(request.POST.get("accepted_on"), _("the acceptance date"), "accepted_on"),
        passed={"passed": True, "failed": False}.get(request.POST.get("conclusion")),
        remarks=request.POST.get("remarks", ""), upload=request.FILES.get("file"),
        expected_stage=_expected(request)) and _("Acceptance recorded; the clerk can archive the transaction."),
        steps.ACCEPTANCE_FIELDS)


@login_required
@require_POST
def change_method(request, code):
    return run_form(request, code, "change_method", lambda obj: after_result.tender_change_method(
        code=obj.code, user=request.user, reason=request.POST.get("reason", ""), upload=request.FILES.get("file"),
        expected_stage=_expected(request)) and _("The tender stops; a new transaction of the approved method follows."),
        {"reason": prg.Field("id_change_method_reason", gettext_lazy("reason"), "tender.method_change"),
         "file": prg.Field("id_change_method_file", gettext_lazy("file name"))})
