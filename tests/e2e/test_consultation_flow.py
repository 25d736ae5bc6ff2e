"""A consultation end to end, through the real UI in the system Chromium.

A contributor logs in with the login form, comments on a requirement and finds the comment among their
own; an editor answers it from the dashboard; once the consultation is closed the editor publishes the
synthesis with its button, and an anonymous reader sees the comment and its answer under the
organisation's anonymous label, never the author's identity nor the organisation's name. axe-core
checks the comment form, the dashboard and the synthesis (no serious or critical violation).
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Membership, Organisation
from consultation import services
from consultation.models import Answer, Comment
from core.typography import french_text
from tests.e2e.conftest import describe
from tests.factories import RequirementFactory, contributor_user, editor_user, filled_version, totp_codes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"  # the one tests/factories.py gives every user
ORGANISATION_NAME = "Messagerie Discrète SAS"
CONTRIBUTOR = {
    "username": "camille_contrib",
    "first_name": "Camille",
    "last_name": "Vérac-Dupuis",
    "email": "camille.verac@messagerie-discrete.example",
}
COMMENT_TEXT = "Le délai de bascule vers TLS 1.3 devrait être précisé pour les proxys hébergés."
ANSWER_TEXT = "Question transmise à l'équipe Annuaire santé, qui publiera un calendrier de bascule."


@pytest.fixture
def world():
    editor = editor_user(username="redacteur_ans", first_name="Claire", last_name="Martin")
    version = filled_version()  # draft: MSS 1 (Sécurité › Transport) and MSS 2 (Annuaire)
    requirement = version.requirements.get(key="MSS 1")
    RequirementFactory(version=version, section=requirement.section, key="MSS 3", title="Journalisation des accès")
    now = timezone.now()
    consultation = services.open_consultation(
        version=version, opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=1), by=editor
    )
    organisation = Organisation.objects.create(
        name=ORGANISATION_NAME, kind=Organisation.Kind.OPERATOR, status=Organisation.Status.APPROVED,
        agrees_to_be_named=False,
    )
    contributor = contributor_user(**CONTRIBUTOR)
    Membership.objects.create(status="approved", user=contributor, organisation=organisation, email_confirmed_at=now)
    return consultation, requirement, contributor, editor


def log_in(page, live_server, identifier, next_path):
    """Through the login form at /compte/connexion/, as a person would."""
    page.goto(f"{live_server.url}/compte/connexion/?next={next_path}")
    page.get_by_label("Adresse électronique ou identifiant").fill(identifier)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    # Editors then give the code of their authenticator app (accounts/mfa.py; the factories' secret).
    for code in totp_codes():
        if "/double-authentification/verification/" not in page.url:
            break
        page.fill("input[name=code]", code)
        page.locator("main").get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()
    assert "/compte/connexion/" not in page.url and "/double-authentification/" not in page.url, f"login as {identifier} failed:\n{page.inner_text('main')}"
    assert page.locator("header").get_by_role("button", name="Se déconnecter").first.count() == 1


def accessible(page, axe, where, failures):
    violations = axe(page)
    if violations:
        failures.append(f"{where}\n{describe(violations)}")


def test_a_comment_is_answered_and_published_anonymously(live_server, browser, axe, shoot, world):
    consultation, requirement, contributor, editor = world
    version = consultation.version
    version_path = f"/referentiels/{version.referential.slug}/{version.number}/"
    requirement_path = f"{version_path}exigences/MSS%201/"
    axe_failures = []

    # 1. The contributor logs in with the form, opens the requirement, follows « Commenter ».
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    try:
        log_in(page, live_server, contributor.email, requirement_path)
        assert page.url.endswith(requirement_path)
        assert "Commenter l’exigence MSS 1" in page.inner_text("main")
        shoot(page, "flow-1-requirement")

        # The requirement page links back to the version, where « Commenter » follows each requirement.
        page.locator("main a.fr-link", has_text=f"version {version.number}").first.click()
        page.wait_for_load_state()
        page.get_by_role("link", name="Commenter l’exigence MSS 1").click()
        page.wait_for_load_state()
        assert page.url.endswith(f"/concertations/{consultation.pk}/commenter/?exigence={requirement.pk}"), page.url
        assert "Énoncé actuel" in page.inner_text("main")
        shoot(page, "flow-2-comment-form")
        accessible(page, axe, "comment form", axe_failures)

        page.get_by_label("Nature").select_option(label="Question")
        page.get_by_label(re.compile(r"^Commentaire")).fill(COMMENT_TEXT)
        page.get_by_role("button", name="Déposer le commentaire").click()
        page.wait_for_load_state()

        # Back on the consultation page, among « Mes commentaires ».
        assert page.url.split("#")[0].endswith(consultation.get_absolute_url()), page.url
        main = page.inner_text("main")
        assert "Votre commentaire est enregistré" in page.content()
        own = page.locator("#mes-commentaires ~ article.comment", has_text=COMMENT_TEXT)
        assert own.count() == 1, main
        assert "MSS 1" in own.text_content() and "Question" in own.text_content()  # badges are upper-cased by CSS
        shoot(page, "flow-3-my-comments")

        comment = Comment.objects.get(author=contributor)
        assert (comment.requirement_id, comment.kind, comment.body) == (requirement.pk, "question", COMMENT_TEXT)

        # 2. The contributor logs out with the header button; the editor logs in and answers.
        page.locator("header").get_by_role("button", name="Se déconnecter").first.click()
        page.wait_for_load_state()
        assert page.locator("header").get_by_role("link", name="Se connecter").first.is_visible()

        dashboard_path = f"/concertations/{consultation.pk}/tableau-de-bord/"
        log_in(page, live_server, editor.username, dashboard_path)
        assert page.url.endswith(dashboard_path)
        section = page.get_by_role("region", name=f"Commentaire n° {comment.pk}")
        assert COMMENT_TEXT in section.inner_text()
        shoot(page, "flow-4-dashboard")
        accessible(page, axe, "dashboard", axe_failures)

        section.get_by_label("Décision").select_option(label="Transmise à une autre équipe")
        section.get_by_label(re.compile(r"^Réponse de l’ANS")).fill(ANSWER_TEXT)
        section.get_by_role("button", name="Enregistrer la réponse").click()
        page.wait_for_load_state()
        assert f"Réponse enregistrée pour le commentaire n° {comment.pk}" in page.inner_text("main")
        answered = page.get_by_role("region", name=f"Commentaire n° {comment.pk}")
        assert french_text(ANSWER_TEXT) in answered.text_content() and "Transmise à une autre équipe" in answered.text_content()
        shoot(page, "flow-5-dashboard-answered")
        answer = Answer.objects.get(comment=comment)
        assert (answer.decision, answer.body, answer.answered_by_id) == ("forwarded", ANSWER_TEXT, editor.pk)

        # 3. The consultation closes (no UI for it outside the admin), the editor publishes the synthesis.
        services.close_consultation_now(consultation=consultation, by=editor)
        page.goto(f"{live_server.url}/concertations/{consultation.pk}/synthese/")
        assert french_text("Aperçu : cette synthèse n'est pas publiée") in page.inner_text("main")
        shoot(page, "flow-6-synthesis-preview")
        accessible(page, axe, "synthesis (editor's preview)", axe_failures)
        page.get_by_label(re.compile(r"^Introduction de la synthèse")).fill("Merci aux contributeurs de cette concertation.")
        page.get_by_role("button", name="Publier la synthèse").click()
        page.wait_for_load_state()
        assert "La synthèse est publiée" in page.inner_text("main")
        assert page.get_by_role("button", name="Publier la synthèse").count() == 0
        shoot(page, "flow-7-synthesis-published")
        consultation.refresh_from_db()
        assert consultation.synthesis_is_published
    finally:
        context.close()

    # 4. An anonymous reader, in a fresh context, reads the synthesis.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    try:
        response = page.goto(f"{live_server.url}/concertations/{consultation.pk}/synthese/")
        assert response.status == 200
        assert page.locator("header").get_by_role("link", name="Se connecter").first.is_visible()
        main = page.inner_text("main")
        assert "Aperçu" not in main
        row = page.locator(f"tr#commentaire-{comment.pk}")
        text = row.text_content()
        assert COMMENT_TEXT in text
        assert french_text(ANSWER_TEXT) in text
        assert "Transmise à une autre équipe" in text
        assert "Un opérateur" in text
        html = page.content()
        for secret in (*CONTRIBUTOR.values(), ORGANISATION_NAME, "Messagerie Discrète", "Vérac"):
            assert secret not in html, f"the public synthesis shows {secret!r}"
        shoot(page, "flow-8-synthesis-anonymous")
        accessible(page, axe, "synthesis (anonymous)", axe_failures)
    finally:
        context.close()

    assert not axe_failures, "axe-core found serious or critical violations:\n" + "\n".join(axe_failures)
