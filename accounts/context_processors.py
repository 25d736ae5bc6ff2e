"""Template context for allauth's pages, whose views are not ours."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.web import breadcrumb

from .mfa import page_after_setup

# The title of each multi-factor page in the breadcrumb (Mon compte › Double authentification › …).
_MFA_PAGES = {
    "mfa_activate_totp": gettext_lazy("Activer une application d'authentification"),
    "mfa_deactivate_totp": gettext_lazy("Désactiver l'application d'authentification"),
    "mfa_view_recovery_codes": gettext_lazy("Codes de secours"),
    "mfa_generate_recovery_codes": gettext_lazy("Nouveaux codes de secours"),
    "mfa_list_webauthn": gettext_lazy("Clés de sécurité"),
    "mfa_add_webauthn": gettext_lazy("Ajouter une clé de sécurité"),
    "mfa_edit_webauthn": gettext_lazy("Renommer une clé de sécurité"),
    "mfa_remove_webauthn": gettext_lazy("Retirer une clé de sécurité"),
}

# Steps of signing in or confirming one's identity: no account breadcrumb there.
_SIGN_IN_STAGES = {"mfa_authenticate", "mfa_reauthenticate", "mfa_login_webauthn", "mfa_signup_webauthn", "mfa_trust"}


def mfa_pages(request) -> dict:
    """On the MFA management pages: their DSFR breadcrumb, and ``mfa_next``, the page an editor was
    stopped on before setting up a second factor (``accounts.mfa``), to go on to once done."""
    match = getattr(request, "resolver_match", None)
    name = match.url_name if match else None
    if not name or not name.startswith("mfa_") or name in _SIGN_IN_STAGES:
        return {}
    account = (reverse("accounts:account"), _("Mon compte"))
    if name == "mfa_index":
        trail = breadcrumb(_("Double authentification"), account)
    else:
        index = (reverse("mfa_index"), _("Double authentification"))
        trail = breadcrumb(str(_MFA_PAGES.get(name, _("Double authentification"))), account, index)
    return {"breadcrumb_data": trail, "mfa_next": page_after_setup(request)}
