from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("config.api_urls")),
    path("", include("notifications.urls")),
    path("", include("consultation.urls")),
    path("", include("workshops.urls")),
    path("", include("accounts.urls")),
    # allauth's account and sessions pages, at French paths under its URL names.
    path("", include("accounts.allauth_urls")),
    # Sign-in with an external identity provider: French paths with allauth's URL names.
    path("", include("accounts.social_urls")),
    # Multi-factor authentication at French addresses, under allauth's own names. allauth's English
    # paths are not included at all: of two patterns with one name, reverse() gives the last.
    path("compte/double-authentification/", include("accounts.mfa_urls")),
    path("", include("legal.urls")),
    path("", include("assessment.urls")),
    path("", include("referential.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "config.error_views.page_not_found"
handler429 = "config.error_views.too_many_requests"
