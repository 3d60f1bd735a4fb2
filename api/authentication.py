"""Token authentication whose tokens expire (docs/api.md, "Authentication").

DRF's `TokenAuthentication`, plus: a token older than API_TOKEN_TTL_HOURS is deleted and
refused with 401 `token_expired`, so a copied token stops working and asking again gives a
new key. How long a token lives and how it is revoked is in trading.services.accounts.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from trading.services.accounts import api_token_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if api_token_expired(token):
            token.delete()
            raise AuthenticationFailed(
                _("the API token has expired: a token is valid for %(hours)d hours after it is issued; "
                  "ask for a new one with POST /api/v1/auth/token/")
                % {"hours": settings.API_TOKEN_TTL_HOURS},
                code="token_expired",
            )
        return user, token
