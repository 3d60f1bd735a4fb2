"""REST API v1: public notices (no login), whatever their procedure."""

from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from trading import selectors
from trading.models import Notice

from .base import PUBLIC_401, errors
from .serializers import MomentText


def _ts(moment):
    return timezone.localtime(moment).isoformat() if moment else None


class NoticeDocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    purpose = serializers.CharField()
    size = serializers.IntegerField(help_text="bytes")
    sha256 = serializers.CharField(help_text="lowercase hex SHA-256 of the file, as the notice's text cites it")
    url = serializers.CharField(help_text="download, no login: /t/<code>/documents/<id>/")


class NoticeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    sha256 = serializers.CharField()
    published_at = MomentText()
    documents = NoticeDocumentOutput(many=True, help_text="the documents the notice refers to (its text cites "
                                                          "their SHA-256), public with it")


def _out(n, documents):
    return {"id": n.pk, "code": n.transaction.code, "kind": n.kind, "title": n.title, "body": n.body,
            "sha256": n.sha256, "published_at": _ts(n.published_at),
            "documents": [{"id": d.pk, "name": d.name, "purpose": d.purpose, "size": d.size, "sha256": d.sha256,
                           "url": reverse("public-document", args=[n.transaction.code, d.pk])}
                          for d in documents]}


class NoticeListView(APIView):
    """Public notices (no login), newest first; `?code=` for one transaction."""

    permission_classes = [AllowAny]

    @extend_schema(operation_id="notices_list", parameters=[OpenApiParameter("code", str, required=False)],
                   responses={200: NoticeOutput(many=True), **errors(401, described={401: PUBLIC_401})})
    def get(self, request):
        rows = selectors.public_notices()
        if request.query_params.get("code"):
            rows = rows.filter(transaction__code=request.query_params["code"])
        rows = list(rows[:200])
        documents = selectors.notices_documents(rows)
        return Response(NoticeOutput([_out(n, documents[n.pk]) for n in rows], many=True).data)


class NoticeDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="notice_retrieve", responses={
        200: NoticeOutput, **errors(401, 404, described={401: PUBLIC_401, 404: "`not_found`: no such public notice"})})
    def get(self, request, pk):
        n = Notice.objects.filter(pk=pk, addressee__isnull=True).select_related("transaction").first()
        if n is None:
            raise Http404(_("no such notice"))
        return Response(NoticeOutput(_out(n, selectors.notice_documents(n))).data)


urlpatterns = [
    path("notices/", NoticeListView.as_view(), name="api-notices"),
    path("notices/<int:pk>/", NoticeDetailView.as_view(), name="api-notice"),
]
