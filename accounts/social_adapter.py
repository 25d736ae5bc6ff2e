"""Sign-in with an OpenID Connect provider (allauth.socialaccount): who the provider's identity is here.

An identity is the account it was linked to before (allauth's SocialAccount, by the provider's
subject); failing that, the one account whose address matches, and only when both sides verified
it: the provider asserts ``email_verified: true`` and the address is verified here. Nobody gets an
account through the provider: anyone else is sent back to the login page with a message (sign-up
keeps its organisation fields and approval).

"Verified here" is allauth's ``EmailAddress.verified``. An account not yet carried into allauth's
addresses (no EmailAddress row for it) counts as verified when its membership's address was
confirmed (``Membership.email_confirmed_at``) or when it is staff; the address is then recorded as a
verified ``EmailAddress``, as the migration to allauth does — allauth would otherwise take it for an
unverified one and wipe the account's password (``wipe_password``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base import AuthProcess


def account_with_verified_address(*, email: str) -> AbstractBaseUser | None:
    """The one active account whose address ``email`` (case ignored) is verified here, or None.

    None as well when several accounts claim it verified (no guess), and when allauth knows the
    address but not as verified. An account without any allauth address falls back to the site's
    own confirmation (membership confirmed, or staff); its address is then stored as a verified
    ``EmailAddress``.
    """
    addresses = list(EmailAddress.objects.filter(email__iexact=email).select_related("user"))
    verified = {address.user for address in addresses if address.verified and address.user.is_active}
    if verified:
        return verified.pop() if len(verified) == 1 else None
    if addresses:
        return None
    User = get_user_model()
    candidates = [
        user
        for user in User.objects.filter(email__iexact=email, is_active=True, emailaddress__isnull=True)
        .select_related("membership")
        .distinct()
        if user.is_staff or getattr(getattr(user, "membership", None), "email_confirmed_at", None)
    ]
    if len(candidates) != 1:
        return None
    user = candidates[0]
    with transaction.atomic():
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def authenticate_by_email(self, sociallogin: SocialLogin) -> tuple[AbstractBaseUser, str] | None:
        """The account for the provider's verified addresses (see the module), as ``(user, email)``."""
        for address in sociallogin.email_addresses:
            if not address.verified or not self.can_authenticate_by_email(sociallogin, address.email):
                continue
            user = account_with_verified_address(email=address.email)
            if user is not None:
                return user, address.email
        return None

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Refuse a sign-in that matches no account: back to the login page with a message.

        A signed-in user linking the provider from the connections page is let through.
        """
        if sociallogin.is_existing or sociallogin.state.get("process") == AuthProcess.CONNECT:
            return
        if not any(address.verified for address in sociallogin.email_addresses):
            message = _(
                "%(provider)s n'atteste pas que votre adresse électronique est vérifiée : "
                "connectez-vous avec votre mot de passe."
            ) % {"provider": sociallogin.provider.name}
        else:
            message = _("Aucun compte ne correspond à cette adresse ; créez d'abord un compte.")
        messages.error(request, message)
        raise ImmediateHttpResponse(redirect(settings.LOGIN_URL))

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        """Never: accounts are created by the site's sign-up (organisation, approval), not by a provider."""
        return False
