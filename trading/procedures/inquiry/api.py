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
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from api.base import ERRORS, TransactionEndpoint
from api.parsers import StrictJSONParser
from api.serializers import RecordId, TransactionOutput, YuanText
from api.views import transaction_out
from bidding.models import DrawPurpose

from . import selectors, services


def _ts(moment):
    return timezone.localtime(moment).isoformat() if moment else None


class InquiryEndpoint(TransactionEndpoint):
    procedure_type = "inquiry"


# --- input serializers ------------------------------------------------------------------------

class DrawInput(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=DrawPurpose.choices)
    count = serializers.IntegerField(min_value=1, max_value=99)


class GroupInput(serializers.Serializer):
    purchaser_reps = serializers.ListField(child=RecordId(), required=False, default=list, max_length=50,
                                           help_text="user ids of the purchaser's representatives")
    expected_stage = serializers.CharField(required=False, allow_blank=True, default="")


class NoticeInput(serializers.Serializer):
    deadline = serializers.DateTimeField(help_text="quote deadline, ISO 8601 with offset")
    price_composition = serializers.CharField(trim_whitespace=False)
    award_criterion = serializers.CharField(trim_whitespace=False)
    use_supplier_draw = serializers.BooleanField(required=False, default=False)
    invitees = serializers.ListField(child=RecordId(), required=False, default=list, max_length=500,
                                     help_text="company ids, when not using the supplier draw")
    invitation_note = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False,
        help_text="why not the drawn suppliers: required when a supplier draw was performed and others are invited")
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


class AcceptanceInput(serializers.Serializer):
    accepted_on = serializers.DateField()
    passed = serializers.BooleanField(help_text="the conclusion: the goods and services meet the contract")
    remarks = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False,
                                    help_text="required when the acceptance did not pass")
    file = serializers.FileField(help_text="the signed acceptance report")
    expected_stage = serializers.CharField(required=False, allow_blank=True, default="")


# --- output serializers -----------------------------------------------------------------------

class RuleSetRef(serializers.Serializer):
    code = serializers.CharField()
    version = serializers.IntegerField()
    digest = serializers.CharField()


class AcceptanceOut(serializers.Serializer):
    accepted_on = serializers.CharField()
    passed = serializers.BooleanField()
    report_sha256 = serializers.CharField()


class DrawOut(serializers.Serializer):
    purpose = serializers.CharField()
    commitment = serializers.CharField()
    performed = serializers.BooleanField()
    revealed = serializers.BooleanField()
    result = serializers.ListField(child=serializers.CharField(), required=False,
                                   help_text="the pool numbers drawn: the clerk and the supervisors only")


class MemberOut(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField()
    signed = serializers.BooleanField()


class OpeningRecordOut(serializers.Serializer):
    supplier = serializers.CharField()
    uscc = serializers.CharField()
    commitment = serializers.CharField()
    outcome = serializers.CharField()
    price = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)


class RankOut(serializers.Serializer):
    rank = serializers.IntegerField()
    company = serializers.CharField()
    uscc = serializers.CharField()
    price = serializers.CharField()
    commitment = serializers.CharField()


class AwardOut(serializers.Serializer):
    supplier = serializers.CharField()
    uscc = serializers.CharField()
    price = serializers.CharField()
    ranking = RankOut(many=True)
    confirmed_by_silence = serializers.BooleanField()


class ChallengeOut(serializers.Serializer):
    id = serializers.IntegerField()
    supplier = serializers.CharField()
    text = serializers.CharField()
    filed_at = serializers.CharField()
    answer = serializers.CharField(allow_null=True)


