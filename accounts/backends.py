"""The one authentication backend: Django's, reached by username or e-mail, behind the login throttle.

The admin's login and the API's token endpoint authenticate through it, so guessing is throttled
there (see ``throttle``). The site's login page is allauth's: its ``login_failed`` rate limit
throttles it (per account and per IP, ``accounts.adapter``), and this backend steps aside so that
a failure there is counted once.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from . import throttle
from .adapter import ALLAUTH_SIGN_IN


class LoginThrottled(PermissionDenied):
    """Raised to stop ``authenticate()`` at once: no other backend is tried."""


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        if getattr(request, ALLAUTH_SIGN_IN, False):
            # allauth's login page: its own backend authenticates, its login_failed limit throttles.
            return None
        account = throttle.find_user(username)
        key = throttle.account_key(username, account)
        ip = throttle.client_ip(request)
        if throttle.refusal(key=key, ip=ip) is not None:
            raise LoginThrottled
        login_name = account.get_username() if account is not None else username
        user = super().authenticate(request, username=login_name, password=password, **kwargs)
        if user is None:
            throttle.record_failure(key=key, ip=ip)
        else:
            throttle.clear_account(key=key)
        return user
