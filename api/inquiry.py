"""REST API v1: the inquiry procedure's steps, thin over trading.services.inquiry.

Moves without inputs (complete_evaluation, fail_evaluation, confirm_award,
publish_result, restart, archive) use the generic
`POST /transactions/{code}/actions/{action}/`; quotes and the opening are in api/sealed.py."""

import csv
import io
import json

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from bidding.models import DrawPurpose
from trading import selectors, selectors_inquiry
from trading.models import Notice
from trading.services import inquiry as services

from .parsers import StrictJSONParser
from .serializers import RecordId, YuanText
from .views import ERRORS, _out


def _visible(request, code):
    obj = selectors.visible_transaction(request.user, code)
    if obj is None or obj.type != "inquiry":
        raise Http404(_("no inquiry %(code)s among those you can see") % {"code": code})
    return obj


def _ts(moment):
    return timezone.localtime(moment).isoformat() if moment else None


# --- serializers ---------------------------------------------------------------------------

class DrawInput(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=DrawPurpose.choices)
    count = serializers.IntegerField(min_value=1, max_value=99)


class GroupInput(serializers.Serializer):
    purchaser_reps = serializers.ListField(child=RecordId(), required=False, default=list, max_length=50,
                                           help_text="user ids of the purchaser's representatives")
    expected_stage = serializers.CharField(required=False, allow_blank=True, default="")


class NoticeInput(serializers.Serializer):
    deadline = serializers.DateTimeField(help_text="quote deadline, ISO 8601 with offset (procedure time)")
    price_composition = serializers.CharField(trim_whitespace=False)
    award_criterion = serializers.CharField(trim_whitespace=False)
    use_supplier_draw = serializers.BooleanField(required=False, default=False)
    invitees = serializers.ListField(child=RecordId(), required=False, default=list, max_length=500,
                                     help_text="company ids, when not using the supplier draw")
    supervisor = RecordId(help_text="user id of the supervisor custodian")
    purchaser_rep = RecordId(help_text="user id of the purchaser's representative custodian")
    expected_stage = serializers.CharField(required=False, allow_blank=True, default="")


class AssessmentInput(serializers.Serializer):
    commitment = serializers.CharField(max_length=64)
    responsive = serializers.BooleanField()
    reason = serializers.CharField(trim_whitespace=False)


class SignInput(serializers.Serializer):
    dissent = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)


class ChallengeInput(serializers.Serializer):
    company = RecordId(help_text="id of the company you represent (see /api/v1/companies/mine/)")
    text = serializers.CharField(trim_whitespace=False)


class AnswerInput(serializers.Serializer):
    answer = serializers.CharField(trim_whitespace=False)


class ContractInput(serializers.Serializer):
    amount = YuanText()
    signed_on = serializers.DateField()
    file = serializers.FileField()
    expected_stage = serializers.CharField(required=False, allow_blank=True, default="")


