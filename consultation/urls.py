"""Consultation pages (DESIGN §4: ``/concertations/<id>/``, ``/concertations/<id>/synthese/``)."""

from django.urls import path

from . import views

app_name = "consultation"

# The editors' answer register, the synthesis, a contributor's own comments.
urlpatterns = [
    path("concertations/<int:pk>/registre.xlsx", views.register_xlsx, name="register_xlsx"),
    path("concertations/<int:pk>/registre/importer/", views.register_import, name="register_import"),
    path("concertations/<int:pk>/synthese/", views.synthesis_page, name="synthesis"),
    path("concertations/<int:pk>/synthese/publier/", views.synthesis_publish, name="synthesis_publish"),
    path("concertations/<int:pk>/synthese.pdf", views.synthesis_pdf, name="synthesis_pdf"),
    path("concertations/<int:pk>/synthese.xlsx", views.synthesis_xlsx, name="synthesis_xlsx"),
    path("concertations/<int:pk>/synthese.csv", views.synthesis_csv, name="synthesis_csv"),
    path("concertations/<int:pk>/mes-commentaires.xlsx", views.my_comments_xlsx, name="my_comments_xlsx"),
    path("concertations/<int:pk>/mes-commentaires.csv", views.my_comments_csv, name="my_comments_csv"),
]

# Consultations: the list, a consultation's page, contributors' comments, the editors' dashboard.
urlpatterns += [
    path("concertations/", views.consultation_list, name="consultation_list"),
    path("concertations/<int:pk>/", views.consultation_detail, name="consultation_detail"),
    path("concertations/<int:pk>/commenter/", views.comment_create, name="comment_create"),
    path("concertations/<int:pk>/tableau-de-bord/", views.consultation_dashboard, name="consultation_dashboard"),
    path("concertations/commentaires/<int:pk>/modifier/", views.comment_edit, name="comment_edit"),
    path("concertations/commentaires/<int:pk>/retirer/", views.comment_withdraw, name="comment_withdraw"),
    path("concertations/commentaires/<int:pk>/repondre/", views.comment_answer, name="comment_answer"),
    path("concertations/commentaires/<int:pk>/masquer/", views.comment_hide, name="comment_hide"),
    path("concertations/commentaires/<int:pk>/retablir/", views.comment_unhide, name="comment_unhide"),
    path("concertations/<int:pk>/reponse-groupee/", views.comments_bulk_answer, name="comments_bulk_answer"),
    path("concertations/commentaires/<int:pk>/attribuer/", views.comment_assign, name="comment_assign"),
    path("concertations/commentaires/<int:pk>/note-interne/", views.comment_note, name="comment_note"),
    path("concertations/commentaires/<int:pk>/appliquer/", views.comment_apply_wording, name="comment_apply_wording"),
]