class NoticeRef(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    published_at = serializers.CharField()
    sha256 = serializers.CharField()


class InquiryOutput(serializers.Serializer):
    code = serializers.CharField()
    stage = serializers.CharField()
    round = serializers.IntegerField()
    time_factor = serializers.IntegerField(help_text="1, or the compression of a sandbox's periods")
    server_now = serializers.CharField(help_text="the server's clock (every time here is a real moment)")
    rule_set = RuleSetRef(allow_null=True)
    quote_deadline = serializers.CharField(allow_null=True)
    confirm_by = serializers.CharField(allow_null=True)
    challenge_until = serializers.CharField(allow_null=True)
    contract_due_by = serializers.CharField(allow_null=True)
    acceptance = AcceptanceOut(allow_null=True)
    quote_count = serializers.IntegerField(allow_null=True, help_text="null until the quotes are closed")
    draws = DrawOut(many=True)
    group = MemberOut(many=True, allow_null=True, help_text="null when its names are not yours to see yet")
    opening_record = OpeningRecordOut(many=True, allow_null=True)
    award = AwardOut(allow_null=True)
    challenges = ChallengeOut(many=True)
    my_invitations = serializers.ListField(child=serializers.CharField(),
                                           help_text="the credit codes of your invited companies")
    notices = NoticeRef(many=True)


def _overview(obj, user):
    o = selectors.inquiry_overview(obj, user)
    d = o["record"]
    group = o["group"]
    acceptance = o["acceptance"]
    return InquiryOutput({
        "code": obj.code, "stage": obj.stage, "round": obj.round, "time_factor": obj.time_factor,
        "server_now": _ts(o["server_now"]),
        "rule_set": {"code": obj.rule_set.code, "version": obj.rule_set.version, "digest": obj.rule_set.digest}
        if obj.rule_set else None,
        "quote_deadline": _ts(o["quote_deadline"]),
        "confirm_by": _ts(d.confirm_by) if d else None,
        "challenge_until": _ts(d.challenge_until) if d else None,
        "contract_due_by": _ts(d.contract_due_by) if d else None,
        "acceptance": {"accepted_on": acceptance.accepted_on.isoformat(), "passed": acceptance.passed,
                       "report_sha256": acceptance.document_sha256} if acceptance else None,
        "quote_count": o["quote_count"],
        "draws": [{"purpose": x.purpose, "commitment": x.commitment, "performed": bool(x.performed_at),
                   "revealed": bool(x.revealed_at), **({"result": x.result} if o["draw_results_visible"] else {})}
                  for x in o["draws"]],
        "group": [{"name": m.user.ledger_name(), "role": m.role, "signed": bool(m.signed_at)} for m in group]
        if group is not None else None,
        "opening_record": [{"supplier": r.bid.bidder_name, "uscc": r.bid.bidder_uscc,
                            "commitment": r.bid.commitment, "outcome": r.outcome,
                            "price": f"{r.price:.2f}" if r.price is not None else None, "reason": r.reason}
                           for r in o["opening_records"]] if o["opening_records"] is not None else None,
        "award": {"supplier": o["award"].bid.bidder_name, "uscc": o["award"].bid.bidder_uscc,
                  "price": f"{o['award'].price:.2f}", "ranking": o["award"].ranking,
                  "confirmed_by_silence": o["award"].confirmed_by_silence} if o["award"] else None,
        "challenges": [{"id": c.pk, "supplier": c.company.name, "text": c.text, "filed_at": _ts(c.filed_at),
                        "answer": c.answer or None} for c in o["challenges"]],
        "my_invitations": [a.company.uscc for a in o["my_admissions"]],
        "notices": [{"id": n.pk, "kind": n.kind, "title": n.title, "published_at": _ts(n.published_at),
                     "sha256": n.sha256} for n in selectors.notices_for(obj, user)],
    }).data


class DrawOutput(serializers.Serializer):
    purpose = serializers.CharField()
    commitment = serializers.CharField()


class CreatedOutput(serializers.Serializer):
    id = serializers.IntegerField()


class PersonOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CompanyOut(serializers.Serializer):
    id = serializers.IntegerField()
    uscc = serializers.CharField()
    name = serializers.CharField()


class ChoicesOutput(serializers.Serializer):
    group_min_size = serializers.IntegerField()
    min_invitees = serializers.IntegerField()
    earliest_deadline = serializers.CharField(allow_null=True)
    suggested_deadline = serializers.CharField(allow_null=True)
    calendar_error = serializers.CharField(allow_null=True)
    supplier_draw_binds = serializers.BooleanField(
        help_text="a supplier draw was performed: invite the drawn suppliers, or give invitation_note")
    purchaser_representatives = PersonOut(many=True)
    supervisors = PersonOut(many=True)
    supplier_pool = CompanyOut(many=True)


class AssessmentOut(serializers.Serializer):
    member = serializers.CharField()
    responsive = serializers.BooleanField(allow_null=True)
    reason = serializers.CharField(allow_null=True)


class ComparisonRowOut(serializers.Serializer):
    supplier = serializers.CharField()
    uscc = serializers.CharField()
    commitment = serializers.CharField()
    price = serializers.CharField(allow_null=True)
    opened = serializers.BooleanField()
    within_budget = serializers.BooleanField()
    responsive = serializers.BooleanField()
    decided = serializers.BooleanField()
    assessments = AssessmentOut(many=True)


class ComparisonOutput(serializers.Serializer):
    rows = ComparisonRowOut(many=True)


# --- views -----------------------------------------------------------------------------------

class InquiryView(InquiryEndpoint):
    @extend_schema(responses={200: InquiryOutput, 404: ERRORS[404]})
    def get(self, request, code):
        return Response(_overview(self.transaction, request.user))


class DrawView(InquiryEndpoint):
    @extend_schema(request=DrawInput, responses={201: DrawOutput, **ERRORS})
    def post(self, request, code):
        data = DrawInput(data=request.data)
        data.is_valid(raise_exception=True)
        announce = (services.inquiry_announce_expert_draw if data.validated_data["purpose"] == DrawPurpose.EXPERTS
                    else services.inquiry_announce_supplier_draw)
        draw = announce(code=self.transaction.code, user=request.user, count=data.validated_data["count"])
        return Response(DrawOutput({"purpose": draw.purpose, "commitment": draw.commitment}).data, status=201)


class GroupView(InquiryEndpoint):
    @extend_schema(request=GroupInput, responses={200: TransactionOutput, **ERRORS})
    def post(self, request, code):
        data = GroupInput(data=request.data)
        data.is_valid(raise_exception=True)
        obj = services.inquiry_form_group(code=self.transaction.code, user=request.user,
                                          purchaser_reps=data.validated_data["purchaser_reps"],
                                          expected_stage=data.validated_data["expected_stage"] or None)
        return transaction_out(request, obj)


class NoticeView(InquiryEndpoint):
    @extend_schema(request=NoticeInput, responses={200: TransactionOutput, **ERRORS})
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
    @extend_schema(request=AssessmentInput, responses={204: None, **ERRORS})
    def post(self, request, code):
        data = AssessmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.assessment_record(code=self.transaction.code, user=request.user, **data.validated_data)
        return Response(status=204)


class SignView(InquiryEndpoint):
    @extend_schema(request=SignInput, responses={204: None, **ERRORS})
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

    @extend_schema(responses={200: ComparisonOutput, 403: ERRORS[403], 404: ERRORS[404]},
                   description="rows of the comparison table; ?format=csv for a spreadsheet")
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
    @extend_schema(responses={200: ChoicesOutput, 403: ERRORS[403], 404: ERRORS[404]}, description=(
        "for the station's clerk: who may be named purchaser's representative or custodian, the "
        "station's supervisors, the active supplier pool (ids for the group and notice requests), "
        "the rule set's numbers and the earliest quote deadline allowed now"))
    def get(self, request, code):
        c = selectors.clerk_choices(self.transaction, request.user)
        people = lambda users: [{"id": u.pk, "name": u.ledger_name()} for u in users]  # noqa: E731
        return Response(ChoicesOutput({
            "group_min_size": c["group_min_size"], "min_invitees": c["min_invitees"],
            "earliest_deadline": _ts(c["earliest_deadline"]), "suggested_deadline": _ts(c["suggested_deadline"]),
            "calendar_error": c["calendar_error"], "supplier_draw_binds": c["supplier_draw_binds"],
            "purchaser_representatives": people(c["unit_purchasers"]), "supervisors": people(c["supervisors"]),
            "supplier_pool": [{"id": x.pk, "uscc": x.uscc, "name": x.name} for x in c["companies"]],
        }).data)


class ChallengeView(InquiryEndpoint):
    @extend_schema(request=ChallengeInput, responses={201: CreatedOutput, **ERRORS})
    def post(self, request, code):
        data = ChallengeInput(data=request.data)
        data.is_valid(raise_exception=True)
        challenge = services.challenge_file(code=self.transaction.code, user=request.user,
                                            company=data.validated_data["company"], text=data.validated_data["text"])
        return Response(CreatedOutput({"id": challenge.pk}).data, status=201)


class AnswerView(InquiryEndpoint):
    @extend_schema(request=AnswerInput, responses={204: None, **ERRORS})
    def post(self, request, code, challenge_id):
        data = AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.challenge_answer(code=self.transaction.code, user=request.user, challenge_id=challenge_id,
                                  answer=data.validated_data["answer"])
        return Response(status=204)


class ContractView(InquiryEndpoint):
    parser_classes = [MultiPartParser, FormParser, StrictJSONParser]

    @extend_schema(request={"multipart/form-data": ContractInput}, responses={200: TransactionOutput, **ERRORS})
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

    @extend_schema(request={"multipart/form-data": AcceptanceInput}, responses={200: TransactionOutput, **ERRORS})
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
