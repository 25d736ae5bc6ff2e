"""Template context for allauth's pages, whose views are not ours: their DSFR breadcrumb (the page's
title, under "Mon compte" for the pages of a signed-in account, and under "Double authentification"
for the multi-factor pages), and on those, ``mfa_next``."""

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.web import breadcrumb

from .mfa import page_after_setup

# Where a page hangs in the breadcrumb: nowhere (a step of signing in or up), under "Mon compte", or
# under "Mon compte › Double authentification".
TOP, ACCOUNT, MFA = "top", "account", "mfa"

# url name → (title, parent). Steps of signing in with a second factor (mfa_authenticate…) are absent:
# no account breadcrumb there.
PAGES = {
    "account_login": (_("Connexion"), TOP),
    "account_logout": (_("Déconnexion"), TOP),
    "account_signup": (_("Créer un compte"), TOP),
    "account_inactive": (_("Compte désactivé"), TOP),
    "account_email_verification_sent": (_("Confirmation de l'adresse électronique"), TOP),
    "account_confirm_email": (_("Confirmation de l'adresse électronique"), TOP),
    "account_reset_password": (_("Mot de passe oublié"), TOP),
    "account_reset_password_done": (_("Mot de passe oublié"), TOP),
    "account_reset_password_from_key": (_("Nouveau mot de passe"), TOP),
    "account_reset_password_from_key_done": (_("Nouveau mot de passe"), TOP),
    "account_change_password": (_("Changer de mot de passe"), ACCOUNT),
    "account_set_password": (_("Définir un mot de passe"), ACCOUNT),
    "account_email": (_("Adresses électroniques"), ACCOUNT),
    "account_reauthenticate": (_("Confirmer votre identité"), ACCOUNT),
    "usersessions_list": (_("Sessions ouvertes"), ACCOUNT),
    "mfa_index": (_("Double authentification"), ACCOUNT),
    "mfa_reauthenticate_webauthn": (_("Confirmer votre identité"), ACCOUNT),
    "mfa_activate_totp": (_("Activer une application d'authentification"), MFA),
    "mfa_deactivate_totp": (_("Désactiver l'application d'authentification"), MFA),
    "mfa_view_recovery_codes": (_("Codes de secours"), MFA),
    "mfa_generate_recovery_codes": (_("Nouveaux codes de secours"), MFA),
    "mfa_download_recovery_codes": (_("Codes de secours"), MFA),
    "mfa_list_webauthn": (_("Clés de sécurité"), MFA),
    "mfa_add_webauthn": (_("Ajouter une clé de sécurité"), MFA),
    "mfa_edit_webauthn": (_("Renommer une clé de sécurité"), MFA),
    "mfa_remove_webauthn": (_("Retirer une clé de sécurité"), MFA),
}


def allauth_pages(request) -> dict:
    """``breadcrumb_data`` on the pages of ``PAGES``; on the multi-factor management pages also
    ``mfa_next``, the page an editor was stopped on before setting up a second factor
    (``accounts.mfa``), to go on to once done. Nothing elsewhere."""
    match = getattr(request, "resolver_match", None)
    entry = PAGES.get(match.url_name) if match is not None and not match.namespace else None
    if entry is None:
        return {}
    title, parent = entry
    links = []
    if parent in (ACCOUNT, MFA):
        links.append((reverse("accounts:account"), gettext("Mon compte")))
    if parent == MFA:
        links.append((reverse("mfa_index"), gettext("Double authentification")))
    context = {"breadcrumb_data": breadcrumb(str(title), *links)}
    if match.url_name.startswith("mfa_"):
        context["mfa_next"] = page_after_setup(request)
    return context
