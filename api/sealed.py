"""REST API v1: sealed quotes (docs/sealed-bids.md, docs/api.md).

    GET  transactions/{code}/opening-key/          public: the round's opening public key
    POST transactions/{code}/quotes/               bidder: submit a sealed envelope
    GET  transactions/{code}/quotes/mine/          bidder: my quotes and their receipts
    GET  transactions/{code}/quotes/mine/receipt/?commitment=...   bidder: a receipt, text/plain
    GET  transactions/{code}/opening/              public: the opening record
    POST transactions/{code}/opening/              clerk with k custodians' shares

Thin views over bidding's services and selectors; the opening is the procedure's move
marked `opens_bids`, reached through the registry. Until the round closes nothing here
tells anyone but the supplier itself who quoted or how many; no company identifier is
in a path (the access log records paths).
"""

import base64
import binascii

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from bidding import crypto
from bidding import selectors_sealed as sel
from bidding.models import Company
from bidding.services.bids import bid_submit
from bidding.services.openings import parse_share, shares_verify
from ledger.core.entry import format_ts
from ledger.selectors import entry_seq_of
from trading.errors import InvalidInput, NotPermitted
from trading.models import User
from trading.selectors import transition_marked
from trading.services.transitions import transaction_transition

from .base import MOVE_ERRORS, PUBLIC_401, PublicTransactionEndpoint, errors
from .parsers import StrictJSONParser
from .serializers import MomentText

QUOTE_ERRORS = errors(*MOVE_ERRORS, described={
    400: "`invalid_input`: e.g. an envelope of the wrong size or not base64",
    403: "`not_permitted`: you do not represent that supplier, or it is not invited",
    404: "`not_found`: no such registered transaction, or it receives no quotes yet",
    409: "`stage_conflict`: not at the stage where quotes are received",
    422: "`rule_violation`: a rule refuses it (deadline passed, one quote per supplier...); `details.rule` names it",
})


def _ts(moment):
    return format_ts(moment) if moment else None


# --- the opening public key -----------------------------------------------------------------------

class OpeningKeyOutput(serializers.Serializer):
    code = serializers.CharField()
    round = serializers.IntegerField()
    part = serializers.CharField(help_text="the part of the bid this key seals (offer, or e.g. technical, price)")
    origin = serializers.CharField(help_text="the ledger origin, bound into every envelope")
    public_key = serializers.CharField(help_text="X25519 public key, 64 hex digits")
    suite = serializers.CharField()
    k = serializers.IntegerField()
    n = serializers.IntegerField()
    envelope_size = serializers.IntegerField()
    quote_deadline = MomentText(allow_null=True)
    ledger_seq = serializers.IntegerField(
        allow_null=True, help_text="seq of the `opening_key.created` entry that publishes this key (null until the "
                                   "sequencer has placed it, within a second)")


