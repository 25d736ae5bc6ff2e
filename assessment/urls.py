from django.urls import path

from . import views

app_name = "assessment"

urlpatterns = [
    path("autoevaluations/", views.assessment_list, name="list"),
    path("autoevaluations/nouvelle/", views.assessment_start, name="start"),
    path("autoevaluations/verifier/", views.verify, name="verify"),
    path("autoevaluations/tableau-de-bord/", views.dashboard, name="dashboard"),
    path("autoevaluations/tableau-de-bord/<int:version_pk>/publier-la-synthese/", views.aggregate_publish, name="aggregate_publish"),
    path("autoevaluations/tableau-de-bord/<int:version_pk>/retirer-la-synthese/", views.aggregate_withdraw, name="aggregate_withdraw"),
    path("autoevaluations/syntheses/", views.aggregate_list, name="aggregates"),
    path("autoevaluations/syntheses/<int:version_pk>/", views.aggregate_detail, name="aggregate"),
    path("autoevaluations/<int:pk>/", views.assessment_detail, name="detail"),
    path("autoevaluations/<int:pk>/soumettre/", views.assessment_submit, name="submit"),
    path("autoevaluations/<int:pk>/reponses/<int:answer_pk>/", views.answer_edit, name="answer"),
    path("autoevaluations/<int:pk>/reponses/<int:answer_pk>/preuves/", views.evidence_add, name="evidence_add"),
    path("autoevaluations/preuves/<int:pk>/retirer/", views.evidence_withdraw, name="evidence_withdraw"),
    path("autoevaluations/preuves/<int:pk>/fichier/", views.evidence_file, name="evidence_file"),
    path("autoevaluations/<int:pk>/revisions/<int:number>/", views.submission_detail, name="submission"),
    path("autoevaluations/<int:pk>/revisions/<int:number>/attestation.pdf", views.attestation_pdf, name="attestation"),
    path("autoevaluations/<int:pk>/revisions/<int:number>/demander-des-modifications/", views.request_changes, name="request_changes"),
    path("autoevaluations/<int:pk>/grille.xlsx", views.export_xlsx, name="export_xlsx"),
    path("autoevaluations/<int:pk>/grille.csv", views.export_csv, name="export_csv"),
    path("autoevaluations/<int:pk>/importer/", views.import_xlsx, name="import_xlsx"),
    path("autoevaluations/<int:pk>/plan-d-action.xlsx", views.action_plan_xlsx, name="action_plan_xlsx"),
    path("autoevaluations/<int:pk>/plan-d-action.pdf", views.action_plan_pdf, name="action_plan_pdf"),
]
