"""Pages of the inquiry: its panel on a transaction's page (what each role can do at each
stage, as forms), the quote comparison table with its CSV export.

Each form POSTs to a view here that calls one service (`_run`, trading/views/prg.py); a
refusal answers 303 to the transaction's page, which shows the message naming the rule at
the top and at the field, with what the user typed."""

import csv
from datetime import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bidding.models import DrawPurpose
from trading.errors import InvalidInput
from trading.models import Role
from trading.services.transactions import ALLOWED_DOCUMENT_TYPES
from trading.views import prg, steps
from trading.views.work import visible_or_404

from . import selectors, services
from .records import InquiryStage


def panel(request, obj):
    """The inquiry part of a transaction's page: (template, context)."""
    overview = selectors.inquiry_overview(obj, request.user)
    roles = overview["roles"]
    context = {"inquiry": overview, "InquiryStage": InquiryStage}
    if Role.CLERK in roles and obj.stage in ("registered", InquiryStage.GROUP_FORMED):
        context.update(selectors.clerk_choices(obj, request.user))
        context["expert_draw"] = next((d for d in overview["draws"] if d.purpose == DrawPurpose.EXPERTS), None)
        context["supplier_draw"] = next((d for d in overview["draws"] if d.purpose == DrawPurpose.SUPPLIERS), None)
    if overview["comparison_visible"]:
        members, rows = services.verdicts(obj)
        context["comparison"] = rows
        context["members"] = members
        if "member" in roles and obj.stage == InquiryStage.OPENED:
            me = next((m for m in members if m.user_id == request.user.pk), None)
            context["my_member"] = me
            context["my_votes"] = {row["bid"].pk: dict((m.pk, v) for m, v in row["votes"]).get(me.pk)
                                   for row in rows} if me else {}
    context["notices"] = selectors.notices_for(obj, request.user)
    if overview["my_admissions"] and obj.stage == InquiryStage.RESULT_PUBLISHED:
        context.update(selectors.challenge_choices(obj, request.user, overview))
        context["upload_types"] = ", ".join(sorted(ALLOWED_DOCUMENT_TYPES))
        context["upload_max_mb"] = settings.DOCUMENT_MAX_BYTES // (1024 * 1024)
    return "inquiry/panel.html", context


def public_panel(request, obj):
    """What the public page of the transaction shows of the inquiry: the opening record,
    and with the result the group and the award."""
    return "inquiry/public.html", {"inquiry": selectors.inquiry_overview(obj, None)}


def _run(request, code, form, call, fields=None):
    """The POST of the panel's form `form`: `call(obj)` calls the service and answers the
    success message; a refusal goes back to the transaction's page (prg)."""
    obj = visible_or_404(request.user, code)
    return prg.run(request, lambda: call(obj), page=reverse("transaction-detail", args=[obj.code]), form=form,
                   fields=fields)


