"""Referentials in and out through the API: ReqIF export of a version, import of a ReqIF or
spreadsheet file into a draft (preview, then apply), and the spreadsheet template. Thin: the
readers, the plan and the service do the work."""

import json

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api_errors import ErrorSerializer
from core.roles import is_editor

from .. import services
from ..import_files import proposed_mapping, read_import_file
from ..interchange import FIELDS, ImportRefused, clean_mapping, plan_import
from ..reqif import reqif_download
from ..spreadsheet_import import template_download
from .permissions import IsEditorOrReadOnly
from .views import EDITORS_ONLY, FORBIDDEN, NOT_FOUND, NUMBER, SLUG, TAGS, VISIBILITY, NoFilters, VersionScopedMixin


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="Fichier .reqif, .reqifz, .xlsx ou .csv.")
    mapping = serializers.CharField(
        required=False,
        help_text=(
            "Objet JSON « champ → nom d'attribut du fichier » (champs : "
            + ", ".join(FIELDS)
            + ") ; sans lui, la correspondance retenue pour l'outil source, complétée par les noms usuels."
        ),
    )


PLAN = inline_serializer(
    "ImportPlan",
    {
        "format": serializers.CharField(),
        "tool": serializers.CharField(),
        "attributes": serializers.ListField(child=serializers.DictField()),
        "mapping": serializers.DictField(child=serializers.CharField()),
        "added": serializers.ListField(child=serializers.CharField()),
        "changed": serializers.ListField(child=serializers.DictField()),
        "removed": serializers.ListField(child=serializers.CharField()),
        "unchanged": serializers.IntegerField(),
        "problems": serializers.ListField(child=serializers.CharField()),
        "applied": serializers.BooleanField(),
    },
)


@extend_schema(
    tags=TAGS,
    summary="Une version en ReqIF 1.2",
    description=(
        "La version au format ReqIF 1.2 (« reqif ») ou compressé (« reqifz ») : un SPEC-OBJECT par exigence, "
        "d'identifiant stable d'une version à l'autre. " + VISIBILITY
    ),
    parameters=[SLUG, NUMBER],
    responses={(200, "application/xml"): OpenApiResponse(description="Document ReqIF."), 404: NOT_FOUND},
)
class VersionReqIF(VersionScopedMixin, NoFilters, generics.GenericAPIView):
    serializer_class = None

    @extend_schema(operation_id="v1_referentials_versions_reqif")
    def get(self, request, *args, fmt, **kwargs):
        response = reqif_download(self.version, zipped=fmt == "reqifz")
        response["Cache-Control"] = "public, max-age=3600" if self.version.is_frozen else "private, no-store"
        return response


@extend_schema(
    tags=TAGS,
    summary="Importer un fichier ReqIF, XLSX ou CSV dans un brouillon",
    description=(
        "« preview » lit le fichier et dit ce qui serait ajouté, modifié et supprimé (exigences appariées par "
        "identifiant, puis par clé), avec tous les problèmes ; rien n'est écrit. « apply » fait de même puis "
        "applique tout en une transaction, ou rien (400 avec « problems »). " + EDITORS_ONLY
    ),
    parameters=[SLUG, NUMBER],
    request={"multipart/form-data": ImportUploadSerializer},
    responses={
        200: PLAN,
        400: OpenApiResponse(ErrorSerializer, description="Fichier illisible ou refusé ; « problems » liste chaque problème."),
        403: FORBIDDEN,
        404: NOT_FOUND,
        409: OpenApiResponse(ErrorSerializer, description="La version n'est pas un brouillon."),
    },
)
class VersionImport(VersionScopedMixin, NoFilters, generics.GenericAPIView):
    permission_classes = [IsEditorOrReadOnly]
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = ImportUploadSerializer

    def post(self, request, *args, step, **kwargs):
        version = self.version
        try:
            document = read_import_file(request.FILES.get("file"))
            mapping = proposed_mapping(document)
            if request.data.get("mapping"):
                try:
                    asked = json.loads(request.data["mapping"])
                except (ValueError, RecursionError):  # RecursionError: arrays nested past the parser's depth
                    asked = None
                if not isinstance(asked, dict):
                    raise ImportRefused(_("mapping : un objet JSON est attendu."))
                mapping = clean_mapping({**mapping, **asked}, [a["name"] for a in document["attributes"]])
            if step == "apply":
                plan = services.import_into_draft(version=version, document=document, mapping=mapping, by=request.user)
            else:
                plan = plan_import(version, document, mapping)
        except ImportRefused as error:
            body = {"detail": str(error.message)}
            if error.problems:
                body["problems"] = [str(p) for p in error.problems]
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "format": document["format"],
                "tool": document["tool"],
                "attributes": document["attributes"],
                "mapping": mapping,
                "added": [r.key for r in plan.added],
                "changed": [{"key": r.key, "changes": r.changes} for r in plan.changed],
                "removed": [r.key for r in plan.removed],
                "unchanged": len(plan.unchanged),
                "problems": [str(p) for p in plan.problems],
                "applied": step == "apply",
            }
        )


@extend_schema(
    tags=TAGS,
    summary="Modèle de tableau d'exigences à importer",
    description="Les colonnes attendues par l'import XLSX/CSV, avec une ligne d'exemple. Réservé aux éditeurs.",
    parameters=[SLUG, NUMBER],
    responses={(200, "application/octet-stream"): OpenApiResponse(description="Modèle XLSX ou CSV."), 403: FORBIDDEN, 404: NOT_FOUND},
)
class VersionImportTemplate(VersionScopedMixin, NoFilters, generics.GenericAPIView):
    serializer_class = None

    def get(self, request, *args, fmt, **kwargs):
        if not is_editor(request.user):
            self.permission_denied(request, message=IsEditorOrReadOnly.message)
        return template_download(self.version, fmt)
