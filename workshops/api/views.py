"""Read-only API of workshop minutes (DESIGN §4): published workshops only, for everyone."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics

from .. import queries
from .serializers import (
    WorkshopDetailSerializer,
    WorkshopSerializer,
)

TAGS = ["Ateliers"]


def published_workshops():
    # The API shows published minutes only, whoever asks: editors prepare drafts in the pages and the admin.
    return queries.workshops_for_list(None)


@extend_schema(
    tags=TAGS,
    summary="Ateliers publiés",
    description="Les comptes-rendus d'ateliers publiés, du plus récent au plus ancien, sans leur contenu.",
)
class WorkshopList(generics.ListAPIView):
    serializer_class = WorkshopSerializer
    queryset = published_workshops()

    def get_queryset(self):
        return published_workshops()


@extend_schema(
    tags=TAGS,
    summary="Un atelier et son compte-rendu",
    description=(
        "En-tête, documents de référence, ordre du jour, intervenants et tableau RIDA (items avec leur "
        "nature, objet, question, réponse, suivi d'action et exigences concernées). 404 si l'atelier "
        "n'est pas publié."
    ),
)
class WorkshopDetail(generics.RetrieveAPIView):
    serializer_class = WorkshopDetailSerializer
    queryset = published_workshops()

    def get_queryset(self):
        return published_workshops()

    def get_object(self):
        workshop = super().get_object()
        workshop.minutes = queries.workshop_minutes(workshop)
        return workshop
