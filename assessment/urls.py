from django.urls import path

from . import views

app_name = "assessment"

urlpatterns = [
    path("autoevaluations/verifier/", views.verify, name="verify"),
]
