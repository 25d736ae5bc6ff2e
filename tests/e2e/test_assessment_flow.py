"""A self-assessment end to end, through the real UI in the system Chromium.

A contributor starts the assessment of a published version, fills three answers, attaches a file,
sees the verdict change, submits and downloads the attestation; the public verification page
recognises it; an editor asks for a change on one requirement, which the contributor then sees on
the grid. axe-core checks every page on the way (no serious or critical violation).
"""

import datetime
import hashlib

import pytest
from django.utils import timezone

from accounts.models import Membership, Organisation
from assessment.models import Submission
from referential.models import ReferentialVersion
from core.typography import french_text
from tests.e2e.conftest import describe
from tests.e2e.test_consultation_flow import log_in
from tests.factories import (
    ActorFactory,
    LevelFactory,
    RequirementFactory,
    SectionFactory,
    ThresholdFactory,
    VersionFactory,
    contributor_user,
    editor_user,
    freeze,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    editor = editor_user(username="redacteur_ans", first_name="Claire", last_name="Martin")
    blocking = LevelFactory(slug="bloquante", label="Bloquante", rank=1, remediation_delay_days=None)
    major = LevelFactory(slug="majeure", label="Majeure", rank=2, remediation_delay_days=180)
    minor = LevelFactory(slug="mineure", label="Mineure", rank=3, remediation_delay_days=None)
    operator = ActorFactory(slug="operateur", label="Opérateur MSSanté")
    version = VersionFactory(number="1.0")
    security = SectionFactory(version=version, title="Sécurité des échanges", position=1)
    directory = SectionFactory(version=version, title="Annuaire", position=2)
    RequirementFactory(version=version, section=security, key="MSS 1", title="Chiffrement TLS", level=blocking, actors=[operator], position=1)
    RequirementFactory(version=version, section=security, key="MSS 2", title="Certificats IGC Santé", level=major, actors=[operator], position=2)
    RequirementFactory(version=version, section=directory, key="MSS 3", title="Liste rouge", level=minor, actors=[operator], position=3)
    for level in (blocking, major):
        ThresholdFactory(version=version, level=level, max_findings=0)
    ReferentialVersion.objects.filter(pk=version.pk).update(published_at=timezone.now() - datetime.timedelta(days=30))
    freeze(version)
    organisation = Organisation.objects.create(name="Messagerie Santé Est", kind=Organisation.Kind.OPERATOR, status=Organisation.Status.APPROVED)
    contributor = contributor_user(username="camille_contrib", first_name="Camille", last_name="Vérac")
    Membership.objects.create(status="approved", user=contributor, organisation=organisation, email_confirmed_at=timezone.now())
    return version, contributor, editor


def test_a_contributor_assesses_submits_and_an_editor_asks_for_a_change(live_server, browser, axe, shoot, world, tmp_path):
    version, contributor, editor = world
    failures = []

    def check(page, where):
        violations = axe(page)
        if violations:
            failures.append(f"{where}\n{describe(violations)}")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR", accept_downloads=True, bypass_csp=True)
    page = context.new_page()
    log_in(page, live_server, contributor.username, "/autoevaluations/")
    page.get_by_role("button", name=f"Évaluer {version}").click()
    page.wait_for_load_state()
    assert french_text("Verdict : conforme") in page.inner_text("main")

    def answer(key, result, justification):
        page.get_by_role("link", name=key).first.click()
        page.get_by_label("Résultat").select_option(label=result)
        page.get_by_label("Justification").fill(justification)
        page.get_by_role("button", name="Enregistrer la réponse").click()
        page.wait_for_load_state()

    answer("MSS 1", "Conforme", "TLS 1.2 minimum sur toutes les passerelles.")
    answer("MSS 3", "Conforme", "Liste rouge respectée.")
    answer("MSS 2", "Non conforme", "Certificats serveur encore hors IGC Santé.")
    main = page.inner_text("main")
    assert french_text("Verdict : non conforme") in main and "Écarts qui emportent le verdict" in main
    check(page, "grille")
    shoot(page, "assessment-grid")

    # A file for the bloquante requirement declared conforme (the quality gates ask for one).
    page.get_by_role("link", name="MSS 1").first.click()
    proof = tmp_path / "recette-tls.txt"
    proof.write_bytes(b"Rapport de recette TLS")
    page.get_by_label("Intitulé").fill("Rapport de recette TLS")
    page.get_by_label("Fichier").set_input_files(str(proof))
    page.get_by_label(french_text("Date d'effet")).fill("2026-02-01")
    page.get_by_role("button", name="Ajouter la preuve").click()
    page.wait_for_load_state()
    assert hashlib.sha256(b"Rapport de recette TLS").hexdigest() in page.inner_text("main")
    check(page, "réponse et preuves")
    shoot(page, "assessment-answer")

    page.get_by_role("link", name="Retour à la grille").click()
    page.get_by_role("button", name="Soumettre cette révision").click()
    page.wait_for_load_state()
    assert "Révision 1 soumise" in page.inner_text("main")
    check(page, "révision soumise")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=french_text("Télécharger l'attestation (PDF)")).click()
    content = open(download_info.value.path(), "rb").read()
    assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == Submission.objects.get().attestation_sha256

    page.goto(f"{live_server.url}/autoevaluations/verifier/")
    page.get_by_label("Empreinte SHA-256").fill(hashlib.sha256(content).hexdigest())
    page.get_by_role("button", name="Vérifier").click()
    assert "correspond à une attestation enregistrée" in page.inner_text("main")
    check(page, "vérification")
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    submission = Submission.objects.get()
    log_in(page, live_server, editor.username, f"/autoevaluations/{submission.assessment_id}/revisions/1/")
    page.get_by_label("Demande sur MSS 2").fill("Joignez le plan de migration des certificats.")
    page.get_by_role("button", name="Demander des modifications").click()
    page.wait_for_load_state()
    assert "Joignez le plan de migration des certificats." in page.inner_text("main")
    page.goto(f"{live_server.url}/autoevaluations/tableau-de-bord/")
    assert "Messagerie Santé Est" in page.inner_text("main")
    check(page, "tableau de bord")
    shoot(page, "assessment-dashboard")
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    log_in(page, live_server, contributor.username, f"/autoevaluations/{submission.assessment_id}/")
    assert french_text("L'ANS demande des modifications") in page.inner_text("main")
    context.close()
    assert not failures, "\n".join(failures)