def _parse_date(value, message, field):
    try:
        return datetime.strptime((value or "").strip(), "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(message, field=field) from None


def _parse_local_datetime(value, label, field):
    try:
        naive = datetime.strptime((value or "").strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        raise InvalidInput(_("%(field)s: give a date and time like 2026-12-03 09:00") % {"field": label},
                           field=field) from None
    return timezone.make_aware(naive, timezone.get_default_timezone())


# The panel's fields whose HTML id is not id_<name>, or which the services name otherwise.
NOTICE_FIELDS = {
    "deadline": prg.Field("id_deadline", "inquiry.quote_period"),
    "price_composition": prg.Field("id_price_composition", gettext_lazy("price composition")),
    "award_criterion": prg.Field("id_award_criterion", gettext_lazy("award criterion")),
    "invitees": prg.Field("id_invitees", gettext_lazy("invited suppliers"), "inquiry.invitees_from_pool",
                          "inquiry.min_invitees"),
    "invitation_note": prg.Field("id_invitation_note", gettext_lazy("why not the drawn suppliers"),
                                 "inquiry.draw_binds"),
    "supervisor": prg.Field("id_supervisor", gettext_lazy("supervisor custodian")),
    "purchaser_rep": prg.Field("id_purchaser_rep", gettext_lazy("purchaser's representative custodian")),
}
CHALLENGE_FIELDS = {
    "company": prg.Field("id_challenge_company", gettext_lazy("supplier")),
    "text": prg.Field("id_challenge_text", gettext_lazy("challenge")),
    "file": prg.Field("id_challenge_file", gettext_lazy("file name")),
}
CONTRACT_FIELDS = steps.contract_fields("inquiry")


@login_required
@require_POST
def draw_announce(request, code):
    def call(obj):
        purpose = request.POST.get("purpose")
        if purpose not in DrawPurpose.values:
            raise InvalidInput(_("choose what the draw is for"))
        announce = (services.inquiry_announce_expert_draw if purpose == DrawPurpose.EXPERTS
                    else services.inquiry_announce_supplier_draw)
        announce(code=obj.code, user=request.user, count=request.POST.get("count"))
        return _("Draw announced: it is performed with the next signed checkpoint, within seconds.")

    return _run(request, code, prg.form_name("draw", request.POST.get("purpose")), call,
                {"count": prg.Field("id_draw_count", gettext_lazy("number of experts"),
                                    gettext_lazy("number of suppliers"))})


@login_required
@require_POST
def form_group(request, code):
    return _run(request, code, "group", lambda obj: services.inquiry_form_group(
        code=obj.code, user=request.user, purchaser_reps=request.POST.getlist("purchaser_reps"),
        expected_stage=request.POST.get("expected_stage") or None) and _("Inquiry group formed."))


@login_required
@require_POST
def issue_notice(request, code):
    def call(obj):
        services.inquiry_issue_notice(
            code=obj.code, user=request.user,
            deadline=_parse_local_datetime(request.POST.get("deadline"), _("quote deadline"), "deadline"),
            price_composition=request.POST.get("price_composition", ""),
            award_criterion=request.POST.get("award_criterion", ""),
            use_supplier_draw=request.POST.get("invitation") == "draw",
            invitees=request.POST.getlist("invitees"),
            invitation_note=request.POST.get("invitation_note", ""),
            supervisor=request.POST.get("supervisor") or None,
            purchaser_rep=request.POST.get("purchaser_rep") or None,
            expected_stage=request.POST.get("expected_stage") or None,
        )
        return _("Inquiry notice issued; the invited suppliers can quote until the deadline.")

    return _run(request, code, "notice", call, NOTICE_FIELDS)


@login_required
@require_POST
def assess(request, code):
    def call(obj):
        responsive = request.POST.get("responsive")
        if responsive not in ("yes", "no"):
            raise InvalidInput(_("say whether the quote is responsive"), field="responsive")
        services.assessment_record(code=obj.code, user=request.user, commitment=request.POST.get("commitment", ""),
                                   responsive=responsive == "yes", reason=request.POST.get("reason", ""))
        return _("Assessment saved.")

    form = prg.form_name("assess", request.POST.get("commitment"))
    return _run(request, code, form, call, {
        "responsive": prg.Field(f"id_{form}_yes"),
        "reason": prg.Field(f"id_{form}_reason", gettext_lazy("reason"))})


@login_required
@require_POST
def sign_report(request, code):
    return _run(request, code, "sign", lambda obj: services.report_sign(
        code=obj.code, user=request.user, dissent=request.POST.get("dissent", "")) and _("Report signed."),
        {"dissent": prg.Field("id_dissent", gettext_lazy("dissent"))})


@login_required
@require_POST
def challenge(request, code):
    def call(obj):
        services.challenge_file(code=obj.code, user=request.user, company=request.POST.get("company", ""),
                                text=request.POST.get("text", ""), upload=request.FILES.get("file"))
        return _("Challenge filed. The contract step waits for the station's answer.")

    return _run(request, code, "challenge", call, CHALLENGE_FIELDS)


@login_required
@require_POST
def answer_challenge(request, code):
    form = prg.form_name("answer", request.POST.get("challenge"))
    return _run(request, code, form, lambda obj: services.challenge_answer(
        code=obj.code, user=request.user, challenge_id=request.POST.get("challenge"),
        answer=request.POST.get("answer", "")) and _("Answer recorded and published."),
        {"answer": prg.Field(f"id_{form}_text", gettext_lazy("answer"))})


@login_required
@require_POST
def record_contract(request, code):
    def call(obj):
        signed_on = _parse_date(request.POST.get("signed_on"), _("the signing date: give a date like 2026-12-20"),
                                "signed_on")
        services.inquiry_record_contract(code=obj.code, user=request.user, amount=request.POST.get("amount"),
                                         signed_on=signed_on, upload=request.FILES.get("file"),
                                         expected_stage=request.POST.get("expected_stage") or None)
        return _("Contract recorded and published.")

    return _run(request, code, "contract", call, CONTRACT_FIELDS)


@login_required
@require_POST
def record_acceptance(request, code):
    def call(obj):
        accepted_on = _parse_date(request.POST.get("accepted_on"),
                                  _("the acceptance date: give a date like 2026-12-20"), "accepted_on")
        conclusion = request.POST.get("conclusion")
        services.inquiry_record_acceptance(
            code=obj.code, user=request.user, accepted_on=accepted_on,
            passed={"passed": True, "failed": False}.get(conclusion), remarks=request.POST.get("remarks", ""),
            upload=request.FILES.get("file"), expected_stage=request.POST.get("expected_stage") or None)
        return _("Acceptance recorded; the clerk can archive the transaction.")

    return _run(request, code, "acceptance", call, steps.ACCEPTANCE_FIELDS)


@login_required
def comparison(request, code):
    """The quote comparison table (询价比较表) for the group, the clerk, the supervisors and
    the purchaser, after the opening; `?format=csv` downloads it."""
    obj = visible_or_404(request.user, code)
    overview = selectors.inquiry_overview(obj, request.user)
    if not overview["comparison_visible"]:
        raise Http404(_("the comparison table is shown after the opening, to the group and the station"))
    members, rows = services.verdicts(obj)
    ranked = services.ranking(obj)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{obj.code}-round{obj.round}-comparison.csv"'
        response.write("\ufeff")  # so that spreadsheet programs read UTF-8
        writer = csv.writer(response)
        writer.writerow([_("Rank"), _("Supplier"), _("Unified social credit code"), _("Price (yuan)"),
                         _("Within budget"), _("Group verdict")]
                        + [f"{m.user.ledger_name()}" for m in members] + [_("Commitment")])
        rank_of = {r["bid"].pk: i + 1 for i, r in enumerate(ranked)}
        for row in rows:
            if not row["opened"]:
                verdict = _("did not decrypt, not responsive")
            else:
                verdict = _("responsive") if row["responsive"] else (
                    _("not responsive") if row["decided"] else _("pending"))
            writer.writerow([
                rank_of.get(row["bid"].pk, ""), row["name"], row["uscc"],
                f"{row['price']:.2f}" if row["price"] is not None else "",
                _("yes") if row["within_budget"] else _("no"), verdict,
            ] + [("✓ " if v and v.responsive else "✗ " if v else "") + (v.reason if v else "") for _m, v in row["votes"]]
              + [row["bid"].commitment])
        return response
    return render(request, "inquiry/comparison.html", {"obj": obj, "members": members, "rows": rows,
                                                       "ranked": ranked})
