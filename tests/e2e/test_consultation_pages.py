"""The consultation pages in a real browser, for a reader, a contributor and an editor: they render and
pass axe-core (no serious or critical violation); a contributor comments from the requirement page."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from accounts.models import Membership, Organisation
from consultation import services
from consultation.models import Comment, Consultation
from core.typography import french_text
from tests.e2e.conftest import describe
from tests.e2e.scenario import build_scenario
from tests.factories import contributor_user, editor_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    scenario = build_scenario()
    now = timezone.now()
    # Set-up: the scenario's 1.1 is already « en concertation »; give it its consultation.
    consultation = Consultation.objects.create(version=scenario.v11, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=14))
    organisation = Organisation.objects.create(name="Opérateur Test", kind="operator", status="approved")
    contributor = contributor_user(username="contributrice")
    Membership.objects.create(status="approved", user=contributor, organisation=organisation, email_confirmed_at=now)
    editor = editor_user(username="redactrice")
    requirement = scenario.v11.requirements.get(key="MSS 17")
    comment = services.submit_comment(
        consultation=consultation, author=contributor, kind="proposal", requirement=requirement,
        body="Préciser « actives ».", proposed_wording="Une BAL dépubliée **DOIT** rester ouverte.",
    )
    services.answer_comment(comment=comment, by=editor, decision="accepted", body="Accepté.")
    return consultation, contributor, editor


def log_in(page, live_server, user):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}])


def check_pages(page, live_server, axe, shoot, pages, prefix):
    failures = []
    for name, path, expected in pages:
        page.goto(live_server.url + path)
        assert french_text(expected) in page.content(), f"{path} does not show {expected!r}"
        shoot(page, f"{prefix}-{name}")
        violations = axe(page)
        if violations:
            failures.append(f"{path}\n{describe(violations)}")
    assert not failures, "axe-core found serious or critical violations:\n" + "\n".join(failures)


def test_the_public_consultation_pages_are_accessible(live_server, page, axe, shoot, world):
    consultation, _contributor, _editor = world
    check_pages(page, live_server, axe, shoot, [
        ("list", "/concertations/", "Concertations publiques"),
        ("consultation", consultation.get_absolute_url(), "Il reste"),
        ("version", "/referentiels/ref1-mssante/1.1/", "En concertation : il reste"),
        ("requirement", "/referentiels/ref1-mssante/1.1/exigences/MSS%2017/", "Commentaires de concertation"),
    ], "consultation-public")


def test_the_contributor_pages_are_accessible_and_a_comment_is_posted(live_server, page, axe, shoot, world):
    consultation, contributor, _editor = world
    log_in(page, live_server, contributor)
    requirement = consultation.version.requirements.get(key="MSS 19.1")
    check_pages(page, live_server, axe, shoot, [
        ("consultation", consultation.get_absolute_url(), "Mes commentaires"),
        ("requirement", "/referentiels/ref1-mssante/1.1/exigences/MSS%2017/", "Accepté."),
        ("form", f"/concertations/{consultation.pk}/commenter/?exigence={requirement.pk}", "Énoncé actuel"),
    ], "consultation-contributor")

    page.goto(live_server.url + "/referentiels/ref1-mssante/1.1/exigences/MSS%2019.1/")
    page.fill("#exigence-body", "Par quel moyen informer l'utilisateur ?")
    page.click("text=Déposer le commentaire")
    page.wait_for_load_state()

    assert "Votre commentaire est enregistré" in page.content()
    assert Comment.objects.filter(author=contributor, requirement=requirement).exists()


def test_the_editor_dashboard_is_accessible(live_server, page, axe, shoot, world):
    consultation, _contributor, editor = world
    log_in(page, live_server, editor)
    check_pages(page, live_server, axe, shoot, [
        ("dashboard", f"/concertations/{consultation.pk}/tableau-de-bord/", "Tableau de bord de la concertation"),
    ], "consultation-editor")
