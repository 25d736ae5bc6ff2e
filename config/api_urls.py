from django.urls import include, path
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from accounts.mfa import check_second_factor_for_api_token
from accounts.services import issue_api_token

from core.api_bounds import PARSERS
from core.api_errors import ErrorSerializer


@extend_schema(
    tags=["Authentification"],
    summary="Obtenir son jeton d'API",
    request=inline_serializer(
        "AuthTokenCredentials",
        {
            "username": serializers.CharField(help_text="Identifiant ou adresse électronique."),
            "password": serializers.CharField(),
            "code": serializers.CharField(
                required=False,
                help_text="Rédacteurs : le code affiché par leur application d'authentification (ou un code de récupération).",
            ),
        },
    ),
    responses={
        200: inline_serializer("AuthToken", {"token": serializers.CharField()}),
        400: OpenApiResponse(ErrorSerializer, description="Identifiants refusés ou corps illisible."),
        403: OpenApiResponse(
            ErrorSerializer,
            description=(
                "Contributeur : adresse électronique pas encore confirmée. Rédacteur : le champ « code » "
                "(code de son application d'authentification) manque ou est refusé."
            ),
        ),
    },
)
class TokenView(ObtainAuthToken):
    # DRF's view names its own parsers: the bounded ones replace them (a 100,000-deep body is a 400).
    parser_classes = PARSERS

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        # Editors give their second factor too, or the password alone would bypass it (403 otherwise).
        check_second_factor_for_api_token(user=user, code=str(request.data.get("code") or "").strip() or None)
        # An expired token is replaced rather than handed out again.
        return Response({"token": issue_api_token(user=user).key})


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include("referential.api.urls")),
    path("", include("consultation.api.urls")),
    path("", include("workshops.api.urls")),
    path("", include("assessment.api.urls")),
]
