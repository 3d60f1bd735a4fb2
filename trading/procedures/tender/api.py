"""REST API v1: the tender's steps, thin over its services (docs/api.md, "Open tender").

Moves without inputs (complete_evaluation, reject_all, publish_candidates, award,
publish_result, retender, archive) use the generic `POST /transactions/{code}/actions/{action}/`;
the opening is bidding's (`POST /transactions/{code}/opening/`, which opens the next part).
Bids accept an envelope sealed by the bidder (`python -m bidding.seal`) with an
idempotency key; the technical documents are uploaded and sealed by their SHA-256. Every
answer has an output serializer, so the OpenAPI schema documents it.

Why this module is long: it is one procedure's whole API (input and output serializers and
the views of every step of a procedure with many steps), which reads best in one place.
"""

import base64
import binascii
import csv
import io
import json

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from api.base import MOVE_ERRORS, PublicTransactionEndpoint, TransactionEndpoint, errors
from api.parsers import StrictJSONParser
from api.serializers import RecordId, TransactionOutput, YuanText
from api.views import transaction_out
from bidding import crypto
from bidding import selectors_sealed as sel
from bidding.models import Company
from trading.errors import InvalidInput, NotPermitted

from . import selectors
from .records import EvaluationMethod, SecurityMethod
from .services import after_result, awarding, bids, changes, committee, evaluation, notice, opening
from .views import scoring_rows


def _ts(moment):
    return timezone.localtime(moment).isoformat() if moment else None


def _valid(serializer_class, request):
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _represented(user, uscc) -> Company:
    company = Company.objects.filter(uscc=(uscc or "").strip().upper(), representatives=user).first()
    if company is None:
        raise NotPermitted(_("you represent no company with this unified social credit code"))
    return company


class TenderEndpoint(TransactionEndpoint):
    procedure_type = "tender"


class PublicTenderEndpoint(PublicTransactionEndpoint):
    """Bidders act on a tender they see publicly (registering is what admits them)."""

    procedure_type = "tender"


# --- input serializers ------------------------------------------------------------------------

class TenderExpected(serializers.Serializer):
    expected_stage = serializers.CharField(required=False, allow_blank=True, default="")


class TenderNoticeInput(TenderExpected):
    deadline = serializers.DateTimeField(help_text="bid deadline, ISO 8601 with offset")
    documents_until = serializers.DateTimeField(help_text="end of the documents period (at least 5 days)")
    method = serializers.ChoiceField(choices=EvaluationMethod.choices)
    weights = serializers.DictField(child=serializers.CharField(max_length=10), required=False, allow_null=True,
                                    help_text="scoring: {price, technical, commercial}, adding up to 100")
    qualifications = serializers.CharField(trim_whitespace=False)
    max_price = YuanText(required=False, allow_null=True, default=None)
    security_amount = YuanText(required=False, allow_null=True, default=None)
    two_envelopes = serializers.BooleanField(required=False, default=False)
    supervisor = RecordId(help_text="user id of the supervisor custodian")
    purchaser_rep = RecordId(help_text="user id of the tenderer's representative custodian")


class TenderTextInput(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=False)


class TenderCompanyInput(serializers.Serializer):
    company = RecordId(help_text="id of the company you represent (see /api/v1/companies/mine/)")


class TenderCompanyTextInput(TenderCompanyInput):
    text = serializers.CharField(trim_whitespace=False)


class TenderSupplierInput(serializers.Serializer):
    supplier = serializers.CharField(max_length=32, help_text="the unified social credit code you bid for")


class TenderBidInput(TenderSupplierInput):
    part = serializers.CharField(max_length=16, required=False, allow_blank=True, default="",
                                 help_text="offer (one envelope), or technical / price; default: the price part")
    envelope = serializers.CharField(required=False, allow_blank=True, max_length=4096,
                                     help_text=f"base64 of the envelope ({crypto.ENVELOPE_SIZE} bytes)")
    envelope_file = serializers.FileField(required=False)
    idempotency_key = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                            help_text="or the Idempotency-Key header")


