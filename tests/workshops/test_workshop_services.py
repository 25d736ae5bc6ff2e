"""Rules of workshops and RIDA items: one row (clean, constraints) and transitions (services)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.errors import DomainError, TransitionNotAllowed
from tests.factories import ReferentialFactory
from workshops import services
from workshops.models import RidaItem, Workshop

from .factories import RidaItemFactory, WorkshopFactory

pytestmark = pytest.mark.django_db


def test_an_information_refuses_action_fields():
    item = RidaItem(workshop=WorkshopFactory(), number=1, nature="I", object="Objet", owner="ANS", due_on=datetime.date(2022, 5, 1))
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert {"owner", "due_on"} <= set(error.value.message_dict)


def test_a_new_action_starts_open():
    item = RidaItem(workshop=WorkshopFactory(), number=1, nature="A", object="Objet")
    item.full_clean()
    assert item.action_status == RidaItem.ActionStatus.OPEN


def test_the_database_refuses_a_status_on_an_information():
    with pytest.raises(IntegrityError), transaction.atomic():
        RidaItem.objects.create(workshop=WorkshopFactory(), number=1, nature="I", object="Objet", action_status="open")


def test_the_database_refuses_two_items_with_the_same_number():
    item = RidaItemFactory(number=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        RidaItemFactory(workshop=item.workshop, number=3)


def test_record_workshop_creates_a_draft_with_its_parts(editor):
    referential = ReferentialFactory()
    workshop = services.record_workshop(
        number=5,
        title="TF MSSanté – Atelier technique #5",
        held_on=datetime.date(2022, 4, 8),
        organiser="Mathieu SLOSAR",
        writer="Samy ABDICHE",
        referentials=[referential],
        documents=[{"title": "Support", "reference": "MSS_TF_5"}],
        agenda=[{"label": "Introduction", "children": ["Ref#2"]}],
        participants=[{"last_name": "BRIS", "first_name": "Edouard", "entity": "ANS", "function": "Régulation"}],
        by=editor,
    )
    assert workshop.status == Workshop.Status.DRAFT
    assert workshop.agenda_items.get(parent__isnull=False).parent.label == "Introduction"
    record = workshop.history.earliest()
    assert (record.history_user, record.history_change_reason) == (editor, "Compte-rendu enregistré")


def test_record_workshop_refuses_a_number_already_used():
    WorkshopFactory(number=4)
    with pytest.raises(DomainError, match="n° 4 existe déjà"):
        services.record_workshop(number=4, title="x", held_on=datetime.date(2022, 1, 1), organiser="a", writer="b")


def test_publish_then_unpublish_with_history(editor):
    workshop = WorkshopFactory(status=Workshop.Status.DRAFT)
    services.publish_workshop(workshop=workshop, by=editor)
    workshop.refresh_from_db()
    assert workshop.status == "published" and workshop.published_at is not None
    assert workshop.history.latest().history_change_reason == "Compte-rendu publié"
    services.unpublish_workshop(workshop=workshop, by=editor)
    assert Workshop.objects.get().status == "draft"


def test_publishing_twice_is_refused():
    workshop = WorkshopFactory(status=Workshop.Status.PUBLISHED)
    with pytest.raises(TransitionNotAllowed):
        services.publish_workshop(workshop=workshop)


def test_add_rida_item_refuses_a_number_already_used():
    item = RidaItemFactory(number=1)
    with pytest.raises(DomainError, match="n° 1 existe déjà"):
        services.add_rida_item(workshop=item.workshop, number=1, nature="I", object="Autre")


def test_add_rida_item_refuses_an_owner_on_a_decision():
    with pytest.raises(DomainError) as error:
        services.add_rida_item(workshop=WorkshopFactory(), number=1, nature="D", object="Objet", owner="ANS")
    assert any(problem.startswith("owner") for problem in error.value.problems)
    assert RidaItem.objects.count() == 0


def test_an_action_is_closed_done_with_history(editor):
    item = RidaItemFactory(nature="A")
    services.set_action_status(item=item, status="done", closing_note="Réponse reçue.", by=editor)
    item.refresh_from_db()
    assert (item.action_status, item.closing_note) == ("done", "Réponse reçue.")
    record = item.history.latest()
    assert (record.history_user, record.history_change_reason) == (editor, "Action réalisée")


def test_dropping_an_action_needs_a_reason():
    item = RidaItemFactory(nature="A")
    with pytest.raises(DomainError, match="pourquoi"):
        services.set_action_status(item=item, status="dropped")
    assert RidaItem.objects.get().action_status == "open"


def test_a_closed_action_can_be_reopened_but_not_closed_again():
    item = RidaItemFactory(nature="A", action_status="done")
    with pytest.raises(TransitionNotAllowed):
        services.set_action_status(item=item, status="dropped", closing_note="x")
    services.set_action_status(item=item, status="open")
    assert RidaItem.objects.get().action_status == "open"


def test_an_information_has_no_status_to_change():
    item = RidaItemFactory(nature="I")
    with pytest.raises(TransitionNotAllowed):
        services.set_action_status(item=item, status="done")


def test_a_link_names_the_requirement_by_key_once():
    item = RidaItemFactory()
    referential = ReferentialFactory()
    link = services.link_requirement(item=item, referential=referential, key="  MSS   17 ")
    assert link.requirement_key == "MSS 17"
    with pytest.raises(DomainError):
        services.link_requirement(item=item, referential=referential, key="MSS 17")
