"""REST API v1: companies. A bidder registers its company (`POST /companies/`) and lists
the companies it represents (`GET /companies/mine/`). Thin views over
bidding.services.companies; errors in the project's JSON shape (api/errors.py)."""

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from bidding import selectors
from bidding.models import Company, SupplierPoolEntry
from bidding.services.companies import company_register

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


class CompanyOutput(serializers.ModelSerializer):
    pool_entries = PoolEntryOutput(many=True, read_only=True)

    class Meta:
        model = Company
        fields = ["id", "uscc", "name", "contact_name", "contact_phone", "contact_email", "address",
                  "registered_at", "pool_entries"]


ERRORS = {
    400: OpenApiResponse(description='invalid input, e.g. a USCC with a wrong check character: '
                                     '{"error": {"code", "message", "details": {"field"}}}'),
    403: OpenApiResponse(description="only a user holding the bidder role at a station registers a company"),
}


class CompanyListView(APIView):
    parser_classes = [StrictJSONParser, FormParser]

    @extend_schema(request=CompanyRegisterInput, responses={201: CompanyOutput, **ERRORS})
    def post(self, request):
        data = CompanyRegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        company = company_register(user=request.user, **data.validated_data)
        company = selectors.companies_of(request.user).get(pk=company.pk)
        return Response(CompanyOutput(company).data, status=status.HTTP_201_CREATED)


class MyCompaniesView(APIView):
    @extend_schema(responses=CompanyOutput(many=True))
    def get(self, request):
        return Response(CompanyOutput(selectors.companies_of(request.user), many=True).data)


urlpatterns = [
    path("companies/", CompanyListView.as_view(), name="api-companies"),
    path("companies/mine/", MyCompaniesView.as_view(), name="api-companies-mine"),
]
