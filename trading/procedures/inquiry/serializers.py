"""The inquiry API's serializers: what each request takes and what each answer gives, so
the OpenAPI schema documents every answer (tests/api/test_schema_answers.py validates real
answers against it); `inquiry_overview_out` shapes the overview from the selectors."""

from django.utils import timezone
from rest_framework import serializers

from api.serializers import MomentText, RecordId, YuanText
from bidding.models import DrawPurpose

from . import selectors
from .records import InvitationMethod


def moment_text(moment):
    return timezone.localtime(moment).isoformat() if moment else None


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


class ChallengeUploadInput(ChallengeInput):
    file = serializers.FileField(required=False, help_text=(
        "optional supporting file (the types and size of every document upload); its SHA-256 is recorded in the "
        "challenge.filed entry; the station's staff, the purchaser and the filer read it"))


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
    accepted_on = serializers.DateField()
    passed = serializers.BooleanField()
    report_sha256 = serializers.CharField()


class DrawnOut(serializers.Serializer):
    number = serializers.CharField(help_text="the pool number drawn (S-0001, E-0001)")
    name = serializers.CharField(allow_null=True, help_text="who it is; null while the name is secret to you")


class DrawOut(serializers.Serializer):
    purpose = serializers.CharField()
    commitment = serializers.CharField()
    performed = serializers.BooleanField()
    revealed = serializers.BooleanField()
    result = serializers.ListField(child=serializers.CharField(), required=False,
                                   help_text="the pool numbers drawn, in order: the clerk and the supervisors once "
                                             "performed, everyone once revealed")
    drawn = DrawnOut(many=True, required=False, help_text="the same, each with its name where you may know it")


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


class AttachmentOut(serializers.Serializer):
    name = serializers.CharField()
    sha256 = serializers.CharField()


class ChallengeOut(serializers.Serializer):
    id = serializers.IntegerField()
    supplier = serializers.CharField()
    text = serializers.CharField()
    filed_at = MomentText()
    answer = serializers.CharField(allow_null=True)
    attachment = AttachmentOut(allow_null=True, help_text="the file attached to the challenge, if any")


class NoticeRef(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    published_at = MomentText()
    sha256 = serializers.CharField()


class InquiryOutput(serializers.Serializer):
    code = serializers.CharField()
    stage = serializers.CharField()
    round = serializers.IntegerField()
    time_factor = serializers.IntegerField(help_text="1, or the compression of a sandbox's periods")
    server_now = MomentText(help_text="the server's clock (every time here is a real moment)")
    rule_set = RuleSetRef(allow_null=True)
    quote_deadline = MomentText(allow_null=True)
    confirm_by = MomentText(allow_null=True)
    challenge_until = MomentText(allow_null=True)
    contract_due_by = MomentText(allow_null=True)
    acceptance = AcceptanceOut(allow_null=True)
    quote_count = serializers.IntegerField(allow_null=True, help_text="null until the quotes are closed")
    draws = DrawOut(many=True)
    group = MemberOut(many=True, allow_null=True, help_text="null when its names are not yours to see yet")
    opening_record = OpeningRecordOut(many=True, allow_null=True)
    award = AwardOut(allow_null=True)
    challenges = ChallengeOut(many=True)
    my_invitations = serializers.ListField(child=serializers.CharField(),
                                           help_text="the credit codes of your invited companies")
    invitation_method = serializers.ChoiceField(choices=InvitationMethod.choices, allow_null=True,
                                                help_text="how the suppliers were invited (stated in the notice)")
    invitation_note = serializers.CharField(allow_null=True, help_text=(
        "why the clerk invited other suppliers than those a performed draw gave: the station's clerks and the "
        "supervisors only; null for others, or when there is none"))
    notices = NoticeRef(many=True)


def inquiry_overview_out(obj, user):
    o = selectors.inquiry_overview(obj, user)
    d = o["record"]
    group = o["group"]
    acceptance = o["acceptance"]
    return InquiryOutput({
        "code": obj.code, "stage": obj.stage, "round": obj.round, "time_factor": obj.time_factor,
        "server_now": moment_text(o["server_now"]),
        "rule_set": {"code": obj.rule_set.code, "version": obj.rule_set.version, "digest": obj.rule_set.digest}
        if obj.rule_set else None,
        "quote_deadline": moment_text(o["quote_deadline"]),
        "confirm_by": moment_text(d.confirm_by) if d else None,
        "challenge_until": moment_text(d.challenge_until) if d else None,
        "contract_due_by": moment_text(d.contract_due_by) if d else None,
        "acceptance": {"accepted_on": acceptance.accepted_on.isoformat(), "passed": acceptance.passed,
                       "report_sha256": acceptance.document_sha256} if acceptance else None,
        "quote_count": o["quote_count"],
        "draws": [{"purpose": x.purpose, "commitment": x.commitment, "performed": bool(x.performed_at),
                   "revealed": bool(x.revealed_at),
                   **({"result": x.result, "drawn": o["drawn"][x.pk]} if o["drawn"][x.pk] is not None else {})}
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
        "challenges": [{"id": c.pk, "supplier": c.company.name, "text": c.text, "filed_at": moment_text(c.filed_at),
                        "answer": c.answer or None,
                        "attachment": {"name": c.attachment.name, "sha256": c.attachment.sha256}
                        if c.attachment else None} for c in o["challenges"]],
        "my_invitations": [a.company.uscc for a in o["my_admissions"]],
        "invitation_method": (d.invitation_method or None) if d else None,
        "invitation_note": (d.invitation_note or None) if d and o["invitation_note_visible"] else None,
        "notices": [{"id": n.pk, "kind": n.kind, "title": n.title, "published_at": moment_text(n.published_at),
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
    earliest_deadline = MomentText(allow_null=True)
    suggested_deadline = MomentText(allow_null=True)
    calendar_error = serializers.CharField(allow_null=True)
    calendar_provisional = serializers.CharField(
        allow_null=True, help_text="the year the deadline counts in is provisional (weekends only): why, and what to enter")
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
