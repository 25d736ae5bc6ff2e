from django.urls import include, path
from rest_framework.authtoken.views import ObtainAuthToken

from referential.api.bounds import PARSERS


class TokenView(ObtainAuthToken):
    # DRF's view names its own parsers: the bounded ones replace them (a 100,000-deep body is a 400).
    parser_classes = PARSERS


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include("referential.api.urls")),
    path("", include("consultation.api.urls")),
]
