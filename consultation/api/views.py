"""API of consultations and comments (DESIGN §4): contributors comment while a consultation is open, editors answer and moderate."""

from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from consultation.api.serializers import (
    AnswerInputSerializer,
    CommentCreateSerializer,
    CommentSerializer,
    CommentUpdateSerializer,
    ConsultationSerializer,
    HideInputSerializer,
)
from core.api_errors import ErrorSerializer
from core.roles import is_editor

from .. import queries, services
from ..models import Comment

#
# The services decide who may write and when (PermissionRefused → 403, ConsultationClosed → 409, in the
# project's exception handler); ``queries.visible_comments`` decides who reads which comment.

CONSULTATION_TAGS = ["Concertations"]
PUBLIC_READ = [{"cookieAuth": []}, {"tokenAuth": []}, {}]
ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Identifiant.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Inconnu, ou que vous ne pouvez pas lire.")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Vous n'avez pas ce droit (le motif est dans « detail »).")
CLOSED = OpenApiResponse(ErrorSerializer, description="Hors de la fenêtre de la concertation, ou commentaire retiré ou masqué (le motif est dans « detail »).")
INVALID = OpenApiResponse(ErrorSerializer, description="Donnée refusée ; le corps nomme chaque champ en cause.")
VISIBILITY = (
    "Les éditeurs voient tous les commentaires ; un contributeur voit les siens ; tout le monde voit les "
    "commentaires publiés d'une concertation dont la synthèse est publiée. "
)


class IsEditor(BasePermission):
    message = _("Seuls les rédacteurs de l'ANS peuvent faire cela.")

    def has_permission(self, request, view):
        return is_editor(request.user)


def _comment_body(request, pk: int) -> dict:
    """What a write answers: the comment reloaded and shown as a read shows it."""
    return CommentSerializer(queries.comment_for(request.user, pk), context={"request": request}).data


@extend_schema(
    tags=CONSULTATION_TAGS,
    summary="Concertations",
    description="Les concertations sur les versions que l'on peut lire, la plus récente d'abord.",
)
class ConsultationList(generics.ListAPIView):
    serializer_class = ConsultationSerializer
    filter_backends: list = []

    def get_queryset(self):
        return queries.visible_consultations(self.request.user).order_by("-opens_at", "-pk")


@extend_schema(
    tags=CONSULTATION_TAGS,
    summary="Une concertation",
    description="Sa version, sa fenêtre (heure de Paris, appliquée par le serveur) et son état.",
    parameters=[ID],
    responses={200: ConsultationSerializer, 404: NOT_FOUND},
)
class ConsultationDetail(generics.RetrieveAPIView):
    serializer_class = ConsultationSerializer
    filter_backends: list = []

    def get_object(self):
        return queries.consultation_for(self.request.user, self.kwargs["pk"])


