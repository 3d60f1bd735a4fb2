"""Input and output serializers (separate, HackSoft style). Inputs carry what the client
sent; the services decide whether it is acceptable."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from trading.models import (
    Document,
    DocumentPurpose,
    Membership,
    Station,
    Transaction,
    TransactionType,
    Unit,
)
from trading.selectors import (
    available_transitions,
    closed_transitions,
    documents_for,
    public_document_purposes,
)
from trading.text import MAX_ID


class RecordId(serializers.IntegerField):
    """A record number: 1 .. the largest the database stores, in ASCII digits (DRF's own
    IntegerField would take "٣" for 3 and let 2**70 through to the query)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and not data.strip().isascii():
            self.fail("invalid")
        return super().to_internal_value(data)


class YuanText(serializers.CharField):
    """Money in: yuan as a decimal string ("128000.00"). A JSON number is refused rather than
    turned into text: 0.1 + 0.2 style floats have no place near money (LEDGER.md section 2)."""

    default_error_messages = {"not_text": _('give yuan as a decimal string, e.g. "128000.00", not a number')}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 24)
        kwargs.setdefault("help_text", 'yuan as a decimal string, e.g. "128000.00"')
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.DATETIME)
class MomentText(serializers.CharField):
    """A moment the view has formatted already: ISO 8601 with its offset, in the station's
    time or the ledger's UTC form (`2026-12-03T01:00:00.000000Z`). The schema says `date-time`."""


class TokenInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, style={"input_type": "password"}, trim_whitespace=False)


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="send as `Authorization: Token <token>`")
    expires = serializers.DateTimeField(help_text="when the token stops working (API_TOKEN_TTL_HOURS after it was issued)")


class MembershipOutput(serializers.ModelSerializer):
    station = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit = serializers.SerializerMethodField()

    def get_unit(self, obj) -> str | None:
        """The owning unit a purchaser acts for; null for station-wide roles."""
        return str(obj.unit) if obj.unit_id else None

    class Meta:
        model = Membership
        fields = ["station", "role", "unit"]
        read_only_fields = fields  # an output: the schema marks every field as always present


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    memberships = MembershipOutput(many=True)


class UnitOutput(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name"]
        read_only_fields = fields


class StationOutput(serializers.ModelSerializer):
    units = UnitOutput(many=True, read_only=True, help_text="the owning units: `id` is what a transaction is filed with")

    class Meta:
        model = Station
        fields = ["code", "name", "county", "units"]
        read_only_fields = fields


class TransactionCreateInput(serializers.Serializer):
    unit = RecordId(help_text="id of the owning unit (see /api/v1/stations/)")
    type = serializers.ChoiceField(choices=TransactionType.choices)
    title = serializers.CharField(max_length=200, trim_whitespace=False)
    amount = YuanText()
    description = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)


class TransactionUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, trim_whitespace=False)
    amount = YuanText(required=False)
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class TransitionInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False,
                                   help_text="required for reject, suspend and terminate; published")
    expected_stage = serializers.CharField(
        required=False, allow_blank=True, default="",
        help_text="the stage the client saw; if it changed meanwhile the answer is 409",
    )


class DocumentOutput(serializers.ModelSerializer):
    public = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "name", "purpose", "sha256", "size", "content_type", "uploaded_at", "public", "url"]
        read_only_fields = fields

    def _public_purposes(self, obj) -> set[str]:
        known = self.context.setdefault("_public_purposes", {})
        if obj.transaction_id not in known:
            known[obj.transaction_id] = public_document_purposes(obj.transaction)
        return known[obj.transaction_id]

    def get_public(self, obj) -> bool:
        """A public notice published it: anyone may download it, no login."""
        return obj.purpose in self._public_purposes(obj)

    def get_url(self, obj) -> str:
        """Where to download it: `/t/<code>/documents/<id>/` (no login) when it is public, else
        the transaction page's `/work/transactions/<code>/documents/<id>/` (a logged-in session)."""
        name = "public-document" if self.get_public(obj) else "document-download"
        return reverse(name, args=[obj.transaction.code, obj.pk])


class DocumentInput(serializers.Serializer):
    file = serializers.FileField()
    purpose = serializers.ChoiceField(choices=DocumentPurpose.choices, default=DocumentPurpose.APPROVAL)


class ClosedActionOutput(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    rule = serializers.CharField()
    reason = serializers.CharField(help_text="what the rule says and what is missing, in the caller's language")


class TransactionOutput(serializers.ModelSerializer):
    station = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit = serializers.StringRelatedField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, read_only=True)
    stage_label = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()
    closed_actions = serializers.SerializerMethodField()
    sandbox = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()

    class Meta:
        model = Transaction
        fields = ["code", "type", "title", "description", "station", "unit", "amount", "stage",
                  "stage_label", "suspended_from", "created_at", "submitted_at", "registered_at",
                  "sandbox", "documents", "available_actions", "closed_actions"]
        read_only_fields = fields

    def get_sandbox(self, obj) -> int | None:
        """null, or how many times a sandbox transaction's periods are compressed."""
        return obj.time_factor if obj.time_factor > 1 else None

    @extend_schema_field(DocumentOutput(many=True))
    def get_documents(self, obj):
        """The documents the caller may read (one rule with the pages and downloads)."""
        return DocumentOutput(documents_for(obj, self.context.get("user")), many=True).data

    @extend_schema_field(ClosedActionOutput(many=True))
    def get_closed_actions(self, obj):
        """Moves the caller could make once their rules hold, each with the rule and why not yet."""
        user = self.context.get("user")
        tx = obj.as_procedure()
        return [{"action": t.name, "label": tx.action_label(t.name),
                 "rule": next(c.code for c in t.conditions if not c(tx)), "reason": why}
                for t, why in closed_transitions(tx, user)]

    def get_stage_label(self, obj) -> str:
        return str(obj.as_procedure().stage_label())

    def get_available_actions(self, obj) -> list[str]:
        user = self.context.get("user")
        return [t.name for t in available_transitions(obj.as_procedure(), user)]
