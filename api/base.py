"""The base of every endpoint about one transaction (Sentry's endpoint bases): it looks the
transaction up from the URL's `code` and checks that the caller may see it before the
handler runs; handlers use `self.transaction` and never repeat the check.

* `TransactionEndpoint`: the transactions the signed-in user sees (404 otherwise).
* `PublicTransactionEndpoint`: any registered transaction, for public reads (and for the
  bidder endpoints, whose services check the bidder's own admission).
* `procedure_type`: set by a procedure's endpoints, so that its URLs answer only for its
  own transactions.

`errors(...)` gives the schema of an endpoint's error statuses (the one shape of
api/errors.py), for `extend_schema(responses=...)`.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework.views import APIView

from trading import selectors
from trading.models import TransactionType

from .errors import ErrorOutput

ERROR_DESCRIPTIONS = {
    400: "`invalid_input`: a field is missing or malformed (`details.fields` names them), or the body is not JSON",
    401: "no valid credentials: `not_authenticated`, `authentication_failed` (unknown or revoked token), "
         "`token_expired`",
    403: "`not_permitted`: your role does not do this here",
    404: "`not_found`: no such transaction among those you can see",
    409: "`stage_conflict`: not possible at the current stage, or it changed since you read it: reload",
    415: "`unsupported_media_type`: the body is of a Content-Type this endpoint does not read",
    422: "`rule_violation`: a rule refuses it; `details.rule` names the rule, the message what it says",
    429: "`login_locked`: too many failed logins; `details.retry_after` (and Retry-After) the seconds to wait",
}
# A public endpoint answers 401 only to a token that is not valid; none at all is fine.
PUBLIC_401 = "a token was sent and it is not valid (`authentication_failed`, `token_expired`): send none"
# What a move on a transaction can answer besides its success.
MOVE_ERRORS = (400, 401, 403, 404, 409, 415, 422)


def errors(*statuses, described=None, media_type=None):
    """The error answers of an endpoint, each in the one error shape (`ErrorOutput`):
    `errors(401, 404, described={404: "no quote of yours ..."})` where the endpoint says more;
    `media_type="application/json"` where the endpoint also answers in another type."""
    described = described or {}
    return {(code, media_type) if media_type else code:
            OpenApiResponse(ErrorOutput, description=described.get(code, ERROR_DESCRIPTIONS[code]))
            for code in statuses}


class TransactionEndpoint(APIView):
    procedure_type: str | None = None
    public = False

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles
        code = kwargs.get("code", "")
        if self.public:
            transaction = selectors.public_transaction(code)
        else:
            transaction = selectors.visible_transaction(request.user, code)
        if transaction is None or (self.procedure_type and transaction.type != self.procedure_type):
            if self.procedure_type:
                raise Http404(_("no %(procedure)s %(code)s among those you can see")
                              % {"procedure": TransactionType(self.procedure_type).label, "code": code})
            raise Http404(_("no transaction %(code)s among those you can see") % {"code": code})
        self.transaction = transaction


class PublicTransactionEndpoint(TransactionEndpoint):
    public = True
