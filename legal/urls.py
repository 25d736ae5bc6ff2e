from django.urls import path

from . import views

app_name = "legal"

urlpatterns = [
    path("mentions-legales/", views.page, {"template": "legal/legal_notice.html"}, name="legal_notice"),
    path("donnees-personnelles/", views.page, {"template": "legal/personal_data.html"}, name="personal_data"),
    path("accessibilite/", views.page, {"template": "legal/accessibility.html"}, name="accessibility"),
    path("plan-du-site/", views.site_map, name="site_map"),
]
