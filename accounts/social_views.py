"""allauth's OpenID Connect views, with an unreachable provider answered as a failed sign-in.

allauth reads the provider's discovery document (and calls its token and userinfo endpoints) outside
its own error handling in places: a provider down, or a wrong DJANGO_OIDC_SERVER_URL, made the login
button and the callback answer 500. They now show the "sign-in failed" page, and the cause is logged.
"""

import logging
from functools import wraps

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.openid_connect import views as openid_connect_views
from requests import RequestException

logger = logging.getLogger(__name__)


def _unreachable_provider_is_a_failed_sign_in(view):
    @wraps(view)
    def wrapped(request, provider_id):
        try:
            return view(request, provider_id=provider_id)
        except RequestException as error:
            logger.warning("OpenID Connect provider %s unreachable: %s", provider_id, error)
            provider = get_adapter(request).get_provider(request, provider_id)
            return render_authentication_error(request, provider, exception=error)

    return wrapped


login = _unreachable_provider_is_a_failed_sign_in(openid_connect_views.login)
callback = _unreachable_provider_is_a_failed_sign_in(openid_connect_views.callback)
