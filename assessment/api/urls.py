"""API routes of self-assessments, under ``/api/v1/`` (DESIGN §4)."""

from django.urls import path

from . import views

app_name = "assessment_api"

urlpatterns = [
    path("assessments/", views.AssessmentList.as_view(), name="assessment-list"),
    path("assessments/<int:pk>/", views.AssessmentDetail.as_view(), name="assessment-detail"),
    path("assessments/<int:pk>/answers/", views.AnswerList.as_view(), name="answer-list"),
    path("assessments/<int:pk>/answers/<int:answer_id>/", views.AnswerDetail.as_view(), name="answer-detail"),
    path("assessments/<int:pk>/submit/", views.Submit.as_view(), name="submit"),
    path("assessments/<int:pk>/submissions/", views.SubmissionList.as_view(), name="submission-list"),
    path("assessments/<int:pk>/submissions/<int:number>/", views.SubmissionDetail.as_view(), name="submission-detail"),
    path("assessments/<int:pk>/submissions/<int:number>/request-changes/", views.RequestChanges.as_view(), name="request-changes"),
]
