"""API routes of consultations and comments, under ``/api/v1/`` (DESIGN §4)."""

from django.urls import path

from . import views

app_name = "consultation_api"

urlpatterns = [
    path("consultations/", views.ConsultationList.as_view(), name="consultation-list"),
    path("consultations/<int:pk>/", views.ConsultationDetail.as_view(), name="consultation-detail"),
    path("consultations/<int:pk>/comments/", views.ConsultationComments.as_view(), name="consultation-comments"),
    path("comments/<int:pk>/", views.CommentDetail.as_view(), name="comment-detail"),
    path("comments/<int:pk>/answer/", views.CommentAnswer.as_view(), name="comment-answer"),
    path("comments/<int:pk>/hide/", views.CommentHide.as_view(), name="comment-hide"),
    path("comments/<int:pk>/unhide/", views.CommentUnhide.as_view(), name="comment-unhide"),
]
