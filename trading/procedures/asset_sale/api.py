"""REST API v1: the asset sale's steps, thin over its services (docs/api.md).

Moves without inputs (confirm_deal, publish_result, end_negotiation with a reason,
relist, archive) use the generic `POST /transactions/{code}/actions/{action}/`; sealed
offers and their opening are bidding's (api/sealed.py). Submissions that may be retried
take an idempotency key (the `Idempotency-Key` header or the `idempotency_key` field): a
bid repeated with the same key answers 200 with the bid already accepted; a registration
is one per company and round, so repeating it answers 200 with the same registration.
Every answer has an output serializer (OpenAPI).

Why this module is long: it is the procedure's whole API, every step's input and output
serializers next to its view, so that a step's contract (what OpenAPI publishes) reads in
one place, as in the inquiry's api.py."""

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from api.base import MOVE_ERRORS, PublicTransactionEndpoint, TransactionEndpoint, errors
from api.parsers import StrictJSONParser
from api.serializers import RecordId, TransactionOutput, YuanText
from api.views import transaction_out
from bidding.models import Company
from bidding.selectors_auctions import auction_state
from bidding.services.auctions import auction_bid
from trading.errors import InvalidInput, NotFound, NotPermitted

from . import selectors, services
from .records import BuyerRegistration, CompetitionMethod


def _ts(moment):
    return timezone.localtime(moment).isoformat() if moment else None


def _money(value):
    return f"{value:.2f}" if value is not None else None


class SaleEndpoint(TransactionEndpoint):
    procedure_type = "asset_sale"


class PublicSaleEndpoint(PublicTransactionEndpoint):
    procedure_type = "asset_sale"
    permission_classes = [AllowAny]


# --- input serializers ------------------------------------------------------------------------

class AppraisalInput(serializers.Serializer):
    appraiser = serializers.CharField(trim_whitespace=False)
    appraised_value = YuanText()
    appraised_on = serializers.DateField()
    file = serializers.FileField(help_text="the appraisal's approval document")
    expected_stage = serializers.CharField(required=False, allow_blank=True, default="")


class TermsInput(serializers.Serializer):
    listing_price = YuanText()
    method = serializers.ChoiceField(choices=CompetitionMethod.choices,
                                     help_text="how two or more qualified buyers compete")
    reserve_price = YuanText(required=False, allow_blank=True, default="",
                             help_text="at least the listing price; empty: the listing price")
    increment = YuanText(required=False, allow_blank=True, default="", help_text="the auction's fixed increment")
    countdown_minutes = serializers.IntegerField(required=False, min_value=1, max_value=60, default=5)
    deposit = YuanText()
    conditions = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    approval = serializers.FileField(required=False, allow_null=True, default=None,
                                     help_text="a relisting below 90% of the appraisal: the approval document")
    expected_stage = serializers.CharField(required=False, allow_blank=True, default="")


class ChangeInput(TermsInput):
    reason = serializers.CharField(trim_whitespace=False, help_text="published with the change")


class RegisterInput(serializers.Serializer):
    company = RecordId(help_text="id of the company you represent (see /api/v1/companies/mine/)")


class DepositInput(serializers.Serializer):
    amount = YuanText()
    paid_on = serializers.DateField()


class DecisionInput(serializers.Serializer):
    qualified = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False,
                                   help_text="required when refused (published at the close)")


class OffersInput(serializers.Serializer):
    deadline = serializers.DateTimeField(help_text="the offers' deadline, ISO 8601 with offset")
    supervisor = RecordId(help_text="user id of the supervisor custodian")
    purchaser_rep = RecordId(help_text="user id of the seller's representative custodian")
    expected_stage = serializers.CharField(required=False, allow_blank=True, default="")


class AuctionInput(serializers.Serializer):
    starts_at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                          help_text="default: now")
    expected_stage = serializers.CharField(required=False, allow_blank=True, default="")


class BidInput(serializers.Serializer):
    company = RecordId(required=False, help_text="needed when you represent several admitted companies")
    amount = YuanText()
    idempotency_key = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                            help_text="or the Idempotency-Key header")


class PaymentInput(serializers.Serializer):
    amount = YuanText()
    paid_on = serializers.DateField()
    expected_stage = serializers.CharField(required=False, allow_blank=True, default="")


class TransferInput(serializers.Serializer):
    transferred_on = serializers.DateField()
    file = serializers.FileField(help_text="the signed transfer document")
    expected_stage = serializers.CharField(required=False, allow_blank=True, default="")


# --- output serializers -----------------------------------------------------------------------

class RegistrationOut(serializers.Serializer):
    id = serializers.IntegerField()
    company = serializers.CharField()
    uscc = serializers.CharField()
    registered_at = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    deposit_amount = serializers.CharField(allow_null=True)
    deposit_paid_on = serializers.CharField(allow_null=True)
    deposit_forfeited = serializers.BooleanField()