class TenderTechnicalInput(TenderSupplierInput):
    file = serializers.FileField(help_text="the technical documents (one file; several: a .zip)")
    idempotency_key = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class TenderAnswerInput(serializers.Serializer):
    answer = serializers.CharField(trim_whitespace=False)


class TenderCountInput(serializers.Serializer):
    count = serializers.IntegerField(min_value=1, max_value=99)


class TenderCommitteeInput(TenderExpected):
    purchaser_reps = serializers.ListField(child=RecordId(), required=False, default=list, max_length=50)


class TenderAssessmentInput(serializers.Serializer):
    commitment = serializers.CharField(max_length=64)
    responsive = serializers.BooleanField(help_text="the bid is acceptable (for a technical envelope: passes)")
    reason = serializers.CharField(trim_whitespace=False)


class TenderScoreInput(serializers.Serializer):
    commitment = serializers.CharField(max_length=64)
    criterion = serializers.ChoiceField(choices=[("technical", "technical"), ("commercial", "commercial")])
    points = serializers.CharField(max_length=10, help_text='a decimal string, 0 .. the weight, e.g. "38.5"')


class TenderSignInput(serializers.Serializer):
    dissent = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)


class TenderSecurityInput(TenderCompanyInput):
    amount = YuanText()
    method = serializers.ChoiceField(choices=SecurityMethod.choices)
    received_on = serializers.DateField()


class TenderRefundInput(TenderCompanyInput):
    refunded_on = serializers.DateField()


class TenderPassOverInput(TenderExpected):
    action = serializers.ChoiceField(choices=[("pass_to_next", "pass_to_next"), ("fail_award", "fail_award")])
    reason = serializers.CharField(trim_whitespace=False)
    file = serializers.FileField(help_text="the decline letter or the disqualification decision")


class TenderContractInput(TenderExpected):
    amount = YuanText()
    signed_on = serializers.DateField()
    file = serializers.FileField()


class TenderFileInput(serializers.Serializer):
    file = serializers.FileField()


class TenderAcceptanceInput(TenderExpected):
    accepted_on = serializers.DateField()
    passed = serializers.BooleanField()
    remarks = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    file = serializers.FileField()


class TenderMethodChangeInput(TenderExpected):
    reason = serializers.CharField(trim_whitespace=False, help_text="the method the approval allows, and why")
    file = serializers.FileField(help_text="the approving body's document")


# --- output serializers -----------------------------------------------------------------------

class TenderCreatedOutput(serializers.Serializer):
    id = serializers.IntegerField()


class TenderBidOutput(serializers.Serializer):
    code = serializers.CharField()
    round = serializers.IntegerField()
    part = serializers.CharField()
    supplier = serializers.CharField()
    uscc = serializers.CharField()
    commitment = serializers.CharField()
    received_at = serializers.CharField()
    status = serializers.CharField()
    documents_version = serializers.IntegerField()
    receipt = serializers.CharField(help_text="the signed note of LEDGER.md section 6")
    withdrawal_receipt = serializers.CharField(allow_blank=True)
    confirmation_receipt = serializers.CharField(allow_blank=True)


def _bid_out(b):
    return {"code": b.transaction.code, "round": b.bid_round.procedure_round, "part": b.part,
            "supplier": b.bidder_name, "uscc": b.bidder_uscc, "commitment": b.commitment,
            "received_at": _ts(b.received_at), "status": b.status, "documents_version": b.documents_version,
            "receipt": b.receipt, "withdrawal_receipt": b.withdrawal_receipt,
            "confirmation_receipt": b.confirmation_receipt}


class TenderRuleSetRef(serializers.Serializer):
    code = serializers.CharField()
    version = serializers.IntegerField()
    digest = serializers.CharField()


class TenderCompanyOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    uscc = serializers.CharField()


class TenderOpeningRecordOut(serializers.Serializer):
    supplier = serializers.CharField()
    uscc = serializers.CharField()
    commitment = serializers.CharField()
    outcome = serializers.CharField()
    price = serializers.CharField(allow_null=True)
    documents_sha256 = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)


