"""Multi-factor authentication for editors (allauth.mfa).

An editor (``core.roles.is_editor``: the editor group or a superuser) who has neither a TOTP app nor
a security key is sent to the MFA page before any other — the editors' space, the admin, the API
over the session alike — and comes back to the page asked for once a factor is set up. Signing in
with that factor is allauth's login flow (its ``mfa_authenticate`` stage); the admin's own login
form is replaced by a redirect to that flow, so the admin cannot be entered with a password alone.
A staff account that is no editor (the admin lets in any ``is_staff`` account) needs a factor too,
for the admin's pages only.
"""

from functools import wraps
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.roles import is_editor

from . import mfa_secrets

# The page asked for when an editor was sent to set up a factor: the MFA pages offer to go on to it.
NEXT_SESSION_KEY = "accounts.mfa_next"
# The second factors that count: recovery codes only back them up.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# Pages an editor without a factor may still reach: setting one up (allauth asks for the password
# again before the first), signing out, the language switch.
OPEN_URL_NAMES = frozenset({"account_reauthenticate", "account_logout", "set_language"})


def has_second_factor(user) -> bool:
    """Whether ``user`` has a TOTP app or a security key (one query)."""
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


def _open_to_editors_without_factor(request: HttpRequest) -> bool:
    path = request.path_info
    if any(prefix and path.startswith(prefix) for prefix in (settings.STATIC_URL, settings.MEDIA_URL)):
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return True  # a 404 reveals nothing
    # allauth.mfa's own pages (accounts/mfa_urls.py), outside any namespace: the admin's pages of
    # its Authenticator model are named "mfa_authenticator_…" too, under "admin:".
    return match.view_name in OPEN_URL_NAMES or (not match.namespaces and (match.url_name or "").startswith("mfa_"))


def _in_the_admin(request: HttpRequest) -> bool:
    try:
        return "admin" in resolve(request.path_info).namespaces
    except Resolver404:
        return False


def must_set_up_a_factor_here(user, request: HttpRequest) -> bool:
    """Whether ``user`` needs a second factor for this request: an editor for any page but the
    allow-list; a staff account that is no editor (the admin lets in any ``is_staff`` account, with
    the rights given it by hand) for the admin's pages only, its contributor pages staying free."""
    if is_editor(user):
        return not _open_to_editors_without_factor(request)
    return bool(user and user.is_authenticated and user.is_staff) and _in_the_admin(request)


class RequireSecondFactorForEditors:
    """Middleware, after ``AuthenticationMiddleware``, ``MessageMiddleware`` and allauth's
    ``AccountMiddleware``: an editor without a second factor (or a staff account, in the admin) is
    redirected to ``mfa_index`` (``?next=`` the page asked for, kept in the session too) with a
    message saying why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if must_set_up_a_factor_here(user, request):
            if not has_second_factor(user):
                return self._to_setup(request)
            if NEXT_SESSION_KEY in request.session:  # set up, and gone on: no more "continue" link
                del request.session[NEXT_SESSION_KEY]
        return self.get_response(request)

    def _to_setup(self, request: HttpRequest) -> HttpResponse:
        wanted = request.get_full_path()
        if request.method == "GET":
            request.session[NEXT_SESSION_KEY] = wanted
        messages.warning(
            request,
            _(
                "Les rédacteurs de l'ANS protègent leur compte par une double authentification : "
                "activez une application d'authentification ou une clé de sécurité pour continuer."
            ),
        )
        return HttpResponseRedirect(f"{reverse('mfa_index')}?{urlencode({'next': wanted})}")


def _ours(url: str | None, request: HttpRequest) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def page_after_setup(request: HttpRequest) -> str | None:
    """The page an editor was stopped on before setting up a factor, if any and if it is ours."""
    wanted = request.session.get(NEXT_SESSION_KEY) or request.GET.get("next")
    return wanted if _ours(wanted, request) else None


def recovery_codes_readable(user) -> bool:
    """Whether ``user``'s recovery codes (if any) can be computed: their seed is in clear or
    encrypted under a configured key (``accounts.mfa_secrets``). One query."""
    authenticator = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES).first()
    if authenticator is None:
        return True
    return mfa_secrets.readable_data(kind=authenticator.type, data=authenticator.data or {})


def readable_recovery_codes_only(view):
    """Wraps allauth's pages that show recovery codes (list, download): when their seed cannot be
    decrypted (a wrong ``DJANGO_MFA_ENCRYPTION_KEY``), codes computed from anything else would be
    useless, so the page is not shown; the MFA page says why (and the error is logged)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not recovery_codes_readable(user):
            mfa_secrets.logger.error("The recovery codes of user %s cannot be decrypted: page refused.", user.pk)
            messages.error(
                request,
                _(
                    "Vos codes de secours ne peuvent pas être lus pour le moment : réessayez plus tard "
                    "ou contactez l'équipe du site."
                ),
            )
            return redirect("mfa_index")
        return view(request, *args, **kwargs)

    return guarded


def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """``admin.site.login``: the site's sign-in (allauth: password, then the second factor) instead of
    the admin's password-only form, which is never shown. A signed-in non-staff user is refused."""
    next_url = request.GET.get("next") or request.POST.get("next")
    if not _ours(next_url, request):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        return HttpResponseRedirect(next_url)
    return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


def check_second_factor_for_api_token(*, user, code: str | None) -> None:
    """An editor asking the API for a token (``/api/v1/auth/token/``) gives, with the password, the
    current ``code`` of their authenticator app or a recovery code, checked by allauth.mfa's own form
    (used codes refused, failed attempts rate-limited like the sign-in stage); otherwise a password
    alone would bypass the editors' second factor. Anyone else needs no code.

    Raises ``PermissionRefused`` (403) with a message saying how to get a token: no factor set up, no
    code, or a wrong one. Call within a request (allauth's middleware gives its forms the request).
    """
    from allauth.mfa.base.forms import BaseAuthenticateForm

    from core.errors import PermissionRefused

    if not is_editor(user):
        return
    if not has_second_factor(user):
        raise PermissionRefused(
            _(
                "Les rédacteurs de l'ANS protègent leur compte par une double authentification : "
                "connectez-vous au site et activez une application d'authentification (Mon compte, "
                "Double authentification), puis demandez le jeton avec votre mot de passe et le code "
                "qu'elle affiche dans le champ « code »."
            )
        )
    if not code:
        raise PermissionRefused(
            _(
                "Un rédacteur obtient un jeton d'API avec son mot de passe et sa double authentification : "
                "ajoutez dans le champ « code » le code affiché par votre application d'authentification "
                "(ou un code de récupération)."
            )
        )
    form = BaseAuthenticateForm(data={"code": code}, user=user)
    if not form.is_valid():
        reasons = " ".join(str(error) for error in form.errors.get("code", []))
        raise PermissionRefused(
            _(
                "Code de double authentification refusé : %(reasons)s Donnez dans le champ « code » le code "
                "que votre application d'authentification affiche maintenant."
            )
            % {"reasons": reasons}
        )