class BidHistoryOut(serializers.Serializer):
    seq = serializers.IntegerField()
    bidder = serializers.IntegerField(help_text="the bidder's number in this auction")
    amount = serializers.CharField()
    accepted_at = serializers.CharField()


class AuctionStateOut(serializers.Serializer):
    version = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["scheduled", "running", "suspended", "closing", "ended"],
                                     help_text="suspended: a supervisor suspended the sale; the countdown stopped")
    server_now = serializers.CharField(help_text="the server's clock, UTC")
    starts_at = serializers.CharField()
    ends_at = serializers.CharField(help_text="the current end: restarts with every accepted bid")
    countdown_seconds = serializers.IntegerField()
    starting_price = serializers.CharField()
    increment = serializers.CharField()
    reserve_price = serializers.CharField()
    current_price = serializers.CharField(allow_null=True)
    next_minimum = serializers.CharField()
    bid_count = serializers.IntegerField()
    leader = serializers.IntegerField(allow_null=True)
    outcome = serializers.CharField(allow_null=True)
    history = BidHistoryOut(many=True)


class SaleOutput(serializers.Serializer):
    code = serializers.CharField()
    stage = serializers.CharField()
    round = serializers.IntegerField()
    time_factor = serializers.IntegerField()
    server_now = serializers.CharField()
    appraiser = serializers.CharField(allow_null=True)
    appraised_value = serializers.CharField(allow_null=True)
    appraised_on = serializers.CharField(allow_null=True)
    listing_price = serializers.CharField(allow_null=True)
    reserve_price = serializers.CharField(allow_null=True)
    method = serializers.CharField(allow_null=True)
    increment = serializers.CharField(allow_null=True)
    countdown_seconds = serializers.IntegerField(allow_null=True)
    deposit = serializers.CharField(allow_null=True)
    disclosure_until = serializers.CharField(allow_null=True)
    qualified_count = serializers.IntegerField(allow_null=True, help_text="null until the close")
    registrations = RegistrationOut(many=True, allow_null=True,
                                    help_text="null when not yours to see (before the close: the station only)")
    my_registrations = RegistrationOut(many=True)
    my_bidder_numbers = serializers.ListField(child=serializers.IntegerField())
    auction = AuctionStateOut(allow_null=True)
    buyer = serializers.CharField(allow_null=True)
    buyer_uscc = serializers.CharField(allow_null=True)
    price = serializers.CharField(allow_null=True)
    deal_method = serializers.CharField(allow_null=True)
    deal_seq = serializers.IntegerField(allow_null=True, help_text="the deal's ledger entry")
    checkpoint_size = serializers.IntegerField(allow_null=True, help_text="the checkpoint covering it")
    payment_due_by = serializers.CharField(allow_null=True)
    publicity_until = serializers.CharField(allow_null=True)


class BidOutput(serializers.Serializer):
    seq = serializers.IntegerField()
    bidder = serializers.IntegerField()
    amount = serializers.CharField()
    received_at = serializers.CharField()
    accepted_at = serializers.CharField()
    ends_at = serializers.CharField()


def _registration(r: BuyerRegistration) -> dict:
    return {"id": r.pk, "company": r.company.name, "uscc": r.company.uscc, "registered_at": _ts(r.registered_at),
            "status": r.status, "reason": r.reason, "deposit_amount": _money(r.deposit_amount),
            "deposit_paid_on": r.deposit_paid_on.isoformat() if r.deposit_paid_on else None,
            "deposit_forfeited": r.deposit_forfeited_at is not None}


def _overview(obj, user):
    o = selectors.sale_overview(obj, user)
    d = o["record"]
    deal = o["deal"]
    return SaleOutput({
        "code": obj.code, "stage": obj.stage, "round": obj.round, "time_factor": obj.time_factor,
        "server_now": _ts(o["server_now"]),
        "appraiser": d.appraiser if d else None, "appraised_value": _money(d.appraised_value) if d else None,
        "appraised_on": d.appraised_on.isoformat() if d and d.appraised_on else None,
        "listing_price": _money(d.listing_price) if d else None, "reserve_price": _money(d.reserve_price) if d else None,
        "method": (d.method or None) if d else None, "increment": _money(d.increment) if d else None,
        "countdown_seconds": d.countdown_seconds if d else None, "deposit": _money(d.deposit) if d else None,
        "disclosure_until": _ts(d.disclosure_until) if d else None,
        "qualified_count": o["qualified_count"],
        "registrations": [_registration(r) for r in o["registrations"]] if o["registrations"] is not None else None,
        "my_registrations": [_registration(r) for r in o["my_registrations"]],
        "my_bidder_numbers": [b.number for b in o["my_bidders"]],
        "auction": o["auction_state"],
        "buyer": deal.buyer.name if deal else None, "buyer_uscc": deal.buyer.uscc if deal else None,
        "price": _money(deal.price) if deal else None, "deal_method": deal.deal_method if deal else None,
        "deal_seq": d.deal_seq if d else None, "checkpoint_size": d.checkpoint_size if d else None,
        "payment_due_by": _ts(d.payment_due_by) if d else None, "publicity_until": _ts(d.publicity_until) if d else None,
    }).data


