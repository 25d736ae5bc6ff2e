"""The editors' home (/espace-editeurs/) lists what needs attention: organisations and memberships
waiting for approval, unanswered comments per consultation, versions waiting for validation,
consultations closing within 7 days, overdue RIDA actions; each panel says when there is nothing;
the page runs the same queries for one thing to do as for many."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation
from consultation import services as consultation_services
from core.typography import french_text
from referential import services
from tests.accounts.factories import OrganisationFactory, member
from tests.factories import editor_user, filled_version
from tests.workshops.factories import RidaItemFactory

pytestmark = pytest.mark.django_db

HOME = reverse("referential:editor_home")


def things_to_do(editor, *, count: int, start: int = 0):
    """``count`` of each kind of thing the home lists (numbered from ``start``)."""
    now = timezone.now()
    approved = OrganisationFactory(status=Organisation.Status.APPROVED, name=f"Déjà validée {start}")
    for n in range(start, start + count):
        OrganisationFactory(name=f"Nouvelle organisation {n}")
        member(approved, status="pending", username=f"nouveau{n}", first_name="Jean", last_name=f"Nouveau{n}")
        draft = filled_version()
        services.submit_for_validation(version=draft, by=editor)
        in_consultation = filled_version()
        consultation = consultation_services.open_consultation(
            version=in_consultation, opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=3), by=editor
        )
        author = member(approved, username=f"auteur{n}").user
        consultation_services.submit_comment(
            consultation=consultation, author=author, kind="remark", body="Une remarque.",
            requirement=in_consultation.requirements.first(),
        )
        RidaItemFactory(nature="A", due_on=timezone.localdate() - datetime.timedelta(days=5), object=f"Action en retard {n}")


def test_every_panel_says_when_there_is_nothing_to_do(editor, client_for):
    page = client_for(editor).get(HOME).content.decode()

    for empty in (
        "Aucune organisation ni aucun rattachement n'attend de validation.",
        "Tous les commentaires ont reçu une réponse.",
        "Aucune version n'attend de validation.",
        "Aucune concertation ne se termine dans les 7 jours.",
        "Aucune action RIDA n'est en retard.",
    ):
        assert french_text(empty) in page


def test_the_home_lists_what_waits_for_an_editor(editor, client_for):
    things_to_do(editor, count=1)

    page = client_for(editor).get(HOME).content.decode()

    assert french_text("Organisation « Nouvelle organisation 0 »") in page
    assert french_text("Jean Nouveau0 demande à rejoindre « Déjà validée 0 »") in page
    assert "1 commentaire sans réponse" in page and "?etat=sans-reponse" in page
    assert "#validation" in page
    assert french_text("clôture le") in page
    assert "Action en retard 0" in page and "en retard de 5 jours" in page
    assert "Tous les commentaires ont reçu une réponse" not in page


def test_the_home_runs_the_same_queries_for_one_or_many_things(editor, client_for):
    browser = client_for(editor)
    things_to_do(editor, count=1)
    browser.get(HOME)  # warm-up: session, content types
    with CaptureQueriesContext(connection) as few:
        browser.get(HOME)
    things_to_do(editor, count=4, start=1)
    with CaptureQueriesContext(connection) as many:
        page = browser.get(HOME).content.decode()

    assert page.count("Action en retard") == 5
    assert len(few) == len(many)


def test_the_home_is_for_editors_and_linked_from_their_header(editor, contributor_a, client_for, client):
    assert client_for(contributor_a).get(HOME).status_code == 403
    assert client.get(HOME).status_code in (302, 403)
    assert f'href="{HOME}"' in client_for(editor).get(reverse("referential:home")).content.decode()
    assert f'href="{HOME}"' not in client_for(contributor_a).get(reverse("referential:home")).content.decode()


def test_a_version_leaves_the_panel_once_decided(editor, client_for):
    draft = filled_version()
    services.submit_for_validation(version=draft, by=editor)
    services.approve_version(version=draft, by=editor_user(username="relectrice"))

    page = client_for(editor).get(HOME).content.decode()

    assert french_text("Aucune version n'attend de validation.") in page
