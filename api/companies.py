"""REST API v1: companies. A bidder registers its company (`POST /companies/`) and lists
the companies it represents (`GET /companies/mine/`). Thin views over
bidding.services.companies; errors in the project's JSON shape (api/errors.py)."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from bidding import selectors
from bidding.models import Company, SupplierPoolEntry
from bidding.services.companies import company_register

from .base import errors
from .parsers import StrictJSONParser


class CompanyRegisterInput(serializers.Serializer):
    """What the client typed; the service checks and normalises it (precise errors)."""

    uscc = serializers.CharField(max_length=64, trim_whitespace=False,
                                 help_text="unified social credit code, 18 characters (GB 32100-2015)")
    name = serializers.CharField(max_length=400, trim_whitespace=False)
    contact_name = serializers.CharField(max_length=200, trim_whitespace=False)
    contact_phone = serializers.CharField(max_length=64, trim_whitespace=False)
    contact_email = serializers.CharField(max_length=400, required=False, allow_blank=True, default="",
                                          trim_whitespace=False)
    address = serializers.CharField(max_length=400, required=False, allow_blank=True, default="",
                                    trim_whitespace=False)


class PoolEntryOutput(serializers.ModelSerializer):
    station = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = SupplierPoolEntry
        fields = ["station", "number", "categories", "active"]
        read_only_fields = fields  # an output: the schema marks every field as always present


class CompanyOutput(serializers.ModelSerializer):
    pool_entries = PoolEntryOutput(many=True, read_only=True)
    # The model's EmailField(blank=True) would be described as oneOf(an e-mail, ""), which ""
    # matches twice for a validator that does not check formats: invalid. Say what it is.
    contact_email = serializers.CharField(read_only=True, help_text="an e-mail address, or empty")

    class Meta:
        model = Company
        fields = ["id", "uscc", "name", "contact_name", "contact_phone", "contact_email", "address",
                  "registered_at", "pool_entries"]
        read_only_fields = fields


REGISTER_ERRORS = errors(400, 401, 403, 415, described={
    400: "`invalid_input`: e.g. a USCC with a wrong check character, or one already registered "
         "(`details.field` names the field)",
    403: "`not_permitted`: only a user holding the bidder role at a station registers a company"})


class CompanyListView(APIView):
    parser_classes = [StrictJSONParser, FormParser]

    @extend_schema(request=CompanyRegisterInput, responses={201: CompanyOutput, **REGISTER_ERRORS})
    def post(self, request):
        data = CompanyRegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        company = company_register(user=request.user, **data.validated_data)
        company = selectors.companies_of(request.user).get(pk=company.pk)
        return Response(CompanyOutput(company).data, status=status.HTTP_201_CREATED)


class MyCompaniesView(APIView):
    @extend_schema(responses={200: CompanyOutput(many=True), **errors(401)})
    def get(self, request):
        return Response(CompanyOutput(selectors.companies_of(request.user), many=True).data)


urlpatterns = [
    path("companies/", CompanyListView.as_view(), name="api-companies"),
    path("companies/mine/", MyCompaniesView.as_view(), name="api-companies-mine"),
]
