"""Pages of the inquiry: its panel on a transaction's page (what each role can do at each
stage, as forms), the quote comparison table with its CSV export.

Each form POSTs to a view here that calls one service; a refusal re-renders the
transaction's page with the message naming the rule and what the user typed."""

import csv
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bidding.models import DrawPurpose
from trading.errors import DomainError, InvalidInput, NotFound
from trading.models import Role
from trading.views.work import detail_context, visible_or_404

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
    context["my_companies"] = list(request.user.companies.all()) if request.user.is_authenticated else []
    return "inquiry/panel.html", context


def public_panel(request, obj):
    """What the public page of the transaction shows of the inquiry: the opening record,
    and with the result the group and the award."""
    return "inquiry/public.html", {"inquiry": selectors.inquiry_overview(obj, None)}


def _back(request, obj, **extra):
    """The transaction page again, with an error and what was typed."""
    status = extra.pop("status", 400)
    return render(request, "work/transaction_detail.html", detail_context(request, obj, **extra), status=status)


def _run(request, code, action_name, call):
    obj = visible_or_404(request.user, code)
    try:
        result = call(obj)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        status = {"stage_conflict": 409, "not_permitted": 403, "rule_violation": 422}.get(exc.code, 400)
        return _back(request, obj, procedure_error=exc.message, procedure_form=action_name,
                     posted=request.POST, status=status)
    messages.success(request, result if isinstance(result, str) else _("Done."))
    return redirect("transaction-detail", code=code)


def _parse_date(value, message):
    try:
        return datetime.strptime((value or "").strip(), "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(message) from None


def _parse_local_datetime(value, field):
    try:
        naive = datetime.strptime((value or "").strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        raise InvalidInput(_("%(field)s: give a date and time like 2026-12-03 09:00") % {"field": field}) from None
    return timezone.make_aware(naive, timezone.get_default_timezone())


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

    return _run(request, code, "draw", call)


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
            deadline=_parse_local_datetime(request.POST.get("deadline"), _("quote deadline")),
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

    return _run(request, code, "notice", call)


@login_required
@require_POST
def assess(request, code):
    def call(obj):
        responsive = request.POST.get("responsive")
        if responsive not in ("yes", "no"):
            raise InvalidInput(_("say whether the quote is responsive"))
        services.assessment_record(code=obj.code, user=request.user, commitment=request.POST.get("commitment", ""),
                                   responsive=responsive == "yes", reason=request.POST.get("reason", ""))
        return _("Assessment saved.")

    return _run(request, code, "assess", call)


@login_required
@require_POST
def sign_report(request, code):
    return _run(request, code, "sign", lambda obj: services.report_sign(
        code=obj.code, user=request.user, dissent=request.POST.get("dissent", "")) and _("Report signed."))


@login_required
@require_POST
def challenge(request, code):
    def call(obj):
        services.challenge_file(code=obj.code, user=request.user, company=request.POST.get("company", ""),
                                text=request.POST.get("text", ""))
        return _("Challenge filed. The contract step waits for the station's answer.")

    return _run(request, code, "challenge", call)


@login_required
@require_POST
def answer_challenge(request, code):
    return _run(request, code, "answer", lambda obj: services.challenge_answer(
        code=obj.code, user=request.user, challenge_id=request.POST.get("challenge"),
        answer=request.POST.get("answer", "")) and _("Answer recorded and published."))


@login_required
@require_POST
def record_contract(request, code):
    def call(obj):
        signed_on = _parse_date(request.POST.get("signed_on"), _("the signing date: give a date like 2026-12-20"))
        services.inquiry_record_contract(code=obj.code, user=request.user, amount=request.POST.get("amount"),
                                         signed_on=signed_on, upload=request.FILES.get("file"),
                                         expected_stage=request.POST.get("expected_stage") or None)
        return _("Contract recorded and published.")

    return _run(request, code, "contract", call)


@login_required
@require_POST
def record_acceptance(request, code):
    def call(obj):
        accepted_on = _parse_date(request.POST.get("accepted_on"),
                                  _("the acceptance date: give a date like 2026-12-20"))
        conclusion = request.POST.get("conclusion")
        services.inquiry_record_acceptance(
            code=obj.code, user=request.user, accepted_on=accepted_on,
            passed={"passed": True, "failed": False}.get(conclusion), remarks=request.POST.get("remarks", ""),
            upload=request.FILES.get("file"), expected_stage=request.POST.get("expected_stage") or None)
        return _("Acceptance recorded; the clerk can archive the transaction.")

    return _run(request, code, "acceptance", call)


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
