"""The provider's settings as the environment gives them (accounts/oidc_settings.py)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts.oidc_settings import openid_connect_providers

BASE = {"client_id": "referentiels", "secret": "s", "name": "Agence du numérique en santé", "provider_id": "ans"}


def test_no_server_url_no_provider():
    assert openid_connect_providers(server_url="", **BASE)["openid_connect"]["APPS"] == []


def test_a_server_url_gives_one_provider_with_pkce():
    settings = openid_connect_providers(server_url="https://idp.esante.gouv.fr/realms/ans/", **BASE)["openid_connect"]

    assert settings["OAUTH_PKCE_ENABLED"] is True
    [app] = settings["APPS"]
    assert app["provider_id"] == "ans" and app["client_id"] == "referentiels" and app["name"] == BASE["name"]
    # The final slash dropped: allauth appends /.well-known/openid-configuration to it.
    assert app["settings"] == {"server_url": "https://idp.esante.gouv.fr/realms/ans"}


def test_a_server_url_without_client_id_stops_the_start():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_OIDC_CLIENT_ID"):
        openid_connect_providers(server_url="https://idp.example", **{**BASE, "client_id": ""})


def test_the_token_authentication_method_is_passed_when_given():
    [app] = openid_connect_providers(server_url="https://idp.example", token_auth_method="client_secret_basic", **BASE)[
        "openid_connect"
    ]["APPS"]
    assert app["settings"]["token_auth_method"] == "client_secret_basic"
