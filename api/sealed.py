"""REST API v1: sealed quotes (docs/sealed-bids.md, docs/api.md).

    GET  transactions/{code}/opening-key/          public: the round's opening public key
    POST transactions/{code}/quotes/               bidder: submit a sealed envelope
    GET  transactions/{code}/quotes/mine/          bidder: my quotes and their receipts
    GET  transactions/{code}/quotes/mine/{uscc}/receipt/   bidder: the receipt, text/plain
    GET  transactions/{code}/opening/              public: the opening record
    POST transactions/{code}/opening/              clerk with k custodians' passphrases

Thin views over bidding.services.sealed and bidding.selectors_sealed. Until the deadline
nothing here tells anyone but the supplier itself who quoted or how many.
"""

import base64
import binascii

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bidding import crypto
from bidding import selectors_sealed as sel
from bidding.models import Company
from bidding.services.sealed import quote_submit
from ledger.core.entry import format_ts
from trading import selectors as trading_selectors
from trading.errors import InvalidInput, NotPermitted
from trading.models import User

from .parsers import StrictJSONParser

ERRORS = {
    400: OpenApiResponse(description="invalid input, e.g. an envelope of the wrong size or not base64"),
    403: OpenApiResponse(description="you do not represent that supplier, or it is not invited"),
    404: OpenApiResponse(description="no such registered transaction, or nothing to show yet"),
    409: OpenApiResponse(description="not at the stage where this is possible"),
    422: OpenApiResponse(description="a rule refuses it (deadline passed, one quote per supplier...); "
                                     "details.rule names it"),
}


def _public_or_404(code):
    tx = trading_selectors.public_transaction(code)
    if tx is None:
        raise Http404(_("no transaction %(code)s among the registered ones") % {"code": code})
    return tx


def _ts(moment):
    return format_ts(moment) if moment else None


# --- the opening public key -----------------------------------------------------------------------

class OpeningKeyOutput(serializers.Serializer):
    code = serializers.CharField()
    round = serializers.IntegerField()
    origin = serializers.CharField(help_text="the ledger origin, bound into every envelope")
    public_key = serializers.CharField(help_text="X25519 public key, 64 hex digits")
    suite = serializers.CharField()
    k = serializers.IntegerField()
    n = serializers.IntegerField()
    envelope_size = serializers.IntegerField()
    quote_deadline = serializers.CharField(allow_null=True)


