"""The one authentication backend: Django's, reached by username or e-mail, behind the login throttle.

Every ``authenticate()`` goes through it — this site's login page, the admin's and the API's
token endpoint — so guessing is throttled whatever the door (see ``throttle``).
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from . import throttle


class LoginThrottled(PermissionDenied):
    """Raised to stop ``authenticate()`` at once: no other backend is tried."""


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
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