def _valid(serializer_class, request):
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _terms(v):
    return {"listing_price": v["listing_price"], "method": v["method"], "reserve_price": v["reserve_price"],
            "increment": v["increment"], "countdown_minutes": v["countdown_minutes"], "deposit": v["deposit"],
            "conditions": v["conditions"]}


# --- views -----------------------------------------------------------------------------------

class SaleView(PublicSaleEndpoint):
    @extend_schema(responses={200: SaleOutput, **errors(401, 404)},
                   description="public: what anyone may see now; signed in, what your roles add")
    def get(self, request, code):
        return Response(_overview(self.transaction, request.user))


class AppraisalView(SaleEndpoint):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": AppraisalInput}, responses={200: TransactionOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        v = _valid(AppraisalInput, request)
        return transaction_out(request, services.asset_record_appraisal(
            code=self.transaction.code, user=request.user, appraiser=v["appraiser"],
            appraised_value=v["appraised_value"], appraised_on=v["appraised_on"], upload=v["file"],
            expected_stage=v["expected_stage"] or None))


class DisclosureView(SaleEndpoint):
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]

    @extend_schema(request=TermsInput, responses={200: TransactionOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        v = _valid(TermsInput, request)
        return transaction_out(request, services.asset_publish_disclosure(
            code=self.transaction.code, user=request.user, approval_upload=v["approval"],
            expected_stage=v["expected_stage"] or None, **_terms(v)))


class DisclosureChangeView(SaleEndpoint):
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]

    @extend_schema(request=ChangeInput, responses={200: TransactionOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        v = _valid(ChangeInput, request)
        return transaction_out(request, services.asset_change_disclosure(
            code=self.transaction.code, user=request.user, reason=v["reason"], approval_upload=v["approval"],
            expected_stage=v["expected_stage"] or None, **_terms(v)))


class RegistrationsView(PublicTransactionEndpoint):
    """GET for whoever may see them; POST: a buyer registers (it sees the transaction
    only once registered, so this endpoint looks it up among the public ones)."""

    procedure_type = "asset_sale"

    @extend_schema(responses={200: RegistrationOut(many=True), **errors(401, 403, 404)})
    def get(self, request, code):
        rows = selectors.sale_overview(self.transaction, request.user)["registrations"]
        if rows is None:
            raise NotPermitted(_secret())
        return Response(RegistrationOut([_registration(r) for r in rows], many=True).data)

    @extend_schema(request=RegisterInput, responses={201: RegistrationOut, 200: RegistrationOut, **errors(*MOVE_ERRORS)},
                   description="201 registered; 200 when the company had registered already (same answer)")
    def post(self, request, code):
        v = _valid(RegisterInput, request)
        before = BuyerRegistration.objects.filter(transaction_id=self.transaction.pk, company_id=v["company"],
                                                  sale_round__round=self.transaction.round).exists()
        registration = services.buyer_register(code=self.transaction.code, user=request.user, company=v["company"])
        return Response(RegistrationOut(_registration(registration)).data, status=200 if before else 201)


def _secret():
    return _("who registered, and how many, is secret until the close (the station's clerks and the supervisors "
             "see them to qualify and oversee)")


class DepositView(SaleEndpoint):
    @extend_schema(request=DepositInput, responses={200: RegistrationOut, **errors(*MOVE_ERRORS)})
    def post(self, request, code, registration_id):
        v = _valid(DepositInput, request)
        return Response(RegistrationOut(_registration(services.deposit_record(
            code=self.transaction.code, user=request.user, registration_id=registration_id, amount=v["amount"],
            paid_on=v["paid_on"]))).data)


class DecisionView(SaleEndpoint):
    @extend_schema(request=DecisionInput, responses={200: RegistrationOut, **errors(*MOVE_ERRORS)})
    def post(self, request, code, registration_id):
        v = _valid(DecisionInput, request)
        return Response(RegistrationOut(_registration(services.registration_decide(
            code=self.transaction.code, user=request.user, registration_id=registration_id,
            qualified=v["qualified"], reason=v["reason"]))).data)


class OffersView(SaleEndpoint):
    @extend_schema(request=OffersInput, responses={200: TransactionOutput, **errors(*MOVE_ERRORS)},
                   description="the clerk opens a round of sealed offers (then POST .../quotes/ as for any round)")
    def post(self, request, code):
        v = _valid(OffersInput, request)
        return transaction_out(request, services.asset_open_offers(
            code=self.transaction.code, user=request.user, deadline=v["deadline"], supervisor=v["supervisor"],
            purchaser_rep=v["purchaser_rep"], expected_stage=v["expected_stage"] or None))


class AuctionView(PublicSaleEndpoint):
    @extend_schema(responses={200: AuctionStateOut, **errors(401, 404)}, description="public: the live state")
    def get(self, request, code):
        auction = services.auction_of(self.transaction)
        if auction is None:
            raise NotFound(_no_auction(code))
        return Response(AuctionStateOut(auction_state(auction)).data)

    @extend_schema(request=AuctionInput, responses={200: TransactionOutput, **errors(*MOVE_ERRORS)},
                   description="the clerk starts the online auction")
    def post(self, request, code):
        if not request.user.is_authenticated:
            raise NotPermitted(_no_auction(code))
        v = _valid(AuctionInput, request)
        return transaction_out(request, services.asset_start_auction(
            code=self.transaction.code, user=request.user, starts_at=v["starts_at"],
            expected_stage=v["expected_stage"] or None))


def _no_auction(code):
    return _("no online auction of %(code)s") % {"code": code}


class BidView(PublicTransactionEndpoint):
    procedure_type = "asset_sale"

    @extend_schema(request=BidInput, responses={201: BidOutput, 200: BidOutput, **errors(*MOVE_ERRORS)},
                   description="an admitted buyer bids; the same idempotency key and amount answer 200 with the "
                               "bid already accepted")
    def post(self, request, code):
        v = _valid(BidInput, request)
        auction = services.auction_of(self.transaction)
        if auction is None:
            raise NotFound(_no_auction(code))
        mine = {b.company_id: b for b in auction.bidders.filter(company__representations__user=request.user)}
        company_id = v.get("company") or (next(iter(mine)) if len(mine) == 1 else None)
        if company_id not in mine:
            raise InvalidInput(_not_admitted(), field="company")
        key = v["idempotency_key"] or request.headers.get("Idempotency-Key", "")
        bid = auction_bid(auction=auction, company=Company.objects.get(pk=company_id), amount=v["amount"],
                          user=request.user, idempotency_key=key)
        return Response(BidOutput({"seq": bid.seq, "bidder": bid.bidder.number, "amount": f"{bid.amount:.2f}",
                                   "received_at": _ts(bid.received_at), "accepted_at": _ts(bid.accepted_at),
                                   "ends_at": _ts(bid.ends_at)}).data, status=200 if bid.replayed else 201)


def _not_admitted():
    return _("you bid for a company you represent that is admitted to this auction")


class PaymentView(SaleEndpoint):
    @extend_schema(request=PaymentInput, responses={200: TransactionOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        v = _valid(PaymentInput, request)
        return transaction_out(request, services.asset_record_payment(
            code=self.transaction.code, user=request.user, amount=v["amount"], paid_on=v["paid_on"],
            expected_stage=v["expected_stage"] or None))


class TransferView(SaleEndpoint):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": TransferInput}, responses={200: TransactionOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        v = _valid(TransferInput, request)
        return transaction_out(request, services.asset_record_transfer(
            code=self.transaction.code, user=request.user, transferred_on=v["transferred_on"], upload=v["file"],
            expected_stage=v["expected_stage"] or None))


P = "transactions/<str:code>/asset-sale/"

urlpatterns = [
    path(P, SaleView.as_view(), name="api-asset-sale"),
    path(P + "appraisal/", AppraisalView.as_view(), name="api-asset-sale-appraisal"),
    path(P + "disclosure/", DisclosureView.as_view(), name="api-asset-sale-disclosure"),
    path(P + "disclosure/change/", DisclosureChangeView.as_view(), name="api-asset-sale-disclosure-change"),
    path(P + "registrations/", RegistrationsView.as_view(), name="api-asset-sale-registrations"),
    path(P + "registrations/<int:registration_id>/deposit/", DepositView.as_view(), name="api-asset-sale-deposit"),
    path(P + "registrations/<int:registration_id>/decision/", DecisionView.as_view(),
         name="api-asset-sale-decision"),
    path(P + "offers/", OffersView.as_view(), name="api-asset-sale-offers"),
    path(P + "auction/", AuctionView.as_view(), name="api-asset-sale-auction"),
    path(P + "auction/bids/", BidView.as_view(), name="api-asset-sale-bids"),
    path(P + "payment/", PaymentView.as_view(), name="api-asset-sale-payment"),
    path(P + "transfer/", TransferView.as_view(), name="api-asset-sale-transfer"),
]