def _overview_json(obj, user):
    o = selectors_inquiry.inquiry_overview(obj, user)
    d = o["details"]
    group = o["group"]
    return {
        "code": obj.code, "stage": obj.stage, "round": obj.round, "time_factor": obj.time_factor,
        "procedure_now": _ts(o["procedure_now"]),
        "rule_set": {"code": obj.rule_set.code, "version": obj.rule_set.version, "digest": obj.rule_set.digest}
        if obj.rule_set else None,
        "quote_deadline": _ts(d.quote_deadline) if d else None,
        "confirm_by": _ts(d.confirm_by) if d else None,
        "challenge_until": _ts(d.challenge_until) if d else None,
        "contract_due_by": _ts(d.contract_due_by) if d else None,
        "acceptance": {"accepted_on": d.accepted_on.isoformat(), "passed": d.acceptance_passed,
                       "report_sha256": d.acceptance_sha256} if d and d.accepted_on else None,
        "quote_count": o["quote_count"],
        "draws": [{"purpose": x.purpose, "commitment": x.commitment, "performed": bool(x.performed_at),
                   "revealed": bool(x.revealed_at), **({"result": x.result} if o["draw_results_visible"] else {})}
                  for x in o["draws"]],
        "group": [{"name": m.user.ledger_name(), "role": m.role, "signed": bool(m.signed_at)} for m in group]
        if group is not None else None,
        "opening_record": [{"supplier": r.quote.company.name, "uscc": r.quote.company.uscc,
                            "commitment": r.quote.commitment, "outcome": r.outcome,
                            "price": f"{r.price:.2f}" if r.price is not None else None, "reason": r.reason}
                           for r in o["opening_records"]] if o["opening_records"] is not None else None,
        "award": {"supplier": o["award"].quote.company.name, "uscc": o["award"].quote.company.uscc,
                  "price": f"{o['award'].price:.2f}", "ranking": o["award"].ranking,
                  "confirmed_by_silence": o["award"].confirmed_by_silence} if o["award"] else None,
        "challenges": [{"id": c.pk, "supplier": c.company.name, "text": c.text, "filed_at": _ts(c.filed_at),
                        "answer": c.answer or None} for c in o["challenges"]],
        "my_invitations": [i.company.uscc for i in o["my_invitations"]],
        "notices": [{"id": n.pk, "kind": n.kind, "title": n.title, "published_at": _ts(n.published_at),
                     "sha256": n.sha256} for n in selectors_inquiry.notices_for(obj, user)],
    }


# --- views -----------------------------------------------------------------------------------

class InquiryView(APIView):
    @extend_schema(responses={200: OpenApiResponse(description="the inquiry as you may see it now"), 404: ERRORS[404]})
    def get(self, request, code):
        return Response(_overview_json(_visible(request, code), request.user))


class DrawView(APIView):
    @extend_schema(request=DrawInput, responses={201: OpenApiResponse(description="announced"), **ERRORS})
    def post(self, request, code):
        obj = _visible(request, code)
        data = DrawInput(data=request.data)
        data.is_valid(raise_exception=True)
        announce = (services.inquiry_announce_expert_draw if data.validated_data["purpose"] == DrawPurpose.EXPERTS
                    else services.inquiry_announce_supplier_draw)
        draw = announce(code=obj.code, user=request.user, count=data.validated_data["count"])
        return Response({"purpose": draw.purpose, "commitment": draw.commitment}, status=201)


class GroupView(APIView):
    @extend_schema(request=GroupInput, responses={200: OpenApiResponse(description="the transaction"), **ERRORS})
    def post(self, request, code):
        obj = _visible(request, code)
        data = GroupInput(data=request.data)
        data.is_valid(raise_exception=True)
        obj = services.inquiry_form_group(code=obj.code, user=request.user,
                                          purchaser_reps=data.validated_data["purchaser_reps"],
                                          expected_stage=data.validated_data["expected_stage"] or None)
        return _out(request, obj)


class NoticeView(APIView):
    @extend_schema(request=NoticeInput, responses={200: OpenApiResponse(description="the transaction"), **ERRORS})
    def post(self, request, code):
        obj = _visible(request, code)
        data = NoticeInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        obj = services.inquiry_issue_notice(
            code=obj.code, user=request.user, deadline=v["deadline"], price_composition=v["price_composition"],
            award_criterion=v["award_criterion"], invitees=v["invitees"], use_supplier_draw=v["use_supplier_draw"],
            supervisor=v["supervisor"], purchaser_rep=v["purchaser_rep"], expected_stage=v["expected_stage"] or None)
        return _out(request, obj)


class AssessmentView(APIView):
    @extend_schema(request=AssessmentInput, responses={204: None, **ERRORS})
    def post(self, request, code):
        obj = _visible(request, code)
        data = AssessmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.assessment_record(code=obj.code, user=request.user, **data.validated_data)
        return Response(status=204)


class SignView(APIView):
    @extend_schema(request=SignInput, responses={204: None, **ERRORS})
    def post(self, request, code):
        obj = _visible(request, code)
        data = SignInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.report_sign(code=obj.code, user=request.user, dissent=data.validated_data["dissent"])
        return Response(status=204)


