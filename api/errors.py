"""One JSON shape for every error of the API:

    {"error": {"code": "stage_conflict", "message": "...", "details": {...}}}

Domain errors map to statuses here: invalid input 400, not permitted 403, not found 404,
stage conflict 409 ("already changed"), rule violation 422, login locked 429. Every error
body goes out through `ErrorOutput`, the schema every endpoint names for its error statuses
(api/base.py, `errors`).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from trading.errors import DomainError

STATUS_BY_CODE = {
    "invalid_input": status.HTTP_400_BAD_REQUEST,
    "login_failed": status.HTTP_400_BAD_REQUEST,
    "not_permitted": status.HTTP_403_FORBIDDEN,
    "not_found": status.HTTP_404_NOT_FOUND,
    "stage_conflict": status.HTTP_409_CONFLICT,
    "rule_violation": status.HTTP_422_UNPROCESSABLE_ENTITY,
    "login_locked": status.HTTP_429_TOO_MANY_REQUESTS,
}


@extend_schema_field({
    "type": "object",
    "properties": {
        "rule": {"type": "string", "description": "the rule that refuses it (422, 429), e.g. `inquiry.quote_period`"},
        "fields": {"description": "a refused request body (400): the messages per field, nested as the body is"},
        "field": {"type": "string", "description": "the field the message is about"},
        "stage": {"type": "string", "description": "the transaction's stage (409)"},
        "retry_after": {"type": "integer", "description": "seconds to wait before trying again (429)"},
    },
    "additionalProperties": {"type": ["string", "integer"]},
})
class ErrorDetailsField(serializers.JSONField):
    """What the error is about; only what a client may act on (text and numbers)."""


class ApiError(serializers.Serializer):
    code = serializers.CharField(help_text="`invalid_input`, `login_failed`, `not_authenticated`, "
                                           "`authentication_failed`, `token_expired`, `not_permitted`, `not_found`, "
                                           "`stage_conflict`, `rule_violation`, `login_locked`...")
    message = serializers.CharField(help_text="in the client's language (Accept-Language)")
    details = ErrorDetailsField(required=False)


class ErrorOutput(serializers.Serializer):
    error = ApiError()


def error_body(code, message, details=None):
    error = {"code": code, "message": str(message)}
    if details:
        error["details"] = details
    return ErrorOutput({"error": error}).data


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        details = {k: v for k, v in exc.details.items() if isinstance(v, str | int) and not isinstance(v, bool)}
        if getattr(exc, "rule", None):
            details["rule"] = exc.rule
        return Response(error_body(exc.code, exc.message, details),
                        status=STATUS_BY_CODE.get(exc.code, status.HTTP_400_BAD_REQUEST))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid_input", _first_message(exc.detail), {"fields": exc.detail})
    elif isinstance(exc, exceptions.ParseError):  # a body that is not JSON (api/parsers.py): malformed input too
        response.data = error_body("invalid_input", str(exc.detail))
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        response.data = error_body(code, exc.detail if isinstance(exc.detail, str) else str(exc.detail))
    return response


def _first_message(detail):
    if isinstance(detail, dict):
        for key, value in detail.items():
            return f"{key}: {_first_message(value)}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)
