"""API routes of the referentials, under ``/api/v1/`` (DESIGN §4).

Version numbers contain dots (``1.0``, ``0.9.1``) and requirement keys contain spaces and
dots (``MSS 17``, ``ECO.1.2``), so those segments are regular expressions: a number is digits
and dots, a key is the rest of the path up to the final slash.
"""

from django.urls import path, re_path

from . import imports, views

app_name = "referential_api"

REFERENTIAL = r"^referentials/(?P<slug>[-\w]+)/"
NUMBER = r"(?P<number>[0-9]+(?:\.[0-9]+)+)"
OTHER = r"(?P<other>[0-9]+(?:\.[0-9]+)+)"
VERSION = rf"{REFERENTIAL}versions/{NUMBER}/"

urlpatterns = [
    path("referentials/", views.ReferentialList.as_view(), name="referential-list"),
    path("referentials/<slug:slug>/", views.ReferentialDetail.as_view(), name="referential-detail"),
    path("referentials/<slug:slug>/versions/", views.VersionList.as_view(), name="version-list"),
    re_path(rf"{VERSION}$", views.VersionDetail.as_view(), name="version-detail"),
    re_path(rf"{VERSION}requirements/$", views.RequirementList.as_view(), name="requirement-list"),
    re_path(rf"{VERSION}requirements/(?P<key>.+)/$", views.RequirementDetail.as_view(), name="requirement-detail"),
    re_path(rf"{VERSION}publish/$", views.VersionPublish.as_view(), name="version-publish"),
    re_path(rf"{VERSION}submit-for-validation/$", views.VersionSubmitForValidation.as_view(), name="version-submit-for-validation"),
    re_path(rf"{VERSION}approve/$", views.VersionApprove.as_view(), name="version-approve"),
    re_path(rf"{VERSION}request-changes/$", views.VersionRequestChanges.as_view(), name="version-request-changes"),
    re_path(rf"{VERSION}(?P<fmt>reqifz|reqif)/$", imports.VersionReqIF.as_view(), name="version-reqif"),
    re_path(rf"{VERSION}import/(?P<step>preview|apply)/$", imports.VersionImport.as_view(), name="version-import"),
    re_path(rf"{VERSION}import-template\.(?P<fmt>xlsx|csv)$", imports.VersionImportTemplate.as_view(), name="version-import-template"),
    re_path(rf"{VERSION}compare/{OTHER}/$", views.VersionComparison.as_view(), name="version-compare"),
    path("nonconformity-levels/", views.NonConformityLevelList.as_view(), name="level-list"),
    path("actors/", views.ActorList.as_view(), name="actor-list"),
]
