"""REST API v1: thin views over trading's services and selectors."""

from django.contrib.auth import logout
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from trading import selectors
from trading.models import Station, Unit
from trading.services.accounts import (
    LoginLocked,
    api_token_expires,
    api_token_issue,
    api_token_revoke,
    client_address,
    login_authenticate,
)
from trading.services.transactions import (
    document_attach,
    transaction_create,
    transaction_update_draft,
)
from trading.services.transitions import transaction_transition

from . import serializers as s
from .base import MOVE_ERRORS, TransactionEndpoint, errors
from .parsers import StrictJSONParser

LOCKED = (
    "`login_locked`: too many failed logins (docs/accounts.md): `details.rule` names the limit "
    "(`accounts.login_limit_per_account_and_address`, `accounts.login_limit_per_address`, "
    "`accounts.login_slowdown_per_account`), `details.retry_after` and the Retry-After header "
    "the seconds to wait")


class TokenView(APIView):
    """Exchange user name and password for an API token, valid API_TOKEN_TTL_HOURS (`expires`).
    Failed logins count towards the same limits as the login page."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=s.TokenInput, responses={200: s.TokenOutput, **errors(400, 415, 429, described={
        400: "`invalid_input`, or `login_failed`: wrong user name or password", 429: LOCKED})})
    def post(self, request):
        data = s.TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = login_authenticate(request=request, address=client_address(request), **data.validated_data)
        token = api_token_issue(user=user)
        return Response(s.TokenOutput({"token": token.key, "expires": api_token_expires(token)}).data)

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, LoginLocked):
            response["Retry-After"] = str(exc.retry_after)
        return response


class LogoutView(APIView):
    """Revoke your API token: every client using it must ask for a new one. With a
    browser session, the session ends too."""

    @extend_schema(request=None, responses={
        204: OpenApiResponse(description="the token is deleted"), **errors(401)})
    def post(self, request):
        api_token_revoke(user=request.user)
        if request.auth is None:  # a browser session, not a token
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses={200: s.MeOutput, **errors(401)})
    def get(self, request):
        user = request.user
        return Response(s.MeOutput({
            "id": user.pk, "username": user.username, "full_name": user.full_name,
            "memberships": user.memberships.select_related("station", "unit"),
        }).data)


class StationListView(APIView):
    @extend_schema(responses={200: s.StationOutput(many=True), **errors(401)})
    def get(self, request):
        stations = Station.objects.prefetch_related(Prefetch("units", queryset=Unit.objects.order_by("name")))
        return Response(s.StationOutput(stations, many=True).data)


def transaction_out(request, obj, status_code=status.HTTP_200_OK):
    return Response(s.TransactionOutput(obj, context={"user": request.user}).data, status=status_code)


class TransactionListView(APIView):
    @extend_schema(responses={200: s.TransactionOutput(many=True), **errors(401)})
    def get(self, request):
        rows = selectors.visible_transactions(request.user).prefetch_related("documents")[:500]
        return Response(s.TransactionOutput(rows, many=True, context={"user": request.user}).data)

    @extend_schema(request=s.TransactionCreateInput, responses={
        201: s.TransactionOutput, **errors(400, 401, 403, 404, 415, described={404: "`not_found`: no such owning unit"})})
    def post(self, request):
        data = s.TransactionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        unit = Unit.objects.filter(pk=values.pop("unit")).select_related("station").first()
        if unit is None:
            raise Http404(_("no such owning unit"))
        obj = transaction_create(user=request.user, unit=unit, **values)
        return transaction_out(request, obj, status.HTTP_201_CREATED)


class TransactionDetailView(TransactionEndpoint):
    @extend_schema(responses={200: s.TransactionOutput, **errors(401, 404)})
    def get(self, request, code):
        return transaction_out(request, self.transaction)

    @extend_schema(request=s.TransactionUpdateInput, responses={200: s.TransactionOutput, **errors(*MOVE_ERRORS)})
    def patch(self, request, code):
        obj = self.transaction
        data = s.TransactionUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        return transaction_out(request, transaction_update_draft(transaction=obj, user=request.user, **data.validated_data))


class DocumentListView(TransactionEndpoint):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: s.DocumentOutput(many=True), **errors(401, 404)})
    def get(self, request, code):
        return Response(s.DocumentOutput(selectors.documents_for(self.transaction, request.user), many=True).data)

    @extend_schema(request={"multipart/form-data": s.DocumentInput},
                   responses={201: s.DocumentOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code):
        obj = self.transaction
        data = s.DocumentInput(data=request.data)
        data.is_valid(raise_exception=True)
        document = document_attach(transaction=obj, user=request.user, upload=data.validated_data["file"],
                                   purpose=data.validated_data["purpose"])
        return Response(s.DocumentOutput(document).data, status=status.HTTP_201_CREATED)


class TransitionView(TransactionEndpoint):
    """Perform a stage change: submit, withdraw, register, reject, revise, suspend, resume,
    terminate, archive (and the procedure's own). `available_actions` of a transaction
    lists what you may do now."""

    parser_classes = [StrictJSONParser, FormParser]

    @extend_schema(request=s.TransitionInput, responses={200: s.TransactionOutput, **errors(*MOVE_ERRORS)})
    def post(self, request, code, action):
        obj = self.transaction
        data = s.TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        obj = transaction_transition(
            code=obj.code, action=action, user=request.user,
            expected_stage=data.validated_data["expected_stage"] or None,
            reason=data.validated_data["reason"],
        )
        return transaction_out(request, obj)
