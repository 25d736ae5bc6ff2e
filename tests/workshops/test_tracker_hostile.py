"""The action tracker's owner and due date tried with hostile names and junk: escaped on the tracker
and on the editors' home, never a 500, nothing changed by a refused post."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from .factories import ParticipantFactory, RidaItemFactory, WorkshopFactory

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def action():
    workshop = WorkshopFactory()
    ParticipantFactory(workshop=workshop, first_name=HOSTILE, last_name="X", entity="<img src=x onerror=alert(2)>")
    return RidaItemFactory(
        workshop=workshop, nature="A", owner="ANS", object=f"Objet {HOSTILE}",
        due_on=timezone.localdate() - datetime.timedelta(days=3),
    )


def test_hostile_names_are_escaped_on_the_tracker_and_the_editors_home(action, editor, client_for):
    client = client_for(editor)
    for path in (reverse("workshops:action_tracker"), reverse("referential:editor_home")):
        html = client.get(path).content
        assert b"<script>alert(1)" not in html and b"<img src=x" not in html, path


@pytest.mark.parametrize("due", ["abc", "2026-13-45", "99999-01-01", "0000-00-00", "-1"])
@pytest.mark.parametrize("owner", ["Personne inconnue", "x" * 500, HOSTILE])
def test_junk_owner_or_date_never_answers_500(action, editor, client_for, due, owner):
    response = client_for(editor).post(
        reverse("workshops:action_assign", kwargs={"pk": action.pk}), {"owner": owner, "due_on": due}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.owner == "ANS"


def test_an_unknown_action_is_a_404(editor, client_for):
    client = client_for(editor)
    assert client.post(reverse("workshops:action_assign", kwargs={"pk": 99999999}), {"owner": ""}).status_code == 404
