"""API tokens that expire: DRF's token authentication, refusing a token older than
``API_TOKEN_MAX_AGE_DAYS`` (90 days by default) with a 401 that says what to do."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def token_expired(token, now=None) -> bool:
    """Whether ``token`` (a DRF ``Token``) was issued more than ``API_TOKEN_MAX_AGE_DAYS`` days ago."""
    return token.created <= (now or timezone.now()) - timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS)


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise AuthenticationFailed(
                _(
                    "Ce jeton d'API a expiré : il est valable %(days)s jours. "
                    "Demandez-en un nouveau avec POST /api/v1/auth/token/."
                )
                % {"days": settings.API_TOKEN_MAX_AGE_DAYS}
            )
        return user, token
