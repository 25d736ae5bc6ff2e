import datetime
from pathlib import Path

import factory
from django.conf import settings

from workshops.models import (
    AgendaItem,
    Participant,
    RidaItem,
    RidaRequirementLink,
    Workshop,
    WorkshopDocument,
)
from workshops.services import load_workshop_fixture

SEED_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "workshop-04.json"


class WorkshopFactory(factory.django.DjangoModelFactory):
    """Builds a workshop in any status directly: tests of the services go through the services."""

    class Meta:
        model = Workshop

    number = factory.Sequence(lambda n: n + 100)
    title = factory.LazyAttribute(lambda o: f"TF MSSanté – Atelier technique #{o.number}")
    held_on = datetime.date(2022, 3, 11)
    kind = Workshop.Kind.WORKSHOP
    organiser = "Mathieu SLOSAR"
    writer = "Samy ABDICHE"
    status = Workshop.Status.PUBLISHED


class RidaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RidaItem

    workshop = factory.SubFactory(WorkshopFactory)
    number = factory.Sequence(lambda n: n + 1)
    nature = RidaItem.Nature.INFORMATION
    object = factory.Sequence(lambda n: f"Objet de l'item {n}")
    question = "Une question posée en séance ?"
    answer = "ANS : une réponse."
    action_status = factory.LazyAttribute(lambda o: RidaItem.ActionStatus.OPEN if o.nature == RidaItem.Nature.ACTION else "")


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RidaRequirementLink

    rida_item = factory.SubFactory(RidaItemFactory)
    requirement_key = "MSS 17"


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    workshop = factory.SubFactory(WorkshopFactory)
    last_name = factory.Sequence(lambda n: f"NOM{n}")
    first_name = "Prénom"
    entity = "ANS"
    function = "Régulation espace de confiance"


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    workshop = factory.SubFactory(WorkshopFactory)
    label = factory.Sequence(lambda n: f"Point {n}")


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkshopDocument

    workshop = factory.SubFactory(WorkshopFactory)
    title = "Support de présentation"
    reference = "MSS_TF_MSS_Atelier_test"


def seed_workshop() -> Workshop:
    """Workshop #4 as the project carries it (fixtures/workshop-04.json)."""
    workshop, _created = load_workshop_fixture(SEED_FIXTURE)
    return workshop


def full_workshop(item_count: int, *, referential=None, **kwargs) -> Workshop:
    """A workshop with participants, agenda, a document and ``item_count`` items, every third an action
    and every item linked to a requirement when ``referential`` is given."""
    workshop = WorkshopFactory(**kwargs)
    if referential is not None:
        workshop.referentials.add(referential)
    DocumentFactory(workshop=workshop)
    for position in range(1, 4):
        ParticipantFactory(workshop=workshop, position=position)
    parent = AgendaItemFactory(workshop=workshop, position=1)
    AgendaItemFactory(workshop=workshop, parent=parent, position=1)
    for number in range(1, item_count + 1):
        nature = RidaItem.Nature.ACTION if number % 3 == 0 else RidaItem.Nature.INFORMATION
        item = RidaItemFactory(workshop=workshop, number=number, nature=nature, owner="ANS" if nature == "A" else "")
        if referential is not None:
            LinkFactory(rida_item=item, referential=referential, requirement_key=f"MSS {number % 7 + 1}")
    return workshop
