"""How django-allauth fits this site: its mails, its links, its view of the client's address and
of a sign-in's account, and who must have confirmed an address to sign in.

- Mails go through the project's one mail helper (``core.mail.send_templated_mail``: subject,
  text and HTML, typeset, in the language of the request), from ``templates/account/email/``.
- Every link in a mail is built from ``settings.SITE_URL``, never from the request's Host header
  (which a client chooses: a forged one would send a victim's reset link to another site).
- The client's address is ``accounts.throttle.client_ip`` (``DJANGO_TRUSTED_PROXY_COUNT`` hops
  from the right of X-Forwarded-For), the same address the admin's throttle counts.
- Failed sign-ins count per *account*: typing its e-mail or its username fills one counter.
  allauth's ``login_failed`` limit throttles its login page; the project's backend
  (``ThrottledModelBackend``), which throttles the admin and the API token endpoint, steps aside
  during an allauth sign-in so that one failure is not counted twice.
- Verification is mandatory for contributors only: editors and staff (who have no membership)
  sign in without a confirmed address, and a member whose ``email_confirmed_at`` is set (the date
  our rules read) is not asked again.
- The second factors' secrets (TOTP secret, recovery codes' seed) are stored encrypted
  (``MFAAdapter``: Fernet, ``accounts.mfa_secrets``).
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.stages import EmailVerificationStage
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.mail import send_templated_mail

from . import mfa_secrets, throttle

# Set on a request while allauth authenticates it: the project's backend then lets allauth's do it.
ALLAUTH_SIGN_IN = "_accounts_allauth_sign_in"


def site_url(path: str) -> str:
    return settings.SITE_URL + path


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": _("Adresse électronique ou mot de passe incorrect."),
        "username_password_mismatch": _("Identifiant ou mot de passe incorrect."),
        "too_many_login_attempts": _(
            "Trop de tentatives de connexion infructueuses. Par sécurité, les connexions sont suspendues : "
            "réessayez dans 15 minutes, ou réinitialisez votre mot de passe."
        ),
    }

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        try:
            get_template(f"{template_prefix}_body.txt")
        except TemplateDoesNotExist:
            # A mail of allauth the project does not word itself (MFA notices…): allauth's own.
            return super().send_mail(template_prefix, email, context)
        context = {"email": email, "site_url": settings.SITE_URL, "login_url": site_url(reverse("account_login")), **context}
        context.pop("request", None)
        send_templated_mail(template=template_prefix, to=[email], context=context, language=translation.get_language() or "fr")

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return site_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return site_url(path.replace("UID-KEY", key))

    def send_confirmation_mail(self, request, emailconfirmation, signup: bool) -> None:
        """A confirmed address gets no new link (the "send again" button of a confirmed one)."""
        if emailconfirmation.email_address.verified:
            return
        super().send_confirmation_mail(request, emailconfirmation, signup)

    def send_account_already_exists_mail(self, email: str) -> None:
        self.send_mail(
            "account/email/account_already_exists",
            email,
            {
                "login_url": site_url(reverse("account_login")),
                "password_reset_url": site_url(reverse("account_reset_password")),
                "signup_url": site_url(reverse("account_signup")),
            },
        )

    def populate_username(self, request, user) -> None:
        """Contributors sign in with their address: it is their username too, as before allauth."""
        email = (user.email or "").lower()
        if not user.username and email and len(email) <= 150:
            from django.contrib.auth import get_user_model

            if not get_user_model()._default_manager.filter(username__iexact=email).exists():
                user.username = email
        super().populate_username(request, user)

    def get_client_ip(self, request) -> str:
        ip = throttle.client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        identifier = credentials.get("email") or credentials.get("username") or ""
        return "login:" + throttle.account_key(identifier, throttle.find_user(identifier))

    def authenticate(self, request, **credentials):
        setattr(request, ALLAUTH_SIGN_IN, True)
        try:
            return super().authenticate(request, **credentials)
        finally:
            setattr(request, ALLAUTH_SIGN_IN, False)

    def get_login_stages(self) -> list[str]:
        return [
            "accounts.adapter.ContributorEmailVerificationStage" if stage.endswith(".EmailVerificationStage") else stage
            for stage in super().get_login_stages()
        ]


class ContributorEmailVerificationStage(EmailVerificationStage):
    """allauth's mandatory verification, for contributors only (see the module's docstring)."""

    def handle(self):
        from .models import Membership

        from core.roles import is_editor

        user = self.login.user
        if user is not None and user.pk and not self.login.signup:
            membership = Membership.objects.filter(user=user).only("email_confirmed_at").first()
            if membership is not None and membership.email_confirmed_at is not None:
                return None, True
            # Only editors and staff are let in without: an account that has no membership for
            # another reason (a sign-up that failed halfway) is a contributor's all the same.
            if membership is None and (user.is_staff or is_editor(user)):
                return None, True
        return super().handle()


class MFAAdapter(DefaultMFAAdapter):
    """allauth.mfa's hooks for what it stores in ``Authenticator.data``: the TOTP secret and the
    recovery codes' seed go in as Fernet tokens (``accounts.mfa_secrets``). ``decrypt`` reads a
    value stored in clear before as it is, and never raises: a token no key opens is logged and
    read as a random secret, so its codes are refused ("code incorrect") instead of a 500."""

    def encrypt(self, text: str) -> str:
        return mfa_secrets.encrypt_secret(text)

    def decrypt(self, encrypted_text: str) -> str:
        return mfa_secrets.decrypt_secret(encrypted_text)
