"""REST API of the referentials (DESIGN §4). Thin: resolve what the URL names through
``queries`` (which also decides what the user may see), call a service to change anything,
serialize. Domain errors become HTTP in ``errors.exception_handler``."""

from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.utils.dateparse import parse_date
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from core.api_errors import ErrorSerializer

from .. import fixed_labels, queries, services
from ..compare import compare_versions
from ..keys import normalise_key
from ..models import Actor, ConformityThreshold, NonConformityLevel, Requirement
from .caching import VersionCacheMixin
from .filters import RequirementFilter
from .permissions import IsEditorOrReadOnly
from .serializers import (
    ActorSerializer,
    ComparisonSerializer,
    NonConformityLevelSerializer,
    ReferentialDetailSerializer,
    ReferentialSerializer,
    RequirementCreateSerializer,
    RequirementSerializer,
    RequirementUpdateSerializer,
    ReviewNoteSerializer,
    VersionDetailSerializer,
    VersionReviewSerializer,
    VersionSerializer,
)

SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="Identifiant du référentiel, par exemple ref1-mssante.")
NUMBER = OpenApiParameter("number", str, OpenApiParameter.PATH, description="Numéro de version, par exemple 1.0.")
OTHER = OpenApiParameter("other", str, OpenApiParameter.PATH, description="Numéro de la version comparée, par exemple 1.1.")
KEY = OpenApiParameter("key", str, OpenApiParameter.PATH, description="Clé de l'exigence, par exemple « MSS 17 » (encodée : MSS%2017).")
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Révision lue (par exemple 3), à la place du champ « revision ».",
)

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Inconnu, ou brouillon que seuls les éditeurs voient.")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Réservé aux éditeurs.")
CONFLICT = OpenApiResponse(ErrorSerializer, description="Version publiée (figée), ou exigence modifiée entre-temps.")
INVALID = OpenApiResponse(ErrorSerializer, description="Donnée refusée ; le corps nomme chaque champ en cause.")
NOT_MODIFIED = OpenApiResponse(description="Version figée inchangée depuis l'ETag envoyé (If-None-Match).")

TAGS = ["Référentiels"]
# Reads are open to anonymous users too; writes need an editor's session or token.
PUBLIC_READ = [{"cookieAuth": []}, {"tokenAuth": []}, {}]
VISIBILITY = "Les brouillons hors concertation ne sont visibles que des éditeurs (404 pour les autres). "
FROZEN_CACHING = (
    "Une version publiée ou remplacée ne change plus : la réponse porte un ETag fort et "
    "« Cache-Control: public » ; renvoyez l'ETag dans If-None-Match pour obtenir 304. "
    "Les autres versions répondent « Cache-Control: private, no-store »."
)
EDITORS_ONLY = (
    "Réservé aux éditeurs (403 pour les autres). Une version publiée ou remplacée répond 409 : "
    "elle ne peut plus être modifiée."
)


class NoFilters:
    """Only the requirement list has query-string filters; the other views opt out."""

    filter_backends: list = []


class VersionScopedMixin:
    """Views under ``referentials/{slug}/versions/{number}/``. The version is looked up through
    ``queries.version_for``: a draft the user may not read is a 404, as if it did not exist."""

    @cached_property
    def version(self):
        return queries.version_for(self.request.user, self.kwargs["slug"], self.kwargs["number"])

    def get_cache_versions(self):
        return [self.version]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["version"] = self.version
        return context


# Referentials and versions ------------------------------------------------------------------------


@extend_schema(
    tags=TAGS,
    summary="Référentiels, avec les versions que l'on peut lire",
    description="Chaque référentiel avec sa version publiée en vigueur et les versions lisibles. " + VISIBILITY,
)
class ReferentialList(NoFilters, generics.ListAPIView):
    serializer_class = ReferentialSerializer

    def get_queryset(self):
        return queries.referentials_with_versions(self.request.user)


@extend_schema(
    tags=TAGS,
    summary="Un référentiel",
    description="Le référentiel et ses versions lisibles, la plus récente d'abord. " + VISIBILITY,
    parameters=[SLUG],
    responses={200: ReferentialDetailSerializer, 404: NOT_FOUND},
)
class ReferentialDetail(NoFilters, generics.RetrieveAPIView):
    serializer_class = ReferentialDetailSerializer

    def get_object(self):
        return queries.referential_with_versions(self.request.user, self.kwargs["slug"])


