"""Public pages of the referentials (DESIGN §4: French URLs).

Version numbers contain dots (``1.0``, ``0.9.1``), so their patterns are regular
expressions made of digits and dots ending with a slash: ``<number>.pdf`` and
``latest.pdf`` never match them.
"""

from django.urls import path, re_path

from . import import_views, views, workspace_views
from .views import VERSION_NUMBER

app_name = "referential"

REFERENTIAL = r"^referentiels/(?P<slug>[-\w]+)/"
NUMBER = rf"(?P<number>{VERSION_NUMBER})"
EDIT = rf"{REFERENTIAL}{NUMBER}/edition/"

urlpatterns = [
    path("", views.home, name="home"),
    path("espace-editeurs/", views.editor_home, name="editor_home"),
    path("referentiels/<slug:slug>/", views.referential_detail, name="referential_detail"),
    re_path(rf"{REFERENTIAL}{NUMBER}/$", views.version_detail, name="version_detail"),
    # Keys contain spaces and dots (« MSS 17 », « ECO.1.2.3 »): the key is the rest of the path.
    re_path(rf"{REFERENTIAL}{NUMBER}/exigences/(?P<key>.+)/$", views.requirement_detail, name="requirement_detail"),
    path("referentiels/<slug:slug>/comparer/", views.compare_pick, name="compare_pick"),
    re_path(
        rf"{REFERENTIAL}comparer/(?P<a>{VERSION_NUMBER})/(?P<b>{VERSION_NUMBER})/$",
        views.compare,
        name="compare",
    ),
    re_path(rf"{REFERENTIAL}{NUMBER}\.pdf$", views.version_pdf, name="version_pdf"),
    path("referentiels/<slug:slug>/latest.pdf", views.latest_pdf, name="latest_pdf"),
    re_path(rf"{REFERENTIAL}{NUMBER}/apercu\.pdf$", views.version_preview_pdf, name="version_preview_pdf"),
    re_path(rf"{REFERENTIAL}{NUMBER}/publier/$", views.version_publish, name="version_publish"),
    re_path(rf"{REFERENTIAL}{NUMBER}/validation/$", views.version_review, name="version_review"),
    re_path(rf"{REFERENTIAL}{NUMBER}/export\.(?P<fmt>csv|xlsx|json|reqifz|reqif)$", views.version_export, name="version_export"),
    re_path(rf"{REFERENTIAL}{NUMBER}/importer/$", import_views.version_import, name="version_import"),
    re_path(rf"{REFERENTIAL}{NUMBER}/modele-import\.(?P<fmt>csv|xlsx)$", import_views.import_template, name="version_import_template"),
    # The editors' workspace of a draft (editors only; the public URLs above are unchanged).
    re_path(rf"{EDIT}$", workspace_views.draft_workspace, name="draft_workspace"),
    re_path(rf"{EDIT}chapitres/$", workspace_views.draft_section_add, name="draft_section_add"),
    re_path(rf"{EDIT}chapitres/(?P<pk>[0-9]+)/$", workspace_views.draft_section, name="draft_section"),
    re_path(rf"{EDIT}exigences/$", workspace_views.draft_requirement_add, name="draft_requirement_add"),
    re_path(rf"{EDIT}exigences/(?P<pk>[0-9]+)/$", workspace_views.draft_requirement_edit, name="draft_requirement_edit"),
    re_path(rf"{EDIT}exigences/(?P<pk>[0-9]+)/deplacer/$", workspace_views.draft_requirement_move, name="draft_requirement_move"),
    re_path(rf"{EDIT}selection/$", workspace_views.draft_bulk, name="draft_bulk"),
    re_path(rf"{EDIT}apercu/$", workspace_views.markdown_preview, name="draft_preview"),
]
