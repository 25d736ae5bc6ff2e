"""Account pages, under /compte/."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("compte/", views.account, name="account"),
    path("compte/inscription/", views.signup, name="signup"),
    path("compte/inscription/envoyee/", views.signup_done, name="signup_done"),
    path("compte/confirmer/<str:token>/", views.confirm_email, name="confirm_email"),
    path("compte/confirmer-a-nouveau/", views.resend_confirmation, name="resend_confirmation"),
    path("compte/connexion/", views.LoginView.as_view(), name="login"),
    path("compte/deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("compte/mot-de-passe/oubli/", views.PasswordResetView.as_view(), name="password_reset"),
    path("compte/mot-de-passe/oubli/envoye/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "compte/mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("compte/mot-de-passe/nouveau/termine/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
