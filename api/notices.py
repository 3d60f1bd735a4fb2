"""REST API v1: public notices (no login), whatever their procedure."""

from django.http import Http404
from django.urls import path
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


class NoticeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    sha256 = serializers.CharField()
    published_at = MomentText()


def _out(n):
    return {"id": n.pk, "code": n.transaction.code, "kind": n.kind, "title": n.title, "body": n.body,
            "sha256": n.sha256, "published_at": _ts(n.published_at)}


class NoticeListView(APIView):
    """Public notices (no login), newest first; `?code=` for one transaction."""

    permission_classes = [AllowAny]

    @extend_schema(operation_id="notices_list", parameters=[OpenApiParameter("code", str, required=False)],
                   responses={200: NoticeOutput(many=True), **errors(401, described={401: PUBLIC_401})})
    def get(self, request):
        rows = selectors.public_notices()
        if request.query_params.get("code"):
            rows = rows.filter(transaction__code=request.query_params["code"])
        return Response(NoticeOutput([_out(n) for n in rows[:200]], many=True).data)


class NoticeDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="notice_retrieve", responses={
        200: NoticeOutput, **errors(401, 404, described={401: PUBLIC_401, 404: "`not_found`: no such public notice"})})
    def get(self, request, pk):
        n = Notice.objects.filter(pk=pk, addressee__isnull=True).select_related("transaction").first()
        if n is None:
            raise Http404(_("no such notice"))
        return Response(NoticeOutput(_out(n)).data)


urlpatterns = [
    path("notices/", NoticeListView.as_view(), name="api-notices"),
    path("notices/<int:pk>/", NoticeDetailView.as_view(), name="api-notice"),
]