IN_FORCE_AT = OpenApiParameter(
    "in_force_at",
    str,
    OpenApiParameter.QUERY,
    required=False,
    description="AAAA-MM-JJ : ne renvoie que la version en vigueur ce jour-là (la dernière version "
    "publiée dont la date d'entrée en vigueur est ce jour ou avant), ou une liste vide.",
)


@extend_schema(
    tags=TAGS,
    summary="Versions d'un référentiel, la plus récente d'abord",
    description=VISIBILITY + " Le champ « in_force » marque la version en vigueur aujourd'hui.",
    parameters=[SLUG, IN_FORCE_AT],
    responses={200: VersionSerializer(many=True), 400: INVALID, 404: NOT_FOUND},
)
class VersionList(NoFilters, generics.ListAPIView):
    serializer_class = VersionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return []
        versions = queries.referential_with_versions(self.request.user, self.kwargs["slug"]).visible
        raw = self.request.query_params.get("in_force_at")
        if raw is None:
            return versions
        day = _parse_day(raw)
        if day is None:
            raise ValidationError({"in_force_at": [_("Une date s'écrit AAAA-MM-JJ, par exemple 2026-07-01.")]})
        in_force = queries.version_in_force(versions, day)
        return [in_force] if in_force else []


def _parse_day(raw: str):
    try:
        return parse_date(raw)
    except ValueError:  # well formed but impossible, such as 2026-02-30
        return None


@extend_schema(
    tags=TAGS,
    summary="Une version : règle de conformité, chapitres numérotés et exigences",
    description=VISIBILITY + FROZEN_CACHING,
    parameters=[NUMBER, SLUG],
    responses={200: VersionDetailSerializer, 304: NOT_MODIFIED, 404: NOT_FOUND},
)
class VersionDetail(VersionScopedMixin, VersionCacheMixin, NoFilters, generics.RetrieveAPIView):
    serializer_class = VersionDetailSerializer

    def get_object(self):
        version = self.version
        prefetch_related_objects(
            [version], Prefetch("thresholds", queryset=ConformityThreshold.objects.select_related("level"))
        )
        fixed_labels.dress_thresholds(version, version.thresholds.all())
        version.outline = queries.version_outline(version)
        return version


@extend_schema(
    tags=TAGS,
    summary="Comparaison de deux versions, exigence par exigence",
    description=(
        "Compare la version « number » (l'ancienne) à la version « other » (la nouvelle) : les "
        "exigences sont appariées par filiation puis par clé, et chacune est classée ajoutée, "
        "supprimée, modifiée, renumérotée (clé changée), déplacée ou inchangée. " + VISIBILITY + FROZEN_CACHING
    ),
    parameters=[SLUG, NUMBER, OTHER],
    responses={200: ComparisonSerializer, 304: NOT_MODIFIED, 404: NOT_FOUND},
)
class VersionComparison(VersionCacheMixin, NoFilters, generics.RetrieveAPIView):
    """``number`` is the older side, ``other`` the newer one."""

    serializer_class = ComparisonSerializer

    @cached_property
    def versions(self):
        user, slug = self.request.user, self.kwargs["slug"]
        old = queries.version_for(user, slug, self.kwargs["number"])
        new = queries.version_for(user, slug, self.kwargs["other"])
        return old, new

    def get_cache_versions(self):
        return list(self.versions)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["old_version"], context["new_version"] = self.versions
        return context

    def get_object(self):
        return compare_versions(*self.versions)


# Requirements -------------------------------------------------------------------------------------


