"""Our account pages, under /compte/ (allauth's pages: accounts/allauth_urls.py)."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("compte/", views.account, name="account"),
]