class TenderMemberOut(serializers.Serializer):
    seat = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()
    signed = serializers.BooleanField()


class TenderCandidateOut(serializers.Serializer):
    rank = serializers.IntegerField()
    company = serializers.CharField()
    uscc = serializers.CharField()
    price = serializers.CharField()
    score = serializers.CharField(allow_null=True)
    flags = serializers.ListField(child=serializers.IntegerField(), help_text="seats whose totals deviate")


class TenderChallengeOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    supplier = serializers.CharField(allow_null=True, help_text="null while who raised it is secret")
    text = serializers.CharField()
    filed_at = serializers.CharField()
    due_by = serializers.CharField()
    answer = serializers.CharField(allow_null=True)


class TenderSecurityOut(serializers.Serializer):
    supplier = serializers.CharField()
    uscc = serializers.CharField()
    amount = serializers.CharField()
    method = serializers.CharField()
    received_on = serializers.CharField()
    refunded_on = serializers.CharField(allow_null=True)


class TenderNoticeRef(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    published_at = serializers.CharField()
    sha256 = serializers.CharField()


class TenderOutput(serializers.Serializer):
    code = serializers.CharField()
    stage = serializers.CharField()
    round = serializers.IntegerField()
    time_factor = serializers.IntegerField()
    server_now = serializers.CharField()
    rule_set = TenderRuleSetRef(allow_null=True)
    method = serializers.CharField(allow_null=True)
    weights = serializers.DictField(child=serializers.CharField(), allow_null=True)
    two_envelopes = serializers.BooleanField(allow_null=True)
    max_price = serializers.CharField(allow_null=True)
    security_amount = serializers.CharField(allow_null=True)
    documents_until = serializers.CharField(allow_null=True)
    bid_deadline = serializers.CharField(allow_null=True)
    documents_version = serializers.IntegerField(allow_null=True)
    accepting_bids = serializers.BooleanField()
    bid_count = serializers.IntegerField(allow_null=True, help_text="null until the bids are closed")
    bidders = TenderCompanyOut(many=True, allow_null=True, help_text="null until the bids are closed")
    openings = serializers.DictField(child=TenderOpeningRecordOut(many=True), help_text="opening records by part")
    committee = TenderMemberOut(many=True, allow_null=True, help_text="null when the names are not yours to see yet")
    candidates = TenderCandidateOut(many=True, allow_null=True)
    award = TenderCandidateOut(allow_null=True)
    publicity_until = serializers.CharField(allow_null=True)
    contract_due_by = serializers.CharField(allow_null=True)
    challenges = TenderChallengeOut(many=True)
    securities = TenderSecurityOut(many=True)
    my_registrations = serializers.ListField(child=serializers.CharField(), help_text="credit codes of your "
                                                                                        "registered companies")
    my_bids = TenderBidOutput(many=True)
    to_confirm = serializers.ListField(child=serializers.CharField(), help_text="commitments of your bids sealed "
                                                                                 "under earlier documents")
    notices = TenderNoticeRef(many=True)


def _money(value):
    return f"{value:.2f}" if value is not None else None


def _overview(obj, user):
    o = selectors.tender_overview(obj, user)
    d = o["record"]
    award = o["award"]
    award_row = None
    if award is not None:
        award_row = next((c for c in award.ranking if c["commitment"] == award.bid.commitment), None)
    return TenderOutput({
        "code": obj.code, "stage": obj.stage, "round": obj.round, "time_factor": obj.time_factor,
        "server_now": _ts(o["server_now"]),
        "rule_set": {"code": obj.rule_set.code, "version": obj.rule_set.version, "digest": obj.rule_set.digest}
        if obj.rule_set else None,
        "method": d.method if d else None, "weights": d.weights if d and d.weights else None,
        "two_envelopes": d.two_envelopes if d else None, "max_price": _money(d.max_price) if d else None,
        "security_amount": _money(d.security_amount) if d else None,
        "documents_until": _ts(d.documents_until) if d else None, "bid_deadline": _ts(o["deadline"]),
        "documents_version": o["documents_version"], "accepting_bids": o["accepting"], "bid_count": o["bid_count"],
        "bidders": [{"id": c.pk, "name": c.name, "uscc": c.uscc} for c in o["bidders"]]
        if o["bidders"] is not None else None,
        "openings": {part: [{"supplier": r.bid.bidder_name, "uscc": r.bid.bidder_uscc, "commitment": r.bid.commitment,
                             "outcome": r.outcome, "price": _money(r.price),
                             "documents_sha256": r.content_sha256 or None, "reason": r.reason} for r in rows]
                     for part, rows in o["openings"].items()},
        "committee": [{"seat": i + 1, "name": m.user.ledger_name(), "role": m.role, "signed": bool(m.signed_at)}
                      for i, m in enumerate(o["committee"])] if o["committee"] is not None else None,
        "candidates": o["candidates"], "award": award_row,
        "publicity_until": _ts(d.publicity_until) if d else None,
        "contract_due_by": _ts(d.contract_due_by) if d else None,
        "challenges": [{"id": c["challenge"].pk, "kind": c["challenge"].kind,
                        "supplier": c["company"].name if c["company"] else None, "text": c["challenge"].text,
                        "filed_at": _ts(c["challenge"].filed_at), "due_by": _ts(c["due_by"]),
                        "answer": c["challenge"].answer or None} for c in o["challenges"]],
        "securities": [{"supplier": s.company.name, "uscc": s.company.uscc, "amount": _money(s.amount),
                        "method": s.method, "received_on": s.received_on.isoformat(),
                        "refunded_on": s.refunded_on.isoformat() if s.refunded_on else None}
                       for s in o["securities"]],
        "my_registrations": [a.company.uscc for a in o["my_admissions"]],
        "my_bids": [_bid_out(b) for b in o["my_bids"]],
        "to_confirm": [b.commitment for b in o["to_confirm"]],
        "notices": [{"id": n.pk, "kind": n.kind, "title": n.title, "published_at": _ts(n.published_at),
                     "sha256": n.sha256} for n in selectors.notices_for(obj, user)],
    }).data


class TenderChoicesOutput(serializers.Serializer):
    committee_min_size = serializers.IntegerField()
    max_security = serializers.CharField()
    earliest_deadline = serializers.CharField(allow_null=True)
    earliest_documents_until = serializers.CharField(allow_null=True)
    calendar_error = serializers.CharField(allow_null=True)
    purchaser_representatives = serializers.ListField(child=serializers.DictField())
    supervisors = serializers.ListField(child=serializers.DictField())


class TenderScoringCell(serializers.Serializer):
    seat = serializers.IntegerField()
    acceptable = serializers.BooleanField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    technical = serializers.CharField(allow_null=True)
    commercial = serializers.CharField(allow_null=True)
    total = serializers.CharField(allow_null=True)


class TenderScoringRow(serializers.Serializer):
    supplier = serializers.CharField()
    uscc = serializers.CharField()
    commitment = serializers.CharField()
    price = serializers.CharField(allow_null=True)
    opened = serializers.BooleanField()
    acceptable = serializers.BooleanField()
    price_score = serializers.CharField(allow_null=True)
    score = serializers.CharField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    deviating_seats = serializers.ListField(child=serializers.IntegerField())
    cells = TenderScoringCell(many=True)


class TenderScoringOutput(serializers.Serializer):
    method = serializers.CharField()
    members = serializers.ListField(child=serializers.CharField(), help_text="names by seat")
    rows = TenderScoringRow(many=True)


class TenderScoringCSVRenderer(BaseRenderer):
    """`?format=csv`: the evaluation table for spreadsheets (UTF-8 with a byte-order mark)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if isinstance(data, dict) and "csv" in data:
            writer.writerows(data["csv"])
        else:  # an error: its message, as one cell
            writer.writerow([json.dumps(data, ensure_ascii=False)])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- views -------------------------------------------------------------------------------------

class TenderView(PublicTenderEndpoint):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: TenderOutput, **errors(401, 404)},
                   description="Public: what the signed-in user (or anyone) may see of the tender now.")
    def get(self, request, code):
        return Response(_overview(self.transaction, request.user))


class ChoicesView(TenderEndpoint):
    @extend_schema(responses={200: TenderChoicesOutput, **errors(401, 403, 404)},
                   description="for the station's clerk: custodians to choose and the earliest dates allowed now")
    def get(self, request, code):
        c = selectors.clerk_choices(self.transaction, request.user)
        people = lambda users: [{"id": u.pk, "name": u.ledger_name()} for u in users]  # noqa: E731
        return Response(TenderChoicesOutput({
            "committee_min_size": c["committee_min_size"], "max_security": f"{c['max_security']:.2f}",
            "earliest_deadline": _ts(c["earliest_deadline"]),
            "earliest_documents_until": _ts(c["earliest_documents_until"]), "calendar_error": c["calendar_error"],
            "purchaser_representatives": people(c["unit_purchasers"]), "supervisors": people(c["supervisors"]),
        }).data)


class NoticeView(TenderEndpoint):
    @extend_schema(request=TenderNoticeInput, responses={200: TransactionOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        v = _valid(TenderNoticeInput, request)
        obj = notice.tender_issue_notice(
            code=self.transaction.code, user=request.user, deadline=v["deadline"],
            documents_until=v["documents_until"], method=v["method"], weights=v.get("weights"),
            qualifications=v["qualifications"], max_price=v["max_price"], security_amount=v["security_amount"],
            two_envelopes=v["two_envelopes"], supervisor=v["supervisor"], purchaser_rep=v["purchaser_rep"],
            expected_stage=v["expected_stage"] or None)
        return transaction_out(request, obj)


class ClarificationView(TenderEndpoint):
    @extend_schema(request=TenderTextInput, responses={201: TenderCreatedOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        published = changes.tender_clarify(code=self.transaction.code, user=request.user,
                                           text=_valid(TenderTextInput, request)["text"])
        return Response(TenderCreatedOutput({"id": published.pk}).data, status=201)


class RegistrationView(PublicTenderEndpoint):
    @extend_schema(request=TenderCompanyInput, responses={201: TenderCreatedOutput, **errors(*MOVE_ERRORS)},
                   description="Register a company you represent for the tender (obtain the documents): secret "
                               "until the deadline. Registering twice is harmless.")
    def post(self, request, code):
        admission = bids.tender_register(code=self.transaction.code, user=request.user,
                                         company=_valid(TenderCompanyInput, request)["company"])
        return Response(TenderCreatedOutput({"id": admission.pk}).data, status=201)


def _envelope(request, v) -> bytes:
    upload = v.get("envelope_file")
    if upload is not None:
        if upload.size != crypto.ENVELOPE_SIZE:
            raise InvalidInput(_("a sealed bid is exactly %(size)d bytes; this file has %(given)d")
                               % {"size": crypto.ENVELOPE_SIZE, "given": upload.size}, field="envelope")
        return upload.read()
    if not v.get("envelope"):
        raise InvalidInput(_("send the envelope: base64 in JSON (`envelope`) or a multipart file"), field="envelope")
    try:
        return base64.b64decode(v["envelope"].encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InvalidInput(_("the envelope is not standard base64"), field="envelope") from None


class BidView(PublicTenderEndpoint):
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]

    @extend_schema(request={"application/json": TenderBidInput, "multipart/form-data": TenderBidInput},
                   responses={201: TenderBidOutput, 200: TenderBidOutput, **errors(*MOVE_ERRORS)},
                   description="Submit a sealed envelope; a second one of the same part replaces the first. 201 "
                               "with the signed receipt; 200 with the same receipt for a repeated idempotency key.")
    def post(self, request, code):
        v = _valid(TenderBidInput, request)
        placed = bids.tender_bid_envelope(
            code=self.transaction.code, user=request.user, company=_represented(request.user, v["supplier"]),
            envelope=_envelope(request, v), part=v["part"] or None,
            idempotency_key=v["idempotency_key"] or request.headers.get("Idempotency-Key", ""))
        return Response(TenderBidOutput(_bid_out(placed)).data, status=200 if placed.replayed else 201)


class TechnicalView(PublicTenderEndpoint):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": TenderTechnicalInput}, responses={201: TenderBidOutput, 200: TenderBidOutput, **errors(*MOVE_ERRORS)},
                   description="Two envelopes: upload the technical documents; the technical envelope is sealed "
                               "with their SHA-256.")
    def post(self, request, code):
        v = _valid(TenderTechnicalInput, request)
        placed = bids.tender_bid_technical(
            code=self.transaction.code, user=request.user, company=_represented(request.user, v["supplier"]),
            upload=v["file"], idempotency_key=v["idempotency_key"] or request.headers.get("Idempotency-Key", ""))
        return Response(TenderBidOutput(_bid_out(placed)).data, status=200 if placed.replayed else 201)


class WithdrawView(PublicTenderEndpoint):
    @extend_schema(request=TenderSupplierInput, responses={200: TenderBidOutput(many=True), **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        company = _represented(request.user, _valid(TenderSupplierInput, request)["supplier"])
        gone = bids.tender_bid_withdraw(code=self.transaction.code, user=request.user, company=company)
        return Response([_bid_out(b) for b in gone])


class ConfirmView(PublicTenderEndpoint):
    @extend_schema(request=TenderSupplierInput, responses={200: TenderBidOutput(many=True), **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        company = _represented(request.user, _valid(TenderSupplierInput, request)["supplier"])
        confirmed = bids.tender_bid_confirm(code=self.transaction.code, user=request.user, company=company)
        return Response([_bid_out(b) for b in confirmed])


class MyBidsView(PublicTenderEndpoint):
    @extend_schema(responses={200: TenderBidOutput(many=True), **errors(401, 404)})
    def get(self, request, code):
        return Response([_bid_out(b) for b in sel.own_bids(request.user, self.transaction)])


class ObjectionView(PublicTenderEndpoint):
    @extend_schema(request=TenderCompanyTextInput, responses={201: TenderCreatedOutput, **errors(*MOVE_ERRORS)},
                   description="An objection: to the documents (while bids are received, up to 10 days before the "
                               "deadline), at the opening, or to the candidates (while they are publicised).")
    def post(self, request, code):
        v = _valid(TenderCompanyTextInput, request)
        filing = {"tendering": changes.tender_object_documents, "technical_opened": opening.tender_object_opening,
                  "opened": opening.tender_object_opening,
                  "candidates_published": awarding.tender_object_candidates}.get(self.transaction.stage)
        if filing is None:
            raise InvalidInput(_("objections are raised while the tender receives bids, at the opening, or while "
                                 "the candidates are publicised"))
        challenge = filing(code=self.transaction.code, user=request.user, company=v["company"], text=v["text"])
        return Response(TenderCreatedOutput({"id": challenge.pk}).data, status=201)


class AnswerView(TenderEndpoint):
    @extend_schema(request=TenderAnswerInput, responses={204: None, **errors(*MOVE_ERRORS)})
    def post(self, request, code, challenge_id):
        changes.tender_answer_objection(code=self.transaction.code, user=request.user, challenge_id=challenge_id,
                                        answer=_valid(TenderAnswerInput, request)["answer"])
        return Response(status=204)


class DrawView(TenderEndpoint):
    @extend_schema(request=TenderCountInput, responses={201: TenderCreatedOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        draw = committee.tender_announce_expert_draw(code=self.transaction.code, user=request.user,
                                                     count=_valid(TenderCountInput, request)["count"])
        return Response(TenderCreatedOutput({"id": draw.pk}).data, status=201)


class CommitteeView(TenderEndpoint):
    @extend_schema(request=TenderCommitteeInput, responses={200: TransactionOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        v = _valid(TenderCommitteeInput, request)
        obj = committee.tender_form_committee(code=self.transaction.code, user=request.user,
                                              purchaser_reps=v["purchaser_reps"],
                                              expected_stage=v["expected_stage"] or None)
        return transaction_out(request, obj)


class AssessmentView(TenderEndpoint):
    @extend_schema(request=TenderAssessmentInput, responses={204: None, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        evaluation.tender_assess(code=self.transaction.code, user=request.user, **_valid(TenderAssessmentInput, request))
        return Response(status=204)


class ScoreView(TenderEndpoint):
    @extend_schema(request=TenderScoreInput, responses={204: None, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        evaluation.tender_score(code=self.transaction.code, user=request.user, **_valid(TenderScoreInput, request))
        return Response(status=204)


class SignView(TenderEndpoint):
    @extend_schema(request=TenderSignInput, responses={204: None, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        evaluation.tender_sign(code=self.transaction.code, user=request.user,
                               dissent=_valid(TenderSignInput, request)["dissent"])
        return Response(status=204)


def _cell_text(value):
    return str(value) if value is not None else None


class ScoringView(PublicTenderEndpoint):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, TenderScoringCSVRenderer]
    permission_classes = [AllowAny]

    @extend_schema(responses={
        (200, "application/json"): TenderScoringOutput,
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="the table for spreadsheets (UTF-8 with BOM)"),
        **errors(401, 404, media_type="application/json", described={
            404: "`not_found`: no such tender among those you can see, or the table is not yours to see (yet)"}),
        **{(code, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="the error's JSON body as one CSV cell")
           for code in (401, 404)},
    }, description="the evaluation table (the committee's and the station's after the opening, everyone's with "
                   "the result); ?format=csv or Accept: text/csv for a spreadsheet")
    def get(self, request, code):
        obj = self.transaction
        if not selectors.tender_overview(obj, request.user)["evaluation_visible"]:
            raise Http404(_("the evaluation table is shown after the opening, to the committee and the station, and "
                            "to everyone with the result"))
        table = selectors.scoring_table(obj)
        if getattr(request, "accepted_renderer", None) and request.accepted_renderer.format == "csv":
            return Response({"csv": scoring_rows(table)})
        rows = [{"supplier": r["name"], "uscc": r["uscc"], "commitment": r["bid"].commitment,
                 "price": _money(r["price"]), "opened": r["opened"],
                 "acceptable": bool(r["responsive"] and r["within_budget"]),
                 "price_score": _cell_text(r["price_score"]), "score": _cell_text(r["score"]), "rank": r["rank"],
                 "deviating_seats": r["flags"],
                 "cells": [{"seat": i + 1, "acceptable": c["vote"].responsive if c["vote"] else None,
                            "reason": c["vote"].reason if c["vote"] else None,
                            "technical": _cell_text(c["technical"]), "commercial": _cell_text(c["commercial"]),
                            "total": _cell_text(c["total"])} for i, c in enumerate(r["cells"])]}
                for r in table["rows"]]
        return Response(TenderScoringOutput({"method": selectors.round_of(obj).method,
                                       "members": [m.user.ledger_name() for m in table["members"]],
                                       "rows": rows}).data)


class SecurityView(TenderEndpoint):
    @extend_schema(request=TenderSecurityInput, responses={201: TenderCreatedOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        security = after_result.tender_record_security(code=self.transaction.code, user=request.user,
                                                       **_valid(TenderSecurityInput, request))
        return Response(TenderCreatedOutput({"id": security.pk}).data, status=201)


class RefundView(TenderEndpoint):
    @extend_schema(request=TenderRefundInput, responses={204: None, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        after_result.tender_refund_security(code=self.transaction.code, user=request.user,
                                            **_valid(TenderRefundInput, request))
        return Response(status=204)


class Multipart(TenderEndpoint):
    parser_classes = [MultiPartParser, FormParser]


class PassOverView(Multipart):
    @extend_schema(request={"multipart/form-data": TenderPassOverInput}, responses={200: TransactionOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        v = _valid(TenderPassOverInput, request)
        obj = awarding.tender_pass_over(code=self.transaction.code, user=request.user, action=v["action"],
                                        reason=v["reason"], upload=v["file"],
                                        expected_stage=v["expected_stage"] or None)
        return transaction_out(request, obj)


class ContractView(Multipart):
    @extend_schema(request={"multipart/form-data": TenderContractInput}, responses={200: TransactionOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        v = _valid(TenderContractInput, request)
        obj = after_result.tender_record_contract(code=self.transaction.code, user=request.user, amount=v["amount"],
                                                  signed_on=v["signed_on"], upload=v["file"],
                                                  expected_stage=v["expected_stage"] or None)
        return transaction_out(request, obj)


class WrittenReportView(Multipart):
    @extend_schema(request={"multipart/form-data": TenderFileInput}, responses={201: TenderCreatedOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        document = after_result.tender_file_report(code=self.transaction.code, user=request.user,
                                                   upload=_valid(TenderFileInput, request)["file"])
        return Response(TenderCreatedOutput({"id": document.pk}).data, status=201)


class AcceptanceView(Multipart):
    @extend_schema(request={"multipart/form-data": TenderAcceptanceInput}, responses={200: TransactionOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        v = _valid(TenderAcceptanceInput, request)
        obj = after_result.tender_record_acceptance(code=self.transaction.code, user=request.user,
                                                    accepted_on=v["accepted_on"], passed=v["passed"],
                                                    remarks=v["remarks"], upload=v["file"],
                                                    expected_stage=v["expected_stage"] or None)
        return transaction_out(request, obj)


class MethodChangeView(Multipart):
    @extend_schema(request={"multipart/form-data": TenderMethodChangeInput}, responses={200: TransactionOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        v = _valid(TenderMethodChangeInput, request)
        obj = after_result.tender_change_method(code=self.transaction.code, user=request.user, reason=v["reason"],
                                                upload=v["file"], expected_stage=v["expected_stage"] or None)
        return transaction_out(request, obj)


T = "transactions/<str:code>/tender/"

urlpatterns = [
    path(T, TenderView.as_view(), name="api-tender"),
    path(f"{T}choices/", ChoicesView.as_view(), name="api-tender-choices"),
    path(f"{T}notice/", NoticeView.as_view(), name="api-tender-notice"),
    path(f"{T}clarifications/", ClarificationView.as_view(), name="api-tender-clarifications"),
    path(f"{T}registrations/", RegistrationView.as_view(), name="api-tender-registrations"),
    path(f"{T}bids/", BidView.as_view(), name="api-tender-bids"),
    path(f"{T}bids/technical/", TechnicalView.as_view(), name="api-tender-technical"),
    path(f"{T}bids/withdraw/", WithdrawView.as_view(), name="api-tender-withdraw"),
    path(f"{T}bids/confirm/", ConfirmView.as_view(), name="api-tender-confirm"),
    path(f"{T}bids/mine/", MyBidsView.as_view(), name="api-tender-bids-mine"),
    path(f"{T}objections/", ObjectionView.as_view(), name="api-tender-objections"),
    path(f"{T}objections/<int:challenge_id>/answer/", AnswerView.as_view(), name="api-tender-answer"),
    path(f"{T}draws/", DrawView.as_view(), name="api-tender-draws"),
    path(f"{T}committee/", CommitteeView.as_view(), name="api-tender-committee"),
    path(f"{T}assessments/", AssessmentView.as_view(), name="api-tender-assessments"),
    path(f"{T}scores/", ScoreView.as_view(), name="api-tender-scores"),
    path(f"{T}report/", SignView.as_view(), name="api-tender-report"),
    path(f"{T}scoring/", ScoringView.as_view(), name="api-tender-scoring"),
    path(f"{T}securities/", SecurityView.as_view(), name="api-tender-securities"),
    path(f"{T}securities/refunds/", RefundView.as_view(), name="api-tender-refunds"),
    path(f"{T}pass-over/", PassOverView.as_view(), name="api-tender-pass-over"),
    path(f"{T}contract/", ContractView.as_view(), name="api-tender-contract"),
    path(f"{T}written-report/", WrittenReportView.as_view(), name="api-tender-written-report"),
    path(f"{T}acceptance/", AcceptanceView.as_view(), name="api-tender-acceptance"),
    path(f"{T}method-change/", MethodChangeView.as_view(), name="api-tender-method-change"),
]
