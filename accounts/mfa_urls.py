"""allauth.mfa's pages at French addresses, under the names allauth reverses (``mfa_index``…).

Included in ``config/urls.py`` at ``compte/double-authentification/`` before allauth's own URLs,
so ``reverse("mfa_activate_totp")`` gives the French path. The same optional pages as
``allauth/mfa/urls.py``: each kind of factor only when ``MFA_SUPPORTED_TYPES`` offers it.
"""

from allauth.mfa import app_settings
from allauth.mfa.base import views as base_views
from django.urls import URLPattern, URLResolver, include, path

from .mfa import readable_recovery_codes_only

urlpatterns: list[URLPattern | URLResolver] = [
    path("", base_views.index, name="mfa_index"),
    # The login stage: the code asked after the password, and again before a sensitive change.
    path("verification/", base_views.authenticate, name="mfa_authenticate"),
    path("confirmation/", base_views.reauthenticate, name="mfa_reauthenticate"),
]
if app_settings._TRUST_STAGE_ENABLED:
    urlpatterns.append(path("appareil-de-confiance/", base_views.trust, name="mfa_trust"))

if "totp" in app_settings.SUPPORTED_TYPES:
    from allauth.mfa.totp import views as totp_views

    urlpatterns += [
        path("totp/activer/", totp_views.activate_totp, name="mfa_activate_totp"),
        path("totp/desactiver/", totp_views.deactivate_totp, name="mfa_deactivate_totp"),
    ]

if "recovery_codes" in app_settings.SUPPORTED_TYPES:
    from allauth.mfa.recovery_codes import views as codes_views

    urlpatterns += [
        # The pages showing the codes are not shown when their seed cannot be decrypted (accounts/mfa.py).
        path(
            "codes-de-secours/",
            readable_recovery_codes_only(codes_views.view_recovery_codes),
            name="mfa_view_recovery_codes",
        ),
        path("codes-de-secours/generer/", codes_views.generate_recovery_codes, name="mfa_generate_recovery_codes"),
        path(
            "codes-de-secours/telecharger/",
            readable_recovery_codes_only(codes_views.download_recovery_codes),
            name="mfa_download_recovery_codes",
        ),
    ]

if "webauthn" in app_settings.SUPPORTED_TYPES:
    from allauth.mfa.webauthn import views as webauthn_views

    urlpatterns += [
        path("cles-de-securite/", webauthn_views.list_webauthn, name="mfa_list_webauthn"),
        path("cles-de-securite/ajouter/", webauthn_views.add_webauthn, name="mfa_add_webauthn"),
        path(
            "cles-de-securite/confirmation/", webauthn_views.reauthenticate_webauthn, name="mfa_reauthenticate_webauthn"
        ),
        path(
            "cles-de-securite/<int:pk>/",
            include(
                [
                    path("supprimer/", webauthn_views.remove_webauthn, name="mfa_remove_webauthn"),
                    path("modifier/", webauthn_views.edit_webauthn, name="mfa_edit_webauthn"),
                ]
            ),
        ),
    ]
    if app_settings.PASSKEY_LOGIN_ENABLED:
        urlpatterns.append(
            path("cles-de-securite/connexion/", webauthn_views.login_webauthn, name="mfa_login_webauthn")
        )
    if app_settings.PASSKEY_SIGNUP_ENABLED:
        urlpatterns.append(
            path("cles-de-securite/inscription/", webauthn_views.signup_webauthn, name="mfa_signup_webauthn")
        )
