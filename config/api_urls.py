from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("", include("referential.api.urls")),
    path("", include("consultation.api.urls")),
    path("", include("workshops.api.urls")),
    path("", include("assessment.api.urls")),
]