@extend_schema_view(
    get=extend_schema(
        tags=CONSULTATION_TAGS,
        auth=PUBLIC_READ,
        summary="Commentaires d'une concertation",
        description=VISIBILITY,
        parameters=[ID],
        responses={200: CommentSerializer(many=True), 404: NOT_FOUND},
    ),
    post=extend_schema(
        tags=CONSULTATION_TAGS,
        summary="Commenter (contributeurs, pendant la concertation)",
        description=(
            "Réservé aux contributeurs inscrits dont l'organisation est validée (403 sinon). Hors de la "
            "fenêtre de la concertation, la réponse est 409 et « detail » dit pourquoi. Le commentaire "
            "porte sur une exigence (« requirement » : sa clé), un chapitre (« section » : son identifiant) "
            "ou, sans l'un ni l'autre, sur la version entière."
        ),
        parameters=[ID],
        request=CommentCreateSerializer,
        responses={201: CommentSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND, 409: CLOSED},
    ),
)
class ConsultationComments(generics.ListCreateAPIView):
    # Anonymous reads; an anonymous write is a 401 (sign in), before anything else is looked at.
    permission_classes = [IsAuthenticatedOrReadOnly]
    filter_backends: list = []

    def get_serializer_class(self):
        return CommentCreateSerializer if self.request.method == "POST" else CommentSerializer

    @cached_property
    def consultation(self):
        return queries.consultation_for(self.request.user, self.kwargs["pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        comments = queries.visible_comments(self.request.user, Comment.objects.filter(consultation=self.consultation))
        return comments.select_related(*queries.COMMENT_RELATIONS).order_by("created_at", "pk")

    def list(self, request, *args, **kwargs):
        comments = self.get_queryset()
        page = self.paginate_queryset(comments)
        shown = queries.present_comments(page if page is not None else comments)
        data = CommentSerializer(shown, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def create(self, request, *args, **kwargs):
        # Who may comment, and when, before what they wrote: a refusal says why, whatever the body.
        consultation, membership = services.consultation_to_comment(request.user, self.kwargs["pk"])
        incoming = CommentCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        requirement = queries.consultation_requirement(consultation, data["requirement"])
        section = None
        if data["section"] is not None:
            try:
                section = queries.comment_target(consultation, None, data["section"])[1]
            except Http404:
                # Only the consulted version's chapters exist here: another version's is not even named.
                raise ValidationError({"section": [_("Ce chapitre n'existe pas dans la version en concertation.")]})
        comment = services.submit_comment(
            consultation=consultation,
            author=request.user,
            kind=data["kind"],
            body=data["body"],
            proposed_wording=data["proposed_wording"],
            requirement=requirement,
            section=section,
            membership=membership,
        )
        # Shown from what is already loaded (a fresh comment has no answer): no reload on the hot path.
        Comment.answer.related.set_cached_value(comment, None)
        body = CommentSerializer(queries.present_comments([comment])[0], context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})


@extend_schema_view(
    get=extend_schema(
        tags=CONSULTATION_TAGS,
        auth=PUBLIC_READ,
        summary="Un commentaire",
        description=VISIBILITY + "Un commentaire que l'on ne peut pas lire répond 404.",
        parameters=[ID],
        responses={200: CommentSerializer, 404: NOT_FOUND},
    ),
    patch=extend_schema(
        tags=CONSULTATION_TAGS,
        summary="Modifier son commentaire (auteur, pendant la concertation)",
        description="403 pour le commentaire de quelqu'un d'autre ; 409 après la clôture ou pour un commentaire retiré ou masqué. L'ancien texte reste dans l'historique.",
        parameters=[ID],
        request=CommentUpdateSerializer,
        responses={200: CommentSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND, 409: CLOSED},
    ),
    delete=extend_schema(
        tags=CONSULTATION_TAGS,
        summary="Retirer son commentaire (auteur, pendant la concertation)",
        description="Le commentaire n'est jamais effacé : il est marqué « retiré » et la réponse le montre ainsi. 403 pour le commentaire de quelqu'un d'autre ; 409 après la clôture.",
        parameters=[ID],
        responses={200: CommentSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: CLOSED},
    ),
)
class CommentDetail(generics.GenericAPIView):
    http_method_names = ["get", "patch", "delete", "head", "options"]
    permission_classes = [IsAuthenticatedOrReadOnly]
    filter_backends: list = []

    def get_serializer_class(self):
        return CommentUpdateSerializer if self.request.method == "PATCH" else CommentSerializer

    def get(self, request, pk):
        return Response(_comment_body(request, pk))

    def patch(self, request, pk):
        comment = queries.comment_to_write(request.user, pk)
        incoming = CommentUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.edit_comment(comment=comment, by=request.user, **incoming.validated_data)
        return Response(_comment_body(request, pk))

    def delete(self, request, pk):
        comment = queries.comment_to_write(request.user, pk)
        services.withdraw_comment(comment=comment, by=request.user)
        return Response(_comment_body(request, pk))


@extend_schema(
    tags=CONSULTATION_TAGS,
    summary="Répondre à un commentaire (éditeurs)",
    description=(
        "Enregistre ou révise la réponse de l'ANS, même après la clôture ; l'auteur est prévenu par courriel. "
        "« carried_by » : la clé de l'exigence qui porte le changement dans la version fondée sur la version consultée."
    ),
    parameters=[ID],
    request=AnswerInputSerializer,
    responses={200: CommentSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
)
class CommentAnswer(generics.GenericAPIView):
    permission_classes = [IsEditor]
    serializer_class = AnswerInputSerializer
    filter_backends: list = []

    def post(self, request, pk):
        comment = queries.comment_to_write(request.user, pk)
        incoming = AnswerInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        services.answer_comment(
            comment=comment,
            by=request.user,
            decision=data["decision"],
            body=data["body"],
            carried_by=queries.resolve_carried_by(comment.consultation, data["carried_by"]),
        )
        return Response(_comment_body(request, pk))


@extend_schema(
    tags=CONSULTATION_TAGS,
    summary="Masquer un commentaire (éditeurs)",
    description="Modération : le commentaire reste enregistré, marqué « masqué », avec son motif. 409 s'il est retiré ou déjà masqué.",
    parameters=[ID],
    request=HideInputSerializer,
    responses={200: CommentSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND, 409: CLOSED},
)
class CommentHide(generics.GenericAPIView):
    permission_classes = [IsEditor]
    serializer_class = HideInputSerializer
    filter_backends: list = []

    def post(self, request, pk):
        comment = queries.comment_to_write(request.user, pk)
        incoming = HideInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.hide_comment(comment=comment, by=request.user, reason=incoming.validated_data["reason"])
        return Response(_comment_body(request, pk))


@extend_schema(
    tags=CONSULTATION_TAGS,
    summary="Rétablir un commentaire masqué (éditeurs)",
    parameters=[ID],
    request=None,
    responses={200: CommentSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: CLOSED},
)
class CommentUnhide(generics.GenericAPIView):
    permission_classes = [IsEditor]
    serializer_class = CommentSerializer
    filter_backends: list = []

    def post(self, request, pk):
        comment = queries.comment_to_write(request.user, pk)
        services.unhide_comment(comment=comment, by=request.user)
        return Response(_comment_body(request, pk))
