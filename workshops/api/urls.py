"""API routes of the workshops, under ``/api/v1/`` (DESIGN §4)."""

from django.urls import path

from . import views

app_name = "workshops_api"

urlpatterns = [
    path("workshops/", views.WorkshopList.as_view(), name="workshop-list"),
    path("workshops/<int:pk>/", views.WorkshopDetail.as_view(), name="workshop-detail"),
]
