"""The editors' tracker of open actions across workshops."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from workshops.models import RidaItem, Workshop
from workshops.queries import open_actions

from .factories import RidaItemFactory, WorkshopFactory, seed_workshop

pytestmark = pytest.mark.django_db

TRACKER = reverse("workshops:action_tracker")


def status_url(item):
    return reverse("workshops:action_status", kwargs={"pk": item.pk})


def test_the_tracker_lists_open_actions_with_owner_due_date_delay_and_workshop(client_for, editor):
    seed_workshop()
    html = client_for(editor).get(TRACKER).content.decode()
    assert "2 actions ouvertes" in html
    assert "API LPS - Contenu/scope Accesstoken" in html
    assert "Qualité des BAL présentes dans l’annuaire" in html
    assert 'href="/ateliers/' in html and "#rida-10" in html
    # Not the age in days since the workshop (« 1725 jours »): the delay against the due date, or
    # the day the action was opened when it has none.
    age = (timezone.localdate() - datetime.date(2022, 3, 11)).days
    assert f"{age} jours" not in html
    assert "ouverte depuis le 11/03/2022" in html or "En retard de" in html


def test_overdue_actions_come_first_and_stand_out(client_for, editor):
    today = timezone.localdate()
    later = RidaItemFactory(nature="A", object="Pas encore due", due_on=today + datetime.timedelta(days=30))
    late = RidaItemFactory(nature="A", object="En retard de dix jours", due_on=today - datetime.timedelta(days=10))
    RidaItemFactory(nature="A", object="Déjà réalisée", action_status="done", due_on=today - datetime.timedelta(days=99))
    RidaItemFactory(nature="I", object="Une information")
    assert [a.pk for a in open_actions()] == [late.pk, later.pk]
    html = client_for(editor).get(TRACKER).content.decode()
    assert "dont 1 en retard" in html
    assert html.count('class="rida-row--overdue"') == 1
    assert html.index("En retard de dix jours") < html.index("Pas encore due")
    assert "Déjà réalisée" not in html and "Une information" not in html


def test_drafts_actions_are_tracked_too(client_for, editor):
    RidaItemFactory(nature="A", object="Action d'un brouillon", workshop=WorkshopFactory(status=Workshop.Status.DRAFT))
    assert "Action d’un brouillon" in client_for(editor).get(TRACKER).content.decode()


def test_an_editor_closes_an_action_from_the_tracker(client_for, editor):
    item = RidaItemFactory(nature="A")
    response = client_for(editor).post(status_url(item), {"status": "done", "closing_note": "Fait."})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.action_status, item.closing_note) == ("done", "Fait.")


def test_dropping_without_a_note_is_refused_with_a_message(client_for, editor):
    item = RidaItemFactory(nature="A")
    response = client_for(editor).post(status_url(item), {"status": "dropped"}, follow=True)
    assert "Dites pourquoi" in response.content.decode()
    assert RidaItem.objects.get().action_status == "open"


@pytest.mark.parametrize("persona", ["anonymous", "contributor_a"])
def test_the_tracker_and_its_form_are_for_editors_only(persona, request, client_for):
    item = RidaItemFactory(nature="A")
    client = client_for(None if persona == "anonymous" else request.getfixturevalue(persona))
    assert client.get(TRACKER).status_code == 403
    assert client.post(status_url(item), {"status": "done", "closing_note": "x"}).status_code == 403
    item.refresh_from_db()
    assert item.action_status == "open" and item.history.count() == 1


def test_the_tracker_runs_the_same_queries_for_3_and_30_actions(client_for, editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import ReferentialFactory

    from .factories import full_workshop

    referential = ReferentialFactory()
    client = client_for(editor)
    full_workshop(9, referential=referential, number=1)
    client.get(TRACKER)  # warm-up: session, content types
    with CaptureQueriesContext(connection) as few:
        client.get(TRACKER)
    full_workshop(81, referential=referential, number=2)
    with CaptureQueriesContext(connection) as many:
        assert client.get(TRACKER).content.decode().count("action-close") == 30
    # Links follow their requirement's lineage: the referential's versions and requirements are read
    # once; the participants (owners to choose from) once; whether the editor has a second factor.
    assert len(few) == len(many) == 9