class ComparisonCSVRenderer(BaseRenderer):
    """`?format=csv` or `Accept: text/csv`: the comparison table for spreadsheets (UTF-8
    with a byte-order mark, which spreadsheet programs need to read Chinese)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if "rows" not in (data or {}):  # an error: its message, as one cell
            writer.writerow([json.dumps(data, ensure_ascii=False)])
            return buffer.getvalue().encode("utf-8")
        members = [a["member"] for a in data["rows"][0]["assessments"]] if data["rows"] else []
        writer.writerow(["supplier", "uscc", "price", "within_budget", "responsive", *members, "commitment"])
        for row in data["rows"]:
            writer.writerow([row["supplier"], row["uscc"], row["price"] or "", row["within_budget"], row["responsive"],
                             *[("" if a["responsive"] is None else ("yes " if a["responsive"] else "no ")) +
                               (a["reason"] or "") for a in row["assessments"]],
                             row["commitment"]])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


class ComparisonView(APIView):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, ComparisonCSVRenderer]

    @extend_schema(responses={200: OpenApiResponse(description="rows of the comparison table; ?format=csv"),
                              403: ERRORS[403], 404: ERRORS[404]})
    def get(self, request, code):
        obj = _visible(request, code)
        if not selectors_inquiry.inquiry_overview(obj, request.user)["comparison_visible"]:
            raise Http404(_("the comparison table is shown after the opening, to the group and the station"))
        members, rows = services.group_verdicts(obj)
        table = [{"supplier": r["company"].name, "uscc": r["company"].uscc, "commitment": r["quote"].commitment,
                  "price": f"{r['price']:.2f}" if r["price"] is not None else None, "opened": r["opened"],
                  "within_budget": r["within_budget"], "responsive": r["responsive"], "decided": r["decided"],
                  "assessments": [{"member": m.user.ledger_name(), "responsive": v.responsive if v else None,
                                   "reason": v.reason if v else None} for m, v in r["votes"]]} for r in rows]
        return Response({"rows": table})


class ChoicesView(APIView):
    @extend_schema(responses={200: OpenApiResponse(description=(
        "for the station's clerk: who may be named purchaser's representative or custodian, the "
        "station's supervisors, the active supplier pool (ids for the group and notice requests), "
        "the rule set's numbers and the earliest quote deadline allowed now (procedure time)")),
        403: ERRORS[403], 404: ERRORS[404]})
    def get(self, request, code):
        c = selectors_inquiry.clerk_choices(_visible(request, code), request.user)
        people = lambda users: [{"id": u.pk, "name": u.ledger_name()} for u in users]  # noqa: E731
        return Response({
            "group_min_size": c["group_min_size"], "min_invitees": c["min_invitees"],
            "earliest_deadline": _ts(c["earliest_deadline"]), "calendar_error": c["calendar_error"],
            "purchaser_representatives": people(c["unit_purchasers"]), "supervisors": people(c["supervisors"]),
            "supplier_pool": [{"id": x.pk, "uscc": x.uscc, "name": x.name} for x in c["companies"]],
        })


class ChallengeView(APIView):
    @extend_schema(request=ChallengeInput, responses={201: OpenApiResponse(description="filed"), **ERRORS})
    def post(self, request, code):
        obj = _visible(request, code)
        data = ChallengeInput(data=request.data)
        data.is_valid(raise_exception=True)
        challenge = services.challenge_file(code=obj.code, user=request.user, company=data.validated_data["company"],
                                            text=data.validated_data["text"])
        return Response({"id": challenge.pk}, status=201)


class AnswerView(APIView):
    @extend_schema(request=AnswerInput, responses={204: None, **ERRORS})
    def post(self, request, code, challenge_id):
        obj = _visible(request, code)
        data = AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.challenge_answer(code=obj.code, user=request.user, challenge_id=challenge_id,
                                  answer=data.validated_data["answer"])
        return Response(status=204)


class ContractView(APIView):
    parser_classes = [MultiPartParser, FormParser, StrictJSONParser]

    @extend_schema(request={"multipart/form-data": ContractInput},
                   responses={200: OpenApiResponse(description="the transaction"), **ERRORS})
    def post(self, request, code):
        obj = _visible(request, code)
        data = ContractInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        obj = services.inquiry_record_contract(code=obj.code, user=request.user, amount=v["amount"],
                                               signed_on=v["signed_on"], upload=v["file"],
                                               expected_stage=v["expected_stage"] or None)
        return _out(request, obj)


class AcceptanceInput(serializers.Serializer):
    accepted_on = serializers.DateField()
    passed = serializers.BooleanField(help_text="the conclusion: the goods and services meet the contract")
    remarks = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False,
                                    help_text="required when the acceptance did not pass")
    file = serializers.FileField(help_text="the signed acceptance report")
    expected_stage = serializers.CharField(required=False, allow_blank=True, default="")


class AcceptanceView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": AcceptanceInput},
                   responses={200: OpenApiResponse(description="the transaction"), **ERRORS})
    def post(self, request, code):
        obj = _visible(request, code)
        data = AcceptanceInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        obj = services.inquiry_record_acceptance(code=obj.code, user=request.user, accepted_on=v["accepted_on"],
                                                 passed=v["passed"], remarks=v["remarks"], upload=v["file"],
                                                 expected_stage=v["expected_stage"] or None)
        return _out(request, obj)


class NoticeListView(APIView):
    """Public notices (no login), newest first; `?code=` for one transaction."""

    permission_classes = [AllowAny]

    @extend_schema(operation_id="notices_list", responses={200: OpenApiResponse(description="public notices")})
    def get(self, request):
        rows = selectors_inquiry.public_notices()
        if request.query_params.get("code"):
            rows = rows.filter(transaction__code=request.query_params["code"])
        return Response([{"id": n.pk, "code": n.transaction.code, "kind": n.kind, "title": n.title,
                          "body": n.body, "sha256": n.sha256, "published_at": _ts(n.published_at)}
                         for n in rows[:200]])


class NoticeDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="notice_retrieve", responses={200: OpenApiResponse(description="a public notice"),
                                                              404: ERRORS[404]})
    def get(self, request, pk):
        n = Notice.objects.filter(pk=pk, addressee__isnull=True).select_related("transaction").first()
        if n is None:
            raise Http404(_("no such notice"))
        return Response({"id": n.pk, "code": n.transaction.code, "kind": n.kind, "title": n.title, "body": n.body,
                         "sha256": n.sha256, "published_at": _ts(n.published_at)})


urlpatterns = [
    path("transactions/<str:code>/inquiry/", InquiryView.as_view(), name="api-inquiry"),
    path("transactions/<str:code>/inquiry/draws/", DrawView.as_view(), name="api-inquiry-draws"),
    path("transactions/<str:code>/inquiry/group/", GroupView.as_view(), name="api-inquiry-group"),
    path("transactions/<str:code>/inquiry/notice/", NoticeView.as_view(), name="api-inquiry-notice"),
    path("transactions/<str:code>/inquiry/assessments/", AssessmentView.as_view(), name="api-inquiry-assess"),
    path("transactions/<str:code>/inquiry/report/", SignView.as_view(), name="api-inquiry-sign"),
    path("transactions/<str:code>/inquiry/choices/", ChoicesView.as_view(), name="api-inquiry-choices"),
    path("transactions/<str:code>/inquiry/comparison/", ComparisonView.as_view(), name="api-inquiry-comparison"),
    path("transactions/<str:code>/inquiry/challenges/", ChallengeView.as_view(), name="api-inquiry-challenges"),
    path("transactions/<str:code>/inquiry/challenges/<int:challenge_id>/answer/", AnswerView.as_view(),
         name="api-inquiry-answer"),
    path("transactions/<str:code>/inquiry/acceptance/", AcceptanceView.as_view(), name="api-inquiry-acceptance"),
    path("transactions/<str:code>/inquiry/contract/", ContractView.as_view(), name="api-inquiry-contract"),
    path("notices/", NoticeListView.as_view(), name="api-notices"),
    path("notices/<int:pk>/", NoticeDetailView.as_view(), name="api-notice"),
]