class OpeningKeyView(APIView):
    """What `python -m bidding.seal --key-url` fetches: public, no login."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpeningKeyOutput, 404: ERRORS[404]})
    def get(self, request, code):
        tx = _public_or_404(code)
        key = sel.opening_key_of(tx)
        if key is None:
            raise Http404(_("round %(round)d of %(code)s has no opening key yet") % {"round": tx.round, "code": code})
        return Response({
            "code": tx.code, "round": key.round, "origin": settings.LEDGER_ORIGIN,
            "public_key": bytes(key.public_key).hex(), "suite": crypto.SUITE_NAME, "k": key.k, "n": key.n,
            "envelope_size": crypto.ENVELOPE_SIZE, "quote_deadline": _ts(sel.quote_deadline_of(tx)),
        })


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
    received_at = serializers.CharField()
    receipt = serializers.CharField(help_text="the signed note of LEDGER.md section 6")


def _quote_out(quote):
    return {"code": quote.transaction.code, "round": quote.round, "supplier": quote.company.name,
            "uscc": quote.company.uscc, "commitment": quote.commitment, "received_at": _ts(quote.received_at),
            "receipt": quote.receipt}


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


class QuoteSubmitView(APIView):
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]

    @extend_schema(request={"application/json": QuoteInput, "multipart/form-data": QuoteInput},
                   responses={201: QuoteOutput, 200: QuoteOutput, **ERRORS},
                   description="Submit a sealed quote. 201 with the signed receipt; 200 with the same receipt "
                               "when the same idempotency key and envelope were accepted already.")
    def post(self, request, code):
        tx = _public_or_404(code)
        fields = request.data
        if "envelope" in request.FILES:  # the file under the name `envelope`: read below
            fields = {name: request.data.get(name) for name in ("supplier", "idempotency_key")
                      if request.data.get(name) is not None}
        data = QuoteInput(data=fields)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        company = _represented(request.user, values["supplier"])
        key = values.get("idempotency_key") or request.headers.get("Idempotency-Key", "")
        quote = quote_submit(transaction=tx, company=company, envelope=_envelope_bytes(request, values),
                             user=request.user, idempotency_key=key)
        return Response(_quote_out(quote),
                        status=status.HTTP_200_OK if quote.replayed else status.HTTP_201_CREATED)


class MyQuotesView(APIView):
    @extend_schema(responses={200: QuoteOutput(many=True), 404: ERRORS[404]})
    def get(self, request, code):
        tx = _public_or_404(code)
        return Response([_quote_out(q) for q in sel.own_quotes(request.user, tx)])


class MyReceiptView(APIView):
    """The receipt as a file for `python -m ledger.verify --receipt`."""

    @extend_schema(responses={(200, "text/plain"): OpenApiResponse(description="the signed receipt"),
                              403: ERRORS[403], 404: ERRORS[404]})
    def get(self, request, code, uscc):
        tx = _public_or_404(code)
        company = _represented(request.user, uscc)
        quote = sel.own_quote(tx, company)
        if quote is None:
            raise Http404(_("no quote of %(company)s in %(code)s yet") % {"company": company.name, "code": code})
        response = HttpResponse(quote.receipt, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="receipt-{tx.code}-r{quote.round}-{company.uscc}.txt"'
        return response


# --- the opening --------------------------------------------------------------------------------

class SecretInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    passphrase = serializers.CharField(max_length=1024, trim_whitespace=False, style={"input_type": "password"})


class OpeningInput(serializers.Serializer):
    secrets = SecretInput(many=True, help_text="the custodians present: at least k")
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
    opened_at = serializers.CharField()
    opened_by = serializers.CharField()
    custodians = serializers.ListField(child=serializers.CharField())
    records = OpeningRecordOutput(many=True)


class ClosedOutput(serializers.Serializer):
    count = serializers.IntegerField()
    commitments = serializers.ListField(child=serializers.CharField())


class OpeningStateOutput(serializers.Serializer):
    code = serializers.CharField()
    round = serializers.IntegerField()
    quote_deadline = serializers.CharField(allow_null=True)
    closed = ClosedOutput(allow_null=True, help_text="the current round once its deadline passed, else null")
    openings = OpeningOutput(many=True)


def _opening_state(tx):
    return {
        "code": tx.code,
        "round": tx.round,
        "quote_deadline": _ts(sel.quote_deadline_of(tx)),
        "closed": sel.closed_round_summary(tx),
        "openings": [{
            "round": o.round,
            "opened_at": _ts(o.opened_at),
            "opened_by": o.opened_by.ledger_name(),
            "custodians": [u.ledger_name() for u in o.custodians.all()],
            "records": [{
                "supplier": r.quote.company.name, "uscc": r.quote.company.uscc, "commitment": r.quote.commitment,
                "outcome": r.outcome, "price": f"{r.price:.2f}" if r.price is not None else None,
                "reason": r.reason or None,
            } for r in o.record_list],
        } for o in sel.openings_of(tx)],
    }


class OpeningView(APIView):
    parser_classes = [StrictJSONParser]

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(responses={200: OpeningStateOutput, 404: ERRORS[404]},
                   description="Public. Before the deadline `closed` is null and `openings` empty: nothing "
                               "about the quotes is shown.")
    def get(self, request, code):
        return Response(_opening_state(_public_or_404(code)))

    @extend_schema(request=OpeningInput, responses={200: OpeningStateOutput, **ERRORS},
                   description="The clerk opens the quotes with the passphrases of at least k custodians.")
    def post(self, request, code):
        from trading.services.inquiry import inquiry_open_quotes

        tx = _public_or_404(code)
        data = OpeningInput(data=request.data)
        data.is_valid(raise_exception=True)
        secrets = []
        for item in data.validated_data["secrets"]:
            user = User.objects.filter(username=item["username"]).first()
            if user is None:
                raise InvalidInput(_("no user %(username)s") % {"username": item["username"]}, field="secrets")
            secrets.append((user, item["passphrase"]))
        inquiry_open_quotes(code=tx.code, user=request.user, secrets=secrets,
                            expected_stage=data.validated_data["expected_stage"] or None)
        return Response(_opening_state(_public_or_404(code)))

    @classmethod
    def as_view(cls, **kwargs):
        # Django's error reports never show the passphrases.
        return sensitive_post_parameters()(super().as_view(**kwargs))


urlpatterns = [
    path("transactions/<str:code>/opening-key/", OpeningKeyView.as_view(), name="api-opening-key"),
    path("transactions/<str:code>/quotes/", QuoteSubmitView.as_view(), name="api-quotes"),
    path("transactions/<str:code>/quotes/mine/", MyQuotesView.as_view(), name="api-quotes-mine"),
    path("transactions/<str:code>/quotes/mine/<str:uscc>/receipt/", MyReceiptView.as_view(),
         name="api-quote-receipt"),
    path("transactions/<str:code>/opening/", OpeningView.as_view(), name="api-opening"),
]
