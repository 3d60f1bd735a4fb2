"""REST API v1: the inquiry's steps, thin over its services (docs/api.md).

Moves without inputs (complete_evaluation, fail_evaluation, confirm_award,
publish_result, restart, archive) use the generic
`POST /transactions/{code}/actions/{action}/`; quotes and the opening are bidding's
(api/sealed.py). Every answer has an output serializer, so the OpenAPI schema documents it
(tests/api/test_schema_answers.py validates real answers against it).

Why this module is long: it is one procedure's whole API (input and output serializers and
the views of every step), which reads best in one place."""

import csv
import io
import json

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from api.base import MOVE_ERRORS, TransactionEndpoint, errors
from api.parsers import StrictJSONParser
from api.serializers import TransactionOutput
from api.views import transaction_out
from bidding.models import DrawPurpose

from . import selectors, services
from .serializers import (
    AcceptanceInput,
    AnswerInput,
    AssessmentInput,
    ChallengeInput,
    ChallengeUploadInput,
    ChoicesOutput,
    ComparisonOutput,
    ContractInput,
    CreatedOutput,
    DrawInput,
    DrawOutput,
    GroupInput,
    InquiryOutput,
    NoticeInput,
    SignInput,
    inquiry_overview_out,
    moment_text,
)


class InquiryEndpoint(TransactionEndpoint):
    procedure_type = "inquiry"


# --- views -----------------------------------------------------------------------------------

class InquiryView(InquiryEndpoint):
    @extend_schema(responses={200: InquiryOutput, **errors(401, 404)})
    def get(self, request, code):
        return Response(inquiry_overview_out(self.transaction, request.user))


