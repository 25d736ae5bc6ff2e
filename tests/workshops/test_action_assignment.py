"""The action tracker lets an editor choose who carries an action, among the workshop's participants
(by name, or their entity), and set its due date, through ``services.assign_action`` with history;
its delay column reads against the due date (« en retard de N jours »), not an age in days."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.errors import TransitionNotAllowed
from core.typography import french_text
from workshops import services

from .factories import ParticipantFactory, RidaItemFactory, WorkshopFactory

pytestmark = pytest.mark.django_db

TRACKER = reverse("workshops:action_tracker")


@pytest.fixture
def action():
    workshop = WorkshopFactory()
    ParticipantFactory(workshop=workshop, first_name="Samy", last_name="ABDICHE", entity="ANS")
    ParticipantFactory(workshop=workshop, first_name="Léa", last_name="MARTIN", entity="Opérateur A")
    return RidaItemFactory(workshop=workshop, nature="A", owner="ANS")


def assign_url(item):
    return reverse("workshops:action_assign", kwargs={"pk": item.pk})


def test_an_editor_sets_a_participant_as_owner_and_a_due_date(action, editor):
    due = timezone.localdate() + datetime.timedelta(days=20)

    services.assign_action(item=action, owner="Léa MARTIN", due_on=due, by=editor)

    action.refresh_from_db()
    assert (action.owner, action.due_on) == ("Léa MARTIN", due)
    latest = action.history.latest()
    assert latest.history_change_reason == "Responsable ou échéance de l'action modifiés"
    assert latest.history_user == editor


def test_an_entity_of_the_participants_and_nobody_are_owners_too(action, editor):
    services.assign_action(item=action, owner="Opérateur A", due_on=None, by=editor)
    services.assign_action(item=action, owner="", due_on=None, by=editor)

    action.refresh_from_db()
    assert action.owner == ""


def test_an_owner_who_did_not_attend_is_refused(action, editor):
    with pytest.raises(ValidationError) as refused:
        services.assign_action(item=action, owner="Quelqu'un d'autre", due_on=None, by=editor)

    assert "owner" in refused.value.message_dict
    action.refresh_from_db()
    assert action.owner == "ANS"


def test_only_actions_have_an_owner(editor):
    information = RidaItemFactory(nature="I")

    with pytest.raises(TransitionNotAllowed):
        services.assign_action(item=information, owner="", due_on=timezone.localdate(), by=editor)


def test_the_tracker_form_saves_owner_and_due_date(action, editor, client_for):
    browser = client_for(editor)
    page = browser.get(TRACKER).content.decode()
    assert '<option value="Léa MARTIN">' in page and '<option value="ANS" selected>' in page

    response = browser.post(assign_url(action), {"owner": "Samy ABDICHE", "due_on": "2030-01-15"})

    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.owner, action.due_on) == ("Samy ABDICHE", datetime.date(2030, 1, 15))


def test_the_tracker_says_how_late_an_action_is_or_when_it_is_due(editor, client_for):
    today = timezone.localdate()
    RidaItemFactory(nature="A", due_on=today - datetime.timedelta(days=12))
    RidaItemFactory(nature="A", due_on=today + datetime.timedelta(days=3))
    RidaItemFactory(nature="A", action_status="done", due_on=today - datetime.timedelta(days=40))

    page = client_for(editor).get(TRACKER).content.decode()

    assert "En retard de 12 jours" in page
    assert "Dans 3 jours" in page
    assert "En retard de 40 jours" not in page  # closed: not on the tracker, never « late »


@pytest.mark.parametrize("who", ["contributor", "anonymous"])
def test_others_cannot_change_an_owner(action, who, contributor_a, client_for, client):
    browser = client_for(contributor_a) if who == "contributor" else client

    response = browser.post(assign_url(action), {"owner": "Léa MARTIN", "due_on": ""})

    assert response.status_code == 403
    action.refresh_from_db()
    assert action.owner == "ANS"


def test_a_refused_owner_is_shown_as_a_message(action, editor, client_for):
    response = client_for(editor).post(assign_url(action), {"owner": "Inconnu", "due_on": ""}, follow=True)

    assert french_text("Choisissez le responsable parmi les participants de l'atelier.") in response.content.decode()
