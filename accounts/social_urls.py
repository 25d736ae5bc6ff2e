"""French public paths for sign-in with an external identity provider (allauth.socialaccount), under
/compte/connexion-externe/, keeping allauth's URL names: allauth reverses them (the provider's
callback URL is built from "openid_connect_callback"), and the site's templates use them too.

allauth's own English paths are not included at all (config/urls.py): of two patterns with one name,
reverse() would give the last.
"""

from allauth.socialaccount import views as allauth_views
from django.urls import path

from . import social_views

urlpatterns = [
    path("compte/connexion-externe/", allauth_views.connections, name="socialaccount_connections"),
    path("compte/connexion-externe/inscription/", allauth_views.signup, name="socialaccount_signup"),
    path(
        "compte/connexion-externe/annulee/",
        allauth_views.login_cancelled,
        name="socialaccount_login_cancelled",
    ),
    path("compte/connexion-externe/erreur/", allauth_views.login_error, name="socialaccount_login_error"),
    # <provider_id> is DJANGO_OIDC_PROVIDER_ID ("ans"); the callback is the redirect URI registered at the provider.
    path(
        "compte/connexion-externe/<str:provider_id>/connexion/",
        social_views.login,
        name="openid_connect_login",
    ),
    path(
        "compte/connexion-externe/<str:provider_id>/retour/",
        social_views.callback,
        name="openid_connect_callback",
    ),
]