class OpeningKeyView(PublicTransactionEndpoint):
    """What `python -m bidding.seal --key-url` fetches: public, no login. The tool checks
    the key against the ledger entry at `ledger_seq`."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[OpenApiParameter("part", str, required=False, description=(
                       "the part of the bid whose key is wanted (e.g. technical, price); default: the last part"))],
                   responses={200: OpeningKeyOutput, **errors(401, 404, described={
                       401: PUBLIC_401, 404: "`not_found`: no such registered transaction, or its round has no "
                                             "opening key (for that part) yet"})})
    def get(self, request, code):
        tx = self.transaction
        bid_round = sel.round_of(tx)
        part = request.query_params.get("part") or (bid_round.part_names[-1] if bid_round else "offer")
        key = sel.opening_key_of(bid_round, part[:16])
        if key is None:
            raise Http404(_("round %(round)d of %(code)s has no opening key yet") % {"round": tx.round, "code": code})
        public_key = bytes(key.public_key).hex()
        return Response(OpeningKeyOutput({
            "code": tx.code, "round": bid_round.procedure_round, "part": key.part, "origin": settings.LEDGER_ORIGIN,
            "public_key": public_key, "suite": crypto.SUITE_NAME, "k": key.k, "n": key.n,
            "envelope_size": crypto.ENVELOPE_SIZE, "quote_deadline": _ts(bid_round.deadline),
            "ledger_seq": entry_seq_of(subject=tx.code, kind="opening_key.created", data_key="public_key",
                                       data_value=public_key),
        }).data)


# --- quotes ---------------------------------------------------------------------------------------

class QuoteInput(serializers.Serializer):
    supplier = serializers.CharField(max_length=32, help_text="the unified social credit code you quote for")
    envelope = serializers.CharField(
        required=False, allow_blank=True, max_length=4096, trim_whitespace=True,
        help_text=f"JSON: the envelope in standard base64 ({crypto.ENVELOPE_SIZE} bytes before encoding)")
    envelope_file = serializers.FileField(required=False, help_text="multipart: the envelope file (field "
                                                                    "`envelope_file`, or `envelope`)")
    idempotency_key = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                            help_text="or the Idempotency-Key header")


class QuoteOutput(serializers.Serializer):
    code = serializers.CharField()
    round = serializers.IntegerField()
    supplier = serializers.CharField()
    uscc = serializers.CharField()
    commitment = serializers.CharField()
    received_at = MomentText()
    receipt = serializers.CharField(help_text="the signed note of LEDGER.md section 6")


def _quote(quote) -> dict:
    return {"code": quote.transaction.code, "round": quote.bid_round.procedure_round,
            "supplier": quote.bidder_name, "uscc": quote.bidder_uscc, "commitment": quote.commitment,
            "received_at": _ts(quote.received_at), "receipt": quote.receipt}


def _envelope_bytes(request, data) -> bytes:
    upload = data.get("envelope_file") or request.FILES.get("envelope")
    if upload is not None:
        if upload.size != crypto.ENVELOPE_SIZE:
            raise InvalidInput(_("a sealed quote is exactly %(size)d bytes; this file has %(given)d")
                               % {"size": crypto.ENVELOPE_SIZE, "given": upload.size}, field="envelope")
        return upload.read()
    text = data.get("envelope")
    if not text:
        raise InvalidInput(_("send the envelope: base64 in JSON (`envelope`) or a multipart file"), field="envelope")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InvalidInput(_("the envelope is not standard base64"), field="envelope") from None


def _represented(user, uscc) -> Company:
    company = Company.objects.filter(uscc=(uscc or "").strip().upper(), representatives=user).first()
    if company is None:
        raise NotPermitted(_("you represent no supplier with this unified social credit code"))
    return company


class QuoteSubmitView(PublicTransactionEndpoint):
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]

    @extend_schema(request={"application/json": QuoteInput, "multipart/form-data": QuoteInput},
                   responses={201: QuoteOutput, 200: QuoteOutput, **QUOTE_ERRORS},
                   description="Submit a sealed quote. 201 with the signed receipt; 200 with the same receipt "
                               "when the same idempotency key and envelope were accepted already.")
    def post(self, request, code):
        tx = self.transaction
        fields = request.data
        if "envelope" in request.FILES:  # the file under the name `envelope`: read below
            fields = {name: request.data.get(name) for name in ("supplier", "idempotency_key")
                      if request.data.get(name) is not None}
        data = QuoteInput(data=fields)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        company = _represented(request.user, values["supplier"])
        key = values.get("idempotency_key") or request.headers.get("Idempotency-Key", "")
        bid_round = sel.round_of(tx)
        if bid_round is None:
            raise Http404(_("%(code)s receives no quotes yet") % {"code": code})
        quote = bid_submit(bid_round=bid_round, company=company, envelope=_envelope_bytes(request, values),
                           user=request.user, idempotency_key=key)
        return Response(QuoteOutput(_quote(quote)).data,
                        status=status.HTTP_200_OK if quote.replayed else status.HTTP_201_CREATED)


class MyQuotesView(PublicTransactionEndpoint):
    @extend_schema(responses={200: QuoteOutput(many=True), **errors(401, 404)})
    def get(self, request, code):
        return Response(QuoteOutput([_quote(q) for q in sel.own_bids(request.user, self.transaction)], many=True).data)


class MyReceiptView(PublicTransactionEndpoint):
    """The receipt of one of your quotes (`?commitment=`) as a file for
    `python -m ledger.verify --receipt`."""

    @extend_schema(parameters=[OpenApiParameter("commitment", str, required=True,
                                                description="the quote's commitment (64 hex digits)")],
                   responses={(200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="the signed receipt"),
                              **errors(401, 404, described={
                                  404: "`not_found`: no quote of a supplier you represent with this commitment"})})
    def get(self, request, code):
        commitment = (request.query_params.get("commitment") or "").strip().lower()
        quote = next((q for q in sel.own_bids(request.user, self.transaction) if q.commitment == commitment), None)
        if quote is None:
            raise Http404(_("no quote of a supplier you represent with this commitment in %(code)s") % {"code": code})
        response = HttpResponse(quote.receipt, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="receipt-{self.transaction.code}-{commitment[:12]}.txt"'
        return response


# --- the opening --------------------------------------------------------------------------------

class ShareInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    share = serializers.CharField(max_length=400, help_text="the custodian's share of this round's opening key, "
                                                            "hexadecimal, as `python -m bidding.custodian` prints it")


class OpeningInput(serializers.Serializer):
    shares = ShareInput(many=True, help_text="the custodians present: at least k")
    expected_stage = serializers.CharField(required=False, allow_blank=True, default="")


class OpeningRecordOutput(serializers.Serializer):
    supplier = serializers.CharField()
    uscc = serializers.CharField()
    commitment = serializers.CharField()
    outcome = serializers.CharField()
    price = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True)


class OpeningOutput(serializers.Serializer):
    round = serializers.IntegerField()
    opened_at = MomentText()
    opened_by = serializers.CharField()
    custodians = serializers.ListField(child=serializers.CharField())
    records = OpeningRecordOutput(many=True)


class ClosedOutput(serializers.Serializer):
    count = serializers.IntegerField()
    commitments = serializers.ListField(child=serializers.CharField())


class OpeningStateOutput(serializers.Serializer):
    code = serializers.CharField()
    round = serializers.IntegerField()
    quote_deadline = MomentText(allow_null=True)
    closed = ClosedOutput(allow_null=True, help_text="the current round once its deadline passed, else null")
    openings = OpeningOutput(many=True)


def _opening_state(tx):
    bid_round = sel.round_of(tx)
    return OpeningStateOutput({
        "code": tx.code,
        "round": tx.round,
        "quote_deadline": _ts(bid_round.deadline) if bid_round else None,
        "closed": sel.closed_round_summary(bid_round),
        "openings": [{
            "round": o.bid_round.procedure_round,
            "opened_at": _ts(o.opened_at),
            "opened_by": o.opened_by.ledger_name(),
            "custodians": [u.ledger_name() for u in o.custodians.all()],
            "records": [{
                "supplier": r.bid.bidder_name, "uscc": r.bid.bidder_uscc, "commitment": r.bid.commitment,
                "outcome": r.outcome, "price": f"{r.price:.2f}" if r.price is not None else None,
                "reason": r.reason or None,
            } for r in o.record_list],
        } for o in sel.openings_of(tx)],
    }).data


class OpeningView(PublicTransactionEndpoint):
    parser_classes = [StrictJSONParser]

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(responses={200: OpeningStateOutput, **errors(401, 404, described={401: PUBLIC_401})},
                   description="Public. Before the deadline `closed` is null and `openings` empty: nothing "
                               "about the quotes is shown.")
    def get(self, request, code):
        return Response(_opening_state(self.transaction))

    @extend_schema(request=OpeningInput, responses={200: OpeningStateOutput, **errors(*MOVE_ERRORS, described={
        400: "`invalid_input`: a share that is malformed or names no user, or not yet at the opening"})},
                   description="The clerk opens the quotes with the shares of at least k custodians, each decrypted "
                               "on the custodian's side (docs/sealed-bids.md); a passphrase never reaches the server.")
    def post(self, request, code):
        tx = self.transaction
        data = OpeningInput(data=request.data)
        data.is_valid(raise_exception=True)
        shares = []
        for item in data.validated_data["shares"]:
            user = User.objects.filter(username=item["username"]).first()
            if user is None:
                raise InvalidInput(_("no user %(username)s") % {"username": item["username"]}, field="shares")
            shares.append((user, parse_share(item["share"])))
        move = transition_marked(tx, "opens_bids")
        if move is None:
            raise InvalidInput(_("%(code)s is at stage “%(stage)s”: quotes are opened after they are closed")
                               % {"code": tx.code, "stage": tx.stage_label()})
        bid_round = sel.round_of(tx)
        part = sel.next_part_to_open(bid_round) or "offer"
        shares_verify(bid_round=bid_round, shares=shares, part=part)
        transaction_transition(code=tx.code, action=move.name, user=request.user, shares=shares,
                               expected_stage=data.validated_data["expected_stage"] or None)
        return Response(_opening_state(self.transaction))

    @classmethod
    def as_view(cls, **kwargs):
        # Django's error reports never show the passphrases.
        return sensitive_post_parameters()(super().as_view(**kwargs))


urlpatterns = [
    path("transactions/<str:code>/opening-key/", OpeningKeyView.as_view(), name="api-opening-key"),
    path("transactions/<str:code>/quotes/", QuoteSubmitView.as_view(), name="api-quotes"),
    path("transactions/<str:code>/quotes/mine/", MyQuotesView.as_view(), name="api-quotes-mine"),
    path("transactions/<str:code>/quotes/mine/receipt/", MyReceiptView.as_view(), name="api-quote-receipt"),
    path("transactions/<str:code>/opening/", OpeningView.as_view(), name="api-opening"),
]
