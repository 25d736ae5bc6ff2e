"""French paths for django-allauth's account and user-sessions pages, under allauth's URL names
(``reverse("account_login")``…), so that its code, its templates and ours reverse them alike.

Every name allauth's account and usersessions apps reverse is here, for the settings this site
uses (password login, e-mail confirmation by link, password reset by link). MFA and sign-in with an
identity provider have their own (provisional) includes in config/urls.py.
"""

from allauth.account import views
from allauth.usersessions import views as usersessions_views
from django.db import transaction
from django.urls import path, re_path


def confirm_email(request, key):
    """allauth's confirmation page; a link that is not (or no longer) valid answers 400, not 200."""
    response = views.confirm_email(request, key=key)
    context = getattr(response, "context_data", None)
    if request.method == "GET" and context is not None and context.get("confirmation") is None:
        response.status_code = 400
    return response


urlpatterns = [
    path("compte/connexion/", views.login, name="account_login"),
    path("compte/deconnexion/", views.logout, name="account_logout"),
    path("compte/inactif/", views.account_inactive, name="account_inactive"),
    # One transaction: a sign-up failing after allauth created the account (in the organisation
    # fields' join_organisation) leaves no account behind.
    path("compte/inscription/", transaction.atomic(views.signup), name="account_signup"),
    path("compte/reauthentification/", views.reauthenticate, name="account_reauthenticate"),
    path("compte/reauthentification/code/", views.request_reauthentication_code, name="account_request_reauthentication_code"),
    path(
        "compte/reauthentification/code/confirmer/",
        views.confirm_reauthentication_code,
        name="account_confirm_reauthentication_code",
    ),
    path("compte/connexion/code/confirmer/", views.confirm_login_code, name="account_confirm_login_code"),
    path("compte/adresses/", views.email, name="account_email"),
    path("compte/confirmer/", views.email_verification_sent, name="account_email_verification_sent"),
    re_path(r"^compte/confirmer/(?P<key>[-:\w]+)/$", confirm_email, name="account_confirm_email"),
    path("compte/mot-de-passe/changer/", views.password_change, name="account_change_password"),
    path("compte/mot-de-passe/definir/", views.password_set, name="account_set_password"),
    path("compte/mot-de-passe/oubli/", views.password_reset, name="account_reset_password"),
    path("compte/mot-de-passe/oubli/envoye/", views.password_reset_done, name="account_reset_password_done"),
    path("compte/mot-de-passe/nouveau/termine/", views.password_reset_from_key_done, name="account_reset_password_from_key_done"),
    re_path(
        r"^compte/mot-de-passe/nouveau/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        views.password_reset_from_key,
        name="account_reset_password_from_key",
    ),
    path("compte/sessions/", usersessions_views.list_usersessions, name="usersessions_list"),
]