class DrawView(InquiryEndpoint):
    @extend_schema(request=DrawInput, responses={201: DrawOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        data = DrawInput(data=request.data)
        data.is_valid(raise_exception=True)
        announce = (services.inquiry_announce_expert_draw if data.validated_data["purpose"] == DrawPurpose.EXPERTS
                    else services.inquiry_announce_supplier_draw)
        draw = announce(code=self.transaction.code, user=request.user, count=data.validated_data["count"])
        return Response(DrawOutput({"purpose": draw.purpose, "commitment": draw.commitment}).data, status=201)


class GroupView(InquiryEndpoint):
    @extend_schema(request=GroupInput, responses={200: TransactionOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        data = GroupInput(data=request.data)
        data.is_valid(raise_exception=True)
        obj = services.inquiry_form_group(code=self.transaction.code, user=request.user,
                                          purchaser_reps=data.validated_data["purchaser_reps"],
                                          expected_stage=data.validated_data["expected_stage"] or None)
        return transaction_out(request, obj)


class NoticeView(InquiryEndpoint):
    @extend_schema(request=NoticeInput, responses={200: TransactionOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        data = NoticeInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        obj = services.inquiry_issue_notice(
            code=self.transaction.code, user=request.user, deadline=v["deadline"],
            price_composition=v["price_composition"], award_criterion=v["award_criterion"], invitees=v["invitees"],
            use_supplier_draw=v["use_supplier_draw"], invitation_note=v["invitation_note"],
            supervisor=v["supervisor"], purchaser_rep=v["purchaser_rep"], expected_stage=v["expected_stage"] or None)
        return transaction_out(request, obj)


class AssessmentView(InquiryEndpoint):
    @extend_schema(request=AssessmentInput, responses={204: None, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        data = AssessmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.assessment_record(code=self.transaction.code, user=request.user, **data.validated_data)
        return Response(status=204)


class SignView(InquiryEndpoint):
    @extend_schema(request=SignInput, responses={204: None, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        data = SignInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.report_sign(code=self.transaction.code, user=request.user, dissent=data.validated_data["dissent"])
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


class ComparisonView(InquiryEndpoint):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, ComparisonCSVRenderer]

    @extend_schema(responses={
        (200, "application/json"): ComparisonOutput,
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="the table for spreadsheets (UTF-8 with BOM)"),
        **errors(401, 404, media_type="application/json", described={
            404: "`not_found`: no such inquiry among those you can see, or the table is not yours to see (yet)"}),
        **{(code, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="the error's JSON body as one CSV cell")
           for code in (401, 404)},
    }, description="rows of the comparison table; ?format=csv or Accept: text/csv for a spreadsheet")
    def get(self, request, code):
        obj = self.transaction
        if not selectors.inquiry_overview(obj, request.user)["comparison_visible"]:
            raise Http404(_("the comparison table is shown after the opening, to the group and the station"))
        _members, rows = services.verdicts(obj)
        table = [{"supplier": r["name"], "uscc": r["uscc"], "commitment": r["bid"].commitment,
                  "price": f"{r['price']:.2f}" if r["price"] is not None else None, "opened": r["opened"],
                  "within_budget": r["within_budget"], "responsive": r["responsive"], "decided": r["decided"],
                  "assessments": [{"member": m.user.ledger_name(), "responsive": v.responsive if v else None,
                                   "reason": v.reason if v else None} for m, v in r["votes"]]} for r in rows]
        return Response(ComparisonOutput({"rows": table}).data)


class ChoicesView(InquiryEndpoint):
    @extend_schema(responses={200: ChoicesOutput, **errors(401, 403, 404)}, description=(
        "for the station's clerk: who may be named purchaser's representative or custodian, the "
        "station's supervisors, the active supplier pool (ids for the group and notice requests), "
        "the rule set's numbers and the earliest quote deadline allowed now"))
    def get(self, request, code):
        c = selectors.clerk_choices(self.transaction, request.user)
        people = lambda users: [{"id": u.pk, "name": u.ledger_name()} for u in users]  # noqa: E731
        return Response(ChoicesOutput({
            "group_min_size": c["group_min_size"], "min_invitees": c["min_invitees"],
            "earliest_deadline": moment_text(c["earliest_deadline"]), "suggested_deadline": moment_text(c["suggested_deadline"]),
            "calendar_error": c["calendar_error"],
            "calendar_provisional": c["calendar_provisional"], "supplier_draw_binds": c["supplier_draw_binds"],
            "purchaser_representatives": people(c["unit_purchasers"]), "supervisors": people(c["supervisors"]),
            "supplier_pool": [{"id": x.pk, "uscc": x.uscc, "name": x.name} for x in c["companies"]],
        }).data)


class ChallengeView(InquiryEndpoint):
    """A challenge to the result: JSON, or multipart with an optional supporting file."""

    @extend_schema(request={"application/json": ChallengeInput, "multipart/form-data": ChallengeUploadInput},
                   responses={201: CreatedOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        data = ChallengeUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        challenge = services.challenge_file(code=self.transaction.code, user=request.user, company=v["company"],
                                            text=v["text"], upload=v.get("file"))
        return Response(CreatedOutput({"id": challenge.pk}).data, status=201)


class AnswerView(InquiryEndpoint):
    @extend_schema(request=AnswerInput, responses={204: None, **errors(*MOVE_ERRORS)})
    def post(self, request, code, challenge_id):
        data = AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.challenge_answer(code=self.transaction.code, user=request.user, challenge_id=challenge_id,
                                  answer=data.validated_data["answer"])
        return Response(status=204)


class ContractView(InquiryEndpoint):
    parser_classes = [MultiPartParser, FormParser, StrictJSONParser]

    @extend_schema(request={"multipart/form-data": ContractInput},
                   responses={200: TransactionOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        data = ContractInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        obj = services.inquiry_record_contract(code=self.transaction.code, user=request.user, amount=v["amount"],
                                               signed_on=v["signed_on"], upload=v["file"],
                                               expected_stage=v["expected_stage"] or None)
        return transaction_out(request, obj)


class AcceptanceView(InquiryEndpoint):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": AcceptanceInput},
                   responses={200: TransactionOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        data = AcceptanceInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        obj = services.inquiry_record_acceptance(code=self.transaction.code, user=request.user,
                                                 accepted_on=v["accepted_on"], passed=v["passed"],
                                                 remarks=v["remarks"], upload=v["file"],
                                                 expected_stage=v["expected_stage"] or None)
        return transaction_out(request, obj)


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
]
