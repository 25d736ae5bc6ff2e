"""The editors' triage in the browser, without any script of ours: an editor takes a comment, notes
something for colleagues, answers two comments in one go (each author gets their own answer), and
carries a contributor's proposed wording into the next draft. axe-core checks the dashboard and the
draft requirement's page (no serious or critical violation)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Membership, Organisation
from consultation import services
from consultation.models import Answer, Comment
from referential import services as referential_services
from tests.e2e.conftest import describe
from tests.e2e.test_consultation_flow import log_in
from tests.factories import contributor_user, editor_user, filled_version

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROPOSAL = "L'opérateur **DOIT** chiffrer les échanges en TLS 1.3."
NOTE = "Voir avec l'équipe sécurité avant de répondre."


@pytest.fixture
def world():
    editor = editor_user(username="redacteur_ans", first_name="Claire", last_name="Martin")
    version = filled_version()
    mss1 = version.requirements.get(key="MSS 1")
    now = timezone.now()
    consultation = services.open_consultation(
        version=version, opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=1), by=editor
    )
    organisation = Organisation.objects.create(name="Opérateur E2E", kind=Organisation.Kind.OPERATOR, status=Organisation.Status.APPROVED)
    contributor = contributor_user(username="camille_contrib")
    Membership.objects.create(status="approved", user=contributor, organisation=organisation, email_confirmed_at=now)
    proposal = services.submit_comment(
        consultation=consultation, author=contributor, kind=Comment.Kind.PROPOSAL, body="Passons au TLS 1.3.",
        proposed_wording=PROPOSAL, requirement=mss1,
    )
    question = services.submit_comment(consultation=consultation, author=contributor, kind=Comment.Kind.QUESTION, body="Et les proxys ?")
    remark = services.submit_comment(consultation=consultation, author=contributor, kind=Comment.Kind.REMARK, body="Une remarque.")
    draft = referential_services.start_draft(referential=version.referential, number="9.0", source=consultation.version, by=editor)
    return consultation, editor, proposal, question, remark, draft.requirements.get(key="MSS 1")


def test_an_editor_triages_answers_in_bulk_and_applies_a_proposal(live_server, browser, page, axe, shoot, world):
    consultation, editor, proposal, question, remark, carrier = world
    failures = []
    # Every action works through plain forms: the flow runs with JavaScript off; axe (a script) then
    # checks the same pages in an ordinary browser.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR", java_script_enabled=False)
    plain = context.new_page()
    try:
        dashboard_path = f"/concertations/{consultation.pk}/tableau-de-bord/"
        log_in(plain, live_server, editor.username, dashboard_path)

        # Take the proposal and note something for colleagues.
        section = plain.get_by_role("region", name=f"Commentaire n° {proposal.pk}")
        section.get_by_label("Attribué à").select_option(label="Claire Martin")
        section.get_by_role("button", name="Attribuer").click()
        plain.wait_for_load_state()
        section = plain.get_by_role("region", name=f"Commentaire n° {proposal.pk}")
        section.get_by_label("Ajouter une note interne").fill(NOTE)
        section.get_by_role("button", name="Ajouter la note").click()
        plain.wait_for_load_state()
        assert Comment.objects.get(pk=proposal.pk).assigned_to_id == editor.pk

        # Only mine, then the bulk answer to the two others.
        plain.goto(f"{live_server.url}{dashboard_path}?attribution=moi")
        assert plain.get_by_role("region", name=f"Commentaire n° {question.pk}").count() == 0
        plain.goto(f"{live_server.url}{dashboard_path}?attribution=personne")
        for comment in (question, remark):
            # DSFR draws the box on the label, as a person clicks it.
            plain.locator(f'label[for="selection-{comment.pk}"]').click()
            assert plain.get_by_label(f"Sélectionner le commentaire n° {comment.pk} pour la réponse groupée").is_checked()
        bulk = plain.locator("#reponse-groupee")
        bulk.get_by_label("Décision").select_option(label="Prise en compte pour information")
        bulk.get_by_label("Réponse de l’ANS").fill("Merci, nous en tenons compte.")
        bulk.get_by_role("button", name="Répondre aux commentaires cochés").click()
        plain.wait_for_load_state()
        assert "2 réponses enregistrées" in plain.inner_text("main")
        assert Answer.objects.filter(comment__in=[question, remark], decision="noted").count() == 2

        # Carry the proposal into the draft.
        plain.goto(f"{live_server.url}{dashboard_path}")
        section = plain.get_by_role("region", name=f"Commentaire n° {proposal.pk}")
        assert "Voir avec l’équipe sécurité" in section.inner_text()
        shoot(plain, "triage-1-dashboard")
        section.get_by_role("button", name="Appliquer la rédaction proposée à MSS 1 (version 9.0)").click()
        plain.wait_for_load_state()
        assert f"commentaire n° {proposal.pk} est appliquée" in plain.inner_text("main")
        carrier.refresh_from_db()
        assert "TLS 1.3" in carrier.statement
        assert Answer.objects.get(comment=proposal).carried_by_id == carrier.pk

        plain.goto(f"{live_server.url}{carrier.get_absolute_url()}")
        assert "Passons au TLS 1.3." in plain.inner_text("main")
        shoot(plain, "triage-2-draft-requirement")
    finally:
        context.close()

    log_in(page, live_server, editor.username, dashboard_path)
    if violations := axe(page):
        failures.append(f"dashboard\n{describe(violations)}")
    page.goto(f"{live_server.url}{carrier.get_absolute_url()}")
    if violations := axe(page):
        failures.append(f"draft requirement\n{describe(violations)}")
    assert not failures, "axe-core found serious or critical violations:\n" + "\n".join(failures)
