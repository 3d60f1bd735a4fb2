"""The base of every endpoint about one transaction (Sentry's endpoint bases): it looks the
transaction up from the URL's `code` and checks that the caller may see it before the
handler runs; handlers use `self.transaction` and never repeat the check.

* `TransactionEndpoint`: the transactions the signed-in user sees (404 otherwise).
* `PublicTransactionEndpoint`: any registered transaction, for public reads (and for the
  bidder endpoints, whose services check the bidder's own admission).
* `procedure_type`: set by a procedure's endpoints, so that its URLs answer only for its
  own transactions.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework.views import APIView

from trading import selectors
from trading.models import TransactionType

ERRORS = {
    400: OpenApiResponse(description="invalid input: {\"error\": {\"code\", \"message\", \"details\"}}"),
    403: OpenApiResponse(description="not permitted for your role"),
    404: OpenApiResponse(description="no such transaction among those you can see"),
    409: OpenApiResponse(description="stage conflict: already changed by someone else"),
    422: OpenApiResponse(description="a rule refuses it; the message names the rule"),
}


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
