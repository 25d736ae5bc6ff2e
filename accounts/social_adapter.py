"""Sign-in with an OpenID Connect provider (allauth.socialaccount): who the provider's identity is here.

An identity is the account it was linked to before (allauth's SocialAccount, by the provider's
subject); failing that, the one account whose address matches, and only when both sides verified
it: the provider asserts ``email_verified: true`` and the address is verified here. Nobody gets an
account through the provider: anyone else is sent back to the login page with a message (sign-up
keeps its organisation fields and approval).

"Verified here" is allauth's ``EmailAddress.verified``, the single record of addresses: sign-up
creates one for every account, and the migration to allauth carried the existing accounts' addresses
over (verified when their membership's address was confirmed), so ``User.email`` is not consulted.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base import AuthProcess


def account_with_verified_address(*, email: str) -> AbstractBaseUser | None:
    """The active account whose address ``email`` (case ignored) allauth holds as verified, or None.

    None as well when allauth holds it unverified, or for an inactive account. ``ACCOUNT_UNIQUE_EMAIL``
    keeps an address on one account at most; should several still claim it verified, no guess.
    """
    users = {
        address.user
        for address in EmailAddress.objects.filter(email__iexact=email, verified=True, user__is_active=True).select_related(
            "user"
        )
    }
    return users.pop() if len(users) == 1 else None


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
