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
    # Provisional: allauth's own paths until they get French ones.
    path("compte/allauth/", include("allauth.urls")),
    # Multi-factor authentication at French addresses, under allauth's own names. AFTER allauth's
    # URLs on purpose: when two patterns share a name, reverse() gives the one included last.
    path("compte/double-authentification/", include("accounts.mfa_urls")),
    path("", include("legal.urls")),
    path("", include("assessment.urls")),
    path("", include("referential.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "config.error_views.page_not_found"