def _read_body(view, requirement: Requirement) -> dict:
    """What a write answers: the requirement reloaded and shown as a read shows it."""
    requirement = queries.requirements_of(view.version).get(pk=requirement.pk)
    queries.version_outline(view.version, requirements=[requirement])
    return RequirementSerializer(requirement, context=view.get_serializer_context()).data


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        auth=PUBLIC_READ,
        summary="Exigences d'une version, filtrables",
        description="Filtres : level, actor, section (chapitre et sous-chapitres), q. " + VISIBILITY + FROZEN_CACHING,
        parameters=[SLUG, NUMBER],
        responses={200: RequirementSerializer(many=True), 304: NOT_MODIFIED, 400: INVALID, 404: NOT_FOUND},
    ),
    post=extend_schema(
        tags=TAGS,
        summary="Ajouter une exigence à un brouillon (éditeurs)",
        description=EDITORS_ONLY + " Une clé déjà utilisée dans la version répond 400 (champ « key »).",
        parameters=[SLUG, NUMBER],
        request=RequirementCreateSerializer,
        responses={201: RequirementSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
    ),
)
class RequirementList(VersionScopedMixin, VersionCacheMixin, generics.ListCreateAPIView):
    permission_classes = [IsEditorOrReadOnly]
    filter_backends = [DjangoFilterBackend]
    filterset_class = RequirementFilter

    def get_serializer_class(self):
        # The browsable API and OPTIONS describe a POST with what a POST accepts.
        return RequirementCreateSerializer if self.request.method == "POST" else RequirementSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Requirement.objects.none()
        return queries.requirements_of(self.version)

    def list(self, request, *args, **kwargs):
        requirements = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(requirements)
        shown = page if page is not None else list(requirements)
        queries.version_outline(self.version, requirements=shown)  # sets each one's section_number
        data = self.get_serializer(shown, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def create(self, request, *args, **kwargs):
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        requirement = services.create_requirement(version=self.version, **incoming.validated_data, by=request.user)
        body = _read_body(self, requirement)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        auth=PUBLIC_READ,
        summary="Une exigence",
        description=VISIBILITY + FROZEN_CACHING,
        parameters=[SLUG, NUMBER, KEY],
        responses={200: RequirementSerializer, 304: NOT_MODIFIED, 404: NOT_FOUND},
    ),
    patch=extend_schema(
        tags=TAGS,
        summary="Modifier une exigence d'un brouillon (éditeurs)",
        description=EDITORS_ONLY
        + " Envoyez la révision lue (champ « revision » ou en-tête If-Match) : si quelqu'un a "
        "enregistré entre-temps, la réponse est 409 et rien ne change.",
        parameters=[SLUG, NUMBER, KEY, IF_MATCH],
        request=RequirementUpdateSerializer,
        responses={200: RequirementSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
    ),
    delete=extend_schema(
        tags=TAGS,
        summary="Retirer une exigence d'un brouillon (éditeurs)",
        description=EDITORS_ONLY,
        parameters=[SLUG, NUMBER, KEY],
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
    ),
)
class RequirementDetail(VersionScopedMixin, VersionCacheMixin, NoFilters, generics.RetrieveUpdateDestroyAPIView):
    permission_classes = [IsEditorOrReadOnly]
    # A whole-object PUT would silently blank what the client left out: PATCH only.
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        return RequirementUpdateSerializer if self.request.method == "PATCH" else RequirementSerializer

    def get_object(self):
        requirement = queries.requirements_of(self.version).filter(key=normalise_key(self.kwargs["key"])).first()
        if requirement is None:
            raise Http404
        queries.version_outline(self.version, requirements=[requirement])
        return requirement

    def partial_update(self, request, *args, **kwargs):
        requirement = self.get_object()
        incoming = self.get_serializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        expected = data.pop("revision", None)
        if expected is None:
            expected = _revision_from_if_match(request)
        if expected is None:
            # Without the revision it read, a client would overwrite a colleague's save unseen.
            raise PreconditionRequired()
        requirement = services.update_requirement(
            requirement=requirement, **data, by=request.user, expected_revision=expected
        )
        return Response(_read_body(self, requirement))

    def destroy(self, request, *args, **kwargs):
        services.delete_requirement(requirement=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = _(
        "Indiquez la révision que vous avez lue (champ « revision » ou en-tête If-Match) : "
        "sans elle, vous pourriez écraser la modification d'un autre éditeur."
    )
    default_code = "revision_required"


def _revision_from_if_match(request) -> int | None:
    header = request.headers.get("If-Match", "").strip()
    if not header:
        return None
    value = header.removeprefix("W/").strip('"')
    try:
        return int(value)
    except ValueError:
        raise ValidationError(
            {"revision": [_("L'en-tête If-Match doit porter la révision lue, par exemple « 3 ».")]}
        ) from None


# Reference lists ----------------------------------------------------------------------------------


@extend_schema(tags=TAGS, summary="Niveaux de non-conformité", description="Du plus grave au moins grave (rang 1 d'abord).")
class NonConformityLevelList(NoFilters, generics.ListAPIView):
    serializer_class = NonConformityLevelSerializer
    queryset = NonConformityLevel.objects.order_by("rank")


@extend_schema(tags=TAGS, summary="Acteurs", description="Les acteurs auxquels s'appliquent les exigences (opérateurs, éditeurs de logiciels…).")
class ActorList(NoFilters, generics.ListAPIView):
    serializer_class = ActorSerializer
    queryset = Actor.objects.order_by("position", "label")


# Transitions --------------------------------------------------------------------------------------


@extend_schema(
    tags=TAGS,
    summary="Publier une version",
    description=(
        "Vérifie la version (toutes les anomalies d'un coup), construit son PDF et la publie ; la "
        "version publiée précédente devient « remplacée ». Avec un exécuteur de tâches en arrière-plan, "
        "répond 202 : la version reste « publication en cours » jusqu'à la fin. " + EDITORS_ONLY
    ),
    parameters=[SLUG, NUMBER],
    request=None,
    responses={
        200: VersionSerializer,
        202: VersionSerializer,
        403: FORBIDDEN,
        404: NOT_FOUND,
        409: OpenApiResponse(ErrorSerializer, description="Publication refusée ; « problems » liste chaque anomalie."),
    },
)
class VersionPublish(VersionScopedMixin, NoFilters, generics.GenericAPIView):
    """``POST …/versions/{number}/publish/``: a state change gets its own action endpoint."""

    permission_classes = [IsEditorOrReadOnly]
    serializer_class = VersionSerializer

    def post(self, request, *args, **kwargs):
        version = services.request_publication(version=self.version, by=request.user)
        code = status.HTTP_200_OK if version.is_frozen else status.HTTP_202_ACCEPTED
        return Response(self.get_serializer(version).data, status=code)


# Validation before publication: one action endpoint per transition (submit, approve, ask for changes).

REVIEW_RESPONSES = {
    200: VersionReviewSerializer,
    400: OpenApiResponse(ErrorSerializer, description="Note manquante pour demander des modifications."),
    403: OpenApiResponse(ErrorSerializer, description="Réservé aux éditeurs ; l'éditeur qui a soumis la version ne la valide pas."),
    404: NOT_FOUND,
    409: OpenApiResponse(ErrorSerializer, description="Pas dans l'état voulu (déjà en attente, rien à valider, version publiée)."),
}


class _VersionReviewAction(VersionScopedMixin, NoFilters, generics.GenericAPIView):
    permission_classes = [IsEditorOrReadOnly]
    serializer_class = VersionReviewSerializer

    def act(self, note: str):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        incoming = ReviewNoteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        review = self.act(incoming.validated_data.get("note", ""))
        return Response(self.get_serializer(review).data)


@extend_schema(
    tags=TAGS,
    summary="Soumettre une version à validation",
    description="Ouvre un tour de validation : un autre éditeur devra l'approuver avant la publication. " + EDITORS_ONLY,
    parameters=[SLUG, NUMBER],
    request=None,
    responses=REVIEW_RESPONSES,
)
class VersionSubmitForValidation(_VersionReviewAction):
    """``POST …/versions/{number}/submit-for-validation/``."""

    def act(self, note):
        return services.submit_for_validation(version=self.version, by=self.request.user)


@extend_schema(
    tags=TAGS,
    summary="Approuver une version pour publication",
    description="Approuve le tour de validation en attente, sur le texte tel qu'il est ; l'approbateur est le validateur imprimé dans le PDF. " + EDITORS_ONLY,
    parameters=[SLUG, NUMBER],
    request=ReviewNoteSerializer,
    responses=REVIEW_RESPONSES,
)
class VersionApprove(_VersionReviewAction):
    """``POST …/versions/{number}/approve/``."""

    def act(self, note):
        return services.approve_version(version=self.version, by=self.request.user, note=note)


@extend_schema(
    tags=TAGS,
    summary="Demander des modifications avant publication",
    description="Renvoie la version à son auteur avec une note (obligatoire). " + EDITORS_ONLY,
    parameters=[SLUG, NUMBER],
    request=ReviewNoteSerializer,
    responses=REVIEW_RESPONSES,
)
class VersionRequestChanges(_VersionReviewAction):
    """``POST …/versions/{number}/request-changes/``."""

    def act(self, note):
        return services.request_changes(version=self.version, by=self.request.user, note=note)
