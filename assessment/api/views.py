"""The self-assessment API (DESIGN §4): an organisation's own assessments only; editors all.

Every endpoint reads through ``queries.assessments_visible_to``: another organisation's assessment is
404, as on the pages. Writes call the same services as the pages (PermissionRefused → 403, a stale
revision, a refused submission → 409 with every problem, in the project's exception handler).
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_errors import ErrorSerializer
from referential.models import Actor, ReferentialVersion

from .. import queries, services
from ..models import Assessment
from .serializers import (
    AnswerInputSerializer,
    AnswerSerializer,
    AssessmentDetailSerializer,
    AssessmentSerializer,
    AssessmentStartSerializer,
    ReviewInputSerializer,
    SubmissionDetailSerializer,
    SubmissionSerializer,
)

TAGS = ["Autoévaluations"]
ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Identifiant de l'autoévaluation.")
NUMBER = OpenApiParameter("number", int, OpenApiParameter.PATH, description="Numéro de la révision soumise.")
ANSWER = OpenApiParameter("answer_id", int, OpenApiParameter.PATH, description="Identifiant de la réponse.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Inconnue, ou autoévaluation d'une autre organisation.")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Vous n'avez pas ce droit (le motif est dans « detail »).")
CONFLICT = OpenApiResponse(ErrorSerializer, description="Refusé dans l'état actuel ; « problems » liste chaque motif.")
INVALID = OpenApiResponse(ErrorSerializer, description="Données invalides ; le champ est nommé.")


class AssessmentAPIView(APIView):
    permission_classes = [IsAuthenticated]

    def assessment(self, pk) -> Assessment:
        return get_object_or_404(queries.assessments_visible_to(self.request.user), pk=pk)


@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="Autoévaluations visibles", description="Celles de votre organisation ; toutes pour l'ANS.",
                      responses={200: AssessmentSerializer(many=True)}),
    post=extend_schema(tags=TAGS, summary="Commencer une autoévaluation",
                       description="D'une version publiée, pour un rôle ; les réponses d'une autoévaluation précédente du même rôle sont reprises, à reconfirmer.",
                       request=AssessmentStartSerializer, responses={201: AssessmentSerializer, 400: INVALID, 403: FORBIDDEN, 409: CONFLICT}),
)
class AssessmentList(generics.ListAPIView, AssessmentAPIView):
    serializer_class = AssessmentSerializer
    filter_backends: list = []

    def get_queryset(self):
        return queries.assessments_visible_to(self.request.user).order_by("-created_at", "pk")

    def post(self, request):
        incoming = AssessmentStartSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        version = ReferentialVersion.objects.filter(referential__slug=data["referential"], number=data["version"]).first()
        if version is None:
            raise ValidationError({"version": ["Version inconnue."]})
        actor = Actor.objects.filter(slug=data["actor"]).first()
        if actor is None:
            raise ValidationError({"actor": ["Rôle inconnu."]})
        assessment = services.start_assessment(version=version, actor=actor, by=request.user)
        return Response(AssessmentSerializer(assessment, context={"request": request}).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAGS, summary="Une autoévaluation, son verdict et son avancement", parameters=[ID],
               responses={200: AssessmentDetailSerializer, 404: NOT_FOUND})
class AssessmentDetail(AssessmentAPIView):
    serializer_class = AssessmentDetailSerializer

    def get(self, request, pk):
        assessment = self.assessment(pk)
        assessment.grid = queries.assessment_grid(assessment)
        return Response(AssessmentDetailSerializer(assessment, context={"request": request}).data)


@extend_schema(tags=TAGS, summary="La grille : une réponse par exigence", parameters=[ID],
               responses={200: AnswerSerializer(many=True), 404: NOT_FOUND})
class AnswerList(AssessmentAPIView):
    serializer_class = AnswerSerializer

    def get(self, request, pk):
        grid = queries.assessment_grid(self.assessment(pk))
        return Response(AnswerSerializer(grid.rows, many=True).data)


@extend_schema(tags=TAGS, summary="Répondre pour une exigence (membres de l'organisation)",
               description="Renvoyez « revision » lue : si quelqu'un a modifié la réponse depuis, 409.",
               parameters=[ID, ANSWER], request=AnswerInputSerializer,
               responses={200: AnswerSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT})
class AnswerDetail(AssessmentAPIView):
    serializer_class = AnswerInputSerializer
    http_method_names = ["patch", "options"]

    def patch(self, request, pk, answer_id):
        assessment = self.assessment(pk)
        answer = queries.answer_for(assessment, answer_id)
        incoming = AnswerInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        # PATCH: a field not sent keeps its stored value (sending only the owner must not wipe the justification).
        stored = {"result": answer.result, "justification": answer.justification, "owner": answer.owner,
                  "planned_date": answer.planned_date}
        services.update_answer(answer=answer, by=request.user, **{**stored, **incoming.validated_data})
        row = next(r for r in queries.assessment_grid(assessment).rows if r.answer.pk == answer.pk)
        return Response(AnswerSerializer(row).data)


@extend_schema(tags=TAGS, summary="Soumettre la révision en cours",
               description="Fige les réponses et produit l'attestation PDF avec son empreinte SHA-256. 409 avec la liste de tous les problèmes si la grille n'est pas prête.",
               parameters=[ID], request=None,
               responses={201: SubmissionSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT})
class Submit(AssessmentAPIView):
    def post(self, request, pk):
        submission = services.submit_assessment(assessment=self.assessment(pk), by=request.user)
        return Response(SubmissionSerializer(submission, context={"request": request}).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAGS, summary="Révisions soumises", parameters=[ID],
               responses={200: SubmissionSerializer(many=True), 404: NOT_FOUND})
class SubmissionList(AssessmentAPIView):
    serializer_class = SubmissionSerializer

    def get(self, request, pk):
        submissions = self.assessment(pk).submissions.order_by("number")
        return Response(SubmissionSerializer(submissions, many=True, context={"request": request}).data)


@extend_schema(tags=TAGS, summary="Une révision soumise et son contenu figé", parameters=[ID, NUMBER],
               responses={200: SubmissionDetailSerializer, 404: NOT_FOUND})
class SubmissionDetail(AssessmentAPIView):
    serializer_class = SubmissionDetailSerializer

    def get(self, request, pk, number):
        submission = queries.submission_for(self.assessment(pk), number)
        return Response(SubmissionDetailSerializer(submission, context={"request": request}).data)


@extend_schema(tags=TAGS, summary="Demander des modifications (ANS)",
               description="Sur la dernière révision soumise, avec une demande par exigence ; l'organisation répond par une nouvelle révision.",
               parameters=[ID, NUMBER], request=ReviewInputSerializer,
               responses={200: SubmissionSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT})
class RequestChanges(AssessmentAPIView):
    serializer_class = ReviewInputSerializer

    def post(self, request, pk, number):
        assessment = self.assessment(pk)
        submission = queries.submission_for(assessment, number)
        incoming = ReviewInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        requirements = {a.requirement.key: a.requirement for a in assessment.answers.select_related("requirement")}
        unknown = [key for key in incoming.validated_data["requirements"] if key not in requirements]
        if unknown:
            raise ValidationError({"requirements": [f"Exigence hors de cette autoévaluation : {', '.join(unknown)}."]})
        comments = {requirements[key]: body for key, body in incoming.validated_data["requirements"].items()}
        comments[None] = incoming.validated_data["general"]
        services.request_changes(submission=submission, by=request.user, comments=comments)
        return Response(SubmissionSerializer(submission, context={"request": request}).data)
