"""The breadcrumb of allauth's account pages (its views give none): the page's title under "Mon compte"."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.web import breadcrumb

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
