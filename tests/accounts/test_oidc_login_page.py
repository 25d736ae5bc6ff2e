"""The login page offers the identity provider configured by environment, and its sign-in refuses what it
did not start: a forged state, an unreachable provider, a GET from a third-party page."""

import pytest
from django.urls import reverse

from accounts.oidc_settings import openid_connect_providers
from core.typography import french_text
from tests.accounts.factories import text_of
from tests.accounts.oidc_server import free_port, running_oidc_server

PROVIDER_ID = "ans"
BUTTON = "Se connecter avec Agence du numérique en santé"
CALLBACK = reverse("openid_connect_callback", kwargs={"provider_id": PROVIDER_ID})
LOGIN = reverse("openid_connect_login", kwargs={"provider_id": PROVIDER_ID})


def configure(settings, *, server_url: str, client_id: str = "referentiels", secret: str = "secret-de-test"):
    settings.SOCIALACCOUNT_PROVIDERS = openid_connect_providers(
        server_url=server_url, client_id=client_id, secret=secret, name="Agence du numérique en santé", provider_id=PROVIDER_ID
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_paths_are_french():
    assert LOGIN == "/compte/connexion-externe/ans/connexion/"
    assert CALLBACK == "/compte/connexion-externe/ans/retour/"
    assert reverse("socialaccount_connections") == "/compte/connexion-externe/"


def test_no_provider_configured_no_button(db, client, settings):
    configure(settings, server_url="")

    page = text_of(client.get(reverse("account_login")))

    assert "Se connecter avec Agence" not in page
    assert LOGIN not in page


def test_a_configured_provider_gets_a_button_that_posts_with_csrf(db, settings):
    from django.test import Client

    configure(settings, server_url="http://127.0.0.1:9")
    client = Client(enforce_csrf_checks=True)

    page = text_of(client.get(reverse("account_login")))

    form = page[page.rindex("<form", 0, page.index(BUTTON)) : page.index(BUTTON)]
    assert 'method="post"' in form
    assert f'action="{LOGIN}?process=login"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    # Without the token, the POST is refused before anything is sent to the provider.
    assert client.post(LOGIN).status_code == 403


def test_a_get_on_the_provider_login_only_asks_for_confirmation(db, client, settings):
    configure(settings, server_url="http://127.0.0.1:9")

    response = client.get(LOGIN)

    assert response.status_code == 200
    assert BUTTON in text_of(response)
    assert '<form method="post">' in text_of(response)


def test_a_forged_state_at_the_callback_is_refused_without_a_server_error(db, client, settings):
    with running_oidc_server(redirect_uris=[f"http://testserver{CALLBACK}"]) as server:
        configure(settings, server_url=server.issuer, client_id=server.client_id, secret=server.client_secret)
        started = client.post(LOGIN)  # a real sign-in begins: the session holds its state
        assert started.status_code == 302 and started["Location"].startswith(f"{server.issuer}/auth?")
        assert "code_challenge=" in started["Location"]  # PKCE

        response = client.get(CALLBACK, {"code": "forged-code", "state": "forged-state"})

    assert response.status_code == 401  # allauth's answer to a failed sign-in, not a 5xx
    assert french_text("Échec de la connexion") in text_of(response)
    assert not signed_in(client)


def test_a_genuine_state_with_a_forged_code_is_refused_without_a_server_error(db, client, settings):
    with running_oidc_server(redirect_uris=[f"http://testserver{CALLBACK}"]) as server:
        configure(settings, server_url=server.issuer, client_id=server.client_id, secret=server.client_secret)
        started = client.post(LOGIN)
        state = dict(p.split("=", 1) for p in started["Location"].split("?", 1)[1].split("&"))["state"]

        response = client.get(CALLBACK, {"code": "forged-code", "state": state})

    assert response.status_code == 401  # allauth's answer to a failed sign-in, not a 5xx
    assert french_text("Échec de la connexion") in text_of(response)
    assert not signed_in(client)


@pytest.mark.parametrize("step", ["login", "callback"])
def test_an_unreachable_provider_is_a_failed_sign_in_not_a_server_error(step, db, client, settings):
    with running_oidc_server(redirect_uris=[f"http://testserver{CALLBACK}"]) as server:
        configure(settings, server_url=server.issuer, client_id=server.client_id, secret=server.client_secret)
        started = client.post(LOGIN)
        state = dict(p.split("=", 1) for p in started["Location"].split("?", 1)[1].split("&"))["state"]
    # The provider is gone (or DJANGO_OIDC_SERVER_URL is wrong).
    if step == "login":
        configure(settings, server_url=f"http://127.0.0.1:{free_port()}")
        response = client.post(LOGIN)
    else:
        response = client.get(CALLBACK, {"code": "some-code", "state": state})

    assert response.status_code == 401  # allauth's answer to a failed sign-in, not a 5xx
    assert french_text("Échec de la connexion") in text_of(response)
    assert not signed_in(client)


def test_a_linked_identity_is_listed_and_can_be_unlinked(db, client_for, settings):
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    from tests.factories import contributor_user

    configure(settings, server_url="http://127.0.0.1:9")
    user = contributor_user(email="alice@ans.fr")
    # Every account has its allauth address (sign-up, data migration); allauth unlinks nothing without one.
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    account = SocialAccount.objects.create(user=user, provider=PROVIDER_ID, uid="alice@ans.fr", extra_data={})
    client = client_for(user)

    page = text_of(client.get(reverse("socialaccount_connections")))
    assert "Connexions externes" in page
    assert "Agence du numérique en santé" in page
    assert "Lier mon compte Agence du numérique en santé" in page

    response = client.post(reverse("socialaccount_connections"), {"account": account.pk})
    assert response.status_code == 302
    assert not SocialAccount.objects.exists()


def test_the_login_page_offers_the_passkey_sign_in(db, client, settings):
    settings.MFA_PASSKEY_LOGIN_ENABLED = True
    page = text_of(client.get(reverse("account_login")))

    assert 'form="mfa_login"' in page and 'id="passkey_login"' in page
    assert f'<form id="mfa_login" action="{reverse("mfa_login_webauthn")}" method="post">' in page

    settings.MFA_PASSKEY_LOGIN_ENABLED = False
    assert 'id="passkey_login"' not in text_of(client.get(reverse("account_login")))
