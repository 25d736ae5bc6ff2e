"""The shape of allauth's OpenID Connect settings, built from the environment (config/settings.py) or
by a test pointing the sign-in at its loopback server.

Pure (only Django's exception class), so that the settings module can call it.
"""

from django.core.exceptions import ImproperlyConfigured


def openid_connect_providers(
    *,
    server_url: str,
    client_id: str,
    secret: str,
    name: str,
    provider_id: str,
    token_auth_method: str = "",
) -> dict:
    """``SOCIALACCOUNT_PROVIDERS`` for one OpenID Connect identity provider, or none when ``server_url``
    is empty (the login page then shows no button).

    ``server_url`` is the issuer (``https://idp.example/realms/x``; allauth appends
    ``/.well-known/openid-configuration``). ``provider_id`` appears in the paths
    (``/compte/connexion-externe/<provider_id>/…``) and in ``SocialAccount.provider``: changing it
    later orphans the accounts already linked. ``token_auth_method`` ("client_secret_basic" or
    "client_secret_post") is only needed when the provider offers both and accepts one.

    Raises ImproperlyConfigured when a server URL comes without a client id.
    """
    # allauth appends /.well-known/openid-configuration: an issuer typed with its final slash is the same issuer.
    server_url = server_url.strip().rstrip("/")
    if server_url and not client_id:
        raise ImproperlyConfigured("DJANGO_OIDC_SERVER_URL is set: DJANGO_OIDC_CLIENT_ID must be set too.")
    app_settings: dict = {"server_url": server_url}
    if token_auth_method:
        app_settings["token_auth_method"] = token_auth_method
    apps = (
        [
            {
                "provider_id": provider_id,
                "name": name,
                "client_id": client_id,
                "secret": secret,
                "settings": app_settings,
            }
        ]
        if server_url
        else []
    )
    # PKCE on every authorisation request, whatever the provider requires.
    return {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": apps}}
