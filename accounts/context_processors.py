"""Template context for allauth's pages, whose views are not ours: the breadcrumb of the account
pages (the page's title under "Mon compte") and of the multi-factor pages."""

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from core.web import breadcrumb

from .mfa import page_after_setup

# url name → (title, under "Mon compte")
TITLES = {
    "account_login": (_("Connexion"), False),
    "account_logout": (_("Déconnexion"), False),
    "account_signup": (_("Créer un compte"), False),
    "account_inactive": (_("Compte désactivé"), False),
    "account_email_verification_sent": (_("Confirmation de l'adresse électronique"), False),
    "account_confirm_email": (_("Confirmation de l'adresse électronique"), False),
    "account_reset_password": (_("Mot de passe oublié"), False),
    "account_reset_password_done": (_("Mot de passe oublié"), False),
    "account_reset_password_from_key": (_("Nouveau mot de passe"), False),
    "account_reset_password_from_key_done": (_("Nouveau mot de passe"), False),
    "account_change_password": (_("Changer de mot de passe"), True),
    "account_set_password": (_("Définir un mot de passe"), True),
    "account_email": (_("Adresses électroniques"), True),
    "account_reauthenticate": (_("Confirmer votre identité"), True),
    "usersessions_list": (_("Sessions ouvertes"), True),
}


def account_breadcrumb(request) -> dict:
    match = getattr(request, "resolver_match", None)
    entry = TITLES.get(match.url_name) if match is not None else None
    if entry is None:
        return {}
    title, under_account = entry
    links = [(reverse("accounts:account"), _("Mon compte"))] if under_account else []
    return {"breadcrumb_data": breadcrumb(title, *links), "account_page_title": title}



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
    account = (reverse("accounts:account"), gettext("Mon compte"))
    if name == "mfa_index":
        trail = breadcrumb(gettext("Double authentification"), account)
    else:
        index = (reverse("mfa_index"), gettext("Double authentification"))
        trail = breadcrumb(str(_MFA_PAGES.get(name, gettext("Double authentification"))), account, index)
    return {"breadcrumb_data": trail, "mfa_next": page_after_setup(request)}
