"""Workshop pages (DESIGN §4: ``/ateliers/<id>/``)."""

from django.urls import path

from . import views

app_name = "workshops"

urlpatterns = [
    path("ateliers/", views.workshop_list, name="workshop_list"),
    path("ateliers/actions/", views.action_tracker, name="action_tracker"),
    path("ateliers/actions/<int:pk>/statut/", views.action_status, name="action_status"),
    path("ateliers/actions/<int:pk>/responsable/", views.action_assign, name="action_assign"),
    path("ateliers/<int:pk>/", views.workshop_detail, name="workshop_detail"),
    path("ateliers/<int:pk>.pdf", views.workshop_pdf, name="workshop_pdf"),
    path("ateliers/<int:pk>/rida.csv", views.rida_csv, name="rida_csv"),
    path("ateliers/<int:pk>/rida.xlsx", views.rida_xlsx, name="rida_xlsx"),
    path("ateliers/<int:pk>/import/", views.rida_import, name="rida_import"),
    path("ateliers/<int:pk>/publier/", views.workshop_publish, name="workshop_publish"),
    path("ateliers/<int:pk>/depublier/", views.workshop_unpublish, name="workshop_unpublish"),
]
