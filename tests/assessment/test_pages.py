import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment import services
from assessment.models import Evidence, Submission
from tests.assessment.conftest import answer, answer_of, big_version, fill_conformant


def test_the_grid_shows_verdict_tipping_findings_and_progress(client_for, assessment, contributor_a):
    answer(assessment, "MSS 1", "non_conforme", contributor_a, justification="TLS 1.0 encore actif.")
    page = client_for(contributor_a).get(assessment.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "Verdict\u202f: non conforme" in html and "provisoire" in html
    assert "Écarts qui emportent le verdict" in html and 'href="#exigence-%s">MSS 1<' % answer_of(assessment, "MSS 1").pk in html
    assert "1. Sécurité" in html and "1 / 2 (50 %)" in html
    assert page["Cache-Control"] == "private, no-store"


def test_a_member_answers_from_the_answer_page(client_for, assessment, contributor_a):
    row = answer_of(assessment, "MSS 3")
    url = reverse("assessment:answer", kwargs={"pk": assessment.pk, "answer_pk": row.pk})
    response = client_for(contributor_a).post(url, {"result": "partiel", "justification": "Annuaire partiel.", "owner": "Alice", "planned_date": "2026-05-01", "revision": row.revision})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.result, row.owner, row.planned_date) == ("partiel", "Alice", datetime.date(2026, 5, 1))


def test_a_stale_answer_form_is_refused_with_a_message(client_for, assessment, contributor_a):
    row = answer_of(assessment, "MSS 3")
    url = reverse("assessment:answer", kwargs={"pk": assessment.pk, "answer_pk": row.pk})
    client = client_for(contributor_a)
    client.post(url, {"result": "conforme", "revision": row.revision})
    response = client.post(url, {"result": "non_conforme", "justification": "x", "revision": row.revision})
    assert response.status_code == 200
    assert "modifiée par un autre membre" in response.content.decode()
    assert answer_of(assessment, "MSS 3").result == "conforme"


def test_a_member_attaches_a_file_and_downloads_it(client_for, assessment, contributor_a):
    row = answer_of(assessment, "MSS 1")
    client = client_for(contributor_a)
    url = reverse("assessment:evidence_add", kwargs={"pk": assessment.pk, "answer_pk": row.pk})
    response = client.post(url, {"label": "Rapport", "effective_date": "2026-02-01", "document": SimpleUploadedFile("rapport.txt", b"contenu")})
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    download = client.get(reverse("assessment:evidence_file", kwargs={"pk": evidence.pk}))
    assert b"".join(download.streaming_content) == b"contenu"


def test_an_evidence_form_without_file_nor_link_names_the_problem(client_for, assessment, contributor_a):
    row = answer_of(assessment, "MSS 1")
    url = reverse("assessment:evidence_add", kwargs={"pk": assessment.pk, "answer_pk": row.pk})
    response = client_for(contributor_a).post(url, {"effective_date": "2026-02-01"})
    assert response.status_code == 400
    assert "Joignez un fichier ou indiquez un lien" in response.content.decode()
    assert not Evidence.objects.exists()


def test_a_refused_submission_lists_every_problem_on_the_page(client_for, assessment, contributor_a):
    response = client_for(contributor_a).post(reverse("assessment:submit", kwargs={"pk": assessment.pk}))
    html = response.content.decode()
    assert response.status_code == 409
    for key in ("MSS 1", "MSS 2", "MSS 3", "MSS 4"):
        assert f"{key}\u202f: exigence non évaluée." in html
    assert not Submission.objects.exists()


def test_submitting_from_the_page_gives_a_downloadable_attestation_that_the_public_page_verifies(client_for, anonymous, assessment, contributor_a):
    fill_conformant(assessment, contributor_a)
    client = client_for(contributor_a)
    response = client.post(reverse("assessment:submit", kwargs={"pk": assessment.pk}))
    assert response.status_code == 302
    submission = Submission.objects.get()
    pdf = client.get(reverse("assessment:attestation", kwargs={"pk": assessment.pk, "number": 1}))
    content = b"".join(pdf.streaming_content)
    assert pdf["Content-Type"] == "application/pdf" and hashlib.sha256(content).hexdigest() == submission.attestation_sha256
    verify = reverse("assessment:verify")
    assert "correspond à une attestation enregistrée" in anonymous.post(verify, {"document": SimpleUploadedFile("a.pdf", content)}).content.decode()
    assert "correspond à une attestation enregistrée" in anonymous.post(verify, {"sha256": submission.attestation_sha256.upper()}).content.decode()
    tampered = anonymous.post(verify, {"document": SimpleUploadedFile("a.pdf", content + b" ")}).content.decode()
    assert "ne correspond à aucune attestation" in tampered
    assert assessment.organisation.name not in tampered


def test_the_verification_page_refuses_a_malformed_hash_and_an_empty_form(anonymous, db):
    url = reverse("assessment:verify")
    assert "64 caractères hexadécimaux" in anonymous.post(url, {"sha256": "abc"}).content.decode()
    assert "Déposez le fichier PDF ou collez son empreinte" in anonymous.post(url, {}).content.decode()


def test_an_editor_requests_changes_from_the_submission_page(client_for, assessment, contributor_a, editor):
    fill_conformant(assessment, contributor_a)
    submission = services.submit_assessment(assessment=assessment, by=contributor_a)
    mss2 = answer_of(assessment, "MSS 2")
    url = reverse("assessment:request_changes", kwargs={"pk": assessment.pk, "number": 1})
    response = client_for(editor).post(url, {f"exigence-{mss2.requirement_id}": "Joignez le certificat.", "general": ""})
    assert response.status_code == 302
    assert [c.body for c in submission.review_comments.all()] == ["Joignez le certificat."]
    grid = client_for(contributor_a).get(assessment.get_absolute_url()).content.decode()
    assert "L’ANS demande des modifications" in grid and "Demande de l’ANS" in grid


def test_the_editors_dashboard_counts_verdicts_gaps_and_overdue_remediations(client_for, assessment, other_assessment, contributor_a, contributor_b, editor):
    fill_conformant(assessment, contributor_a)
    services.submit_assessment(assessment=assessment, by=contributor_a)
    fill_conformant(other_assessment, contributor_b)
    answer(other_assessment, "MSS 1", "non_conforme", contributor_b, today=datetime.date(2026, 1, 20))
    services.submit_assessment(assessment=other_assessment, by=contributor_b)
    page = client_for(editor).get(reverse("assessment:dashboard"), {"version": assessment.version_id})
    html = page.content.decode()
    assert page.status_code == 200
    board = page.context["board"]
    assert board.verdicts[:2] == [("Conforme", 1), ("Non conforme", 1)]
    assert board.most_non_conformant == [("MSS 1", "Chiffrement TLS", 1)]
    assert [(a.organisation.name, gap["key"]) for a, gap in board.overdue] == [("Messagerie Santé B", "MSS 1")]
    assert "Messagerie Santé A" in html and "Messagerie Santé B" in html


@pytest.mark.parametrize("size", [3, 40])
def test_the_grid_runs_the_same_queries_whatever_its_size(client_for, org_a, contributor_a, operator_role, levels, size, django_assert_num_queries):
    version = big_version(levels, operator_role, size)
    assessment = services.start_assessment(version=version, actor=operator_role, by=contributor_a)
    for row in assessment.answers.all()[:2]:
        services.update_answer(answer=row, by=contributor_a, result="non_conforme", justification="Écart.")
    client = client_for(contributor_a)
    client.get(assessment.get_absolute_url())
    # session, user, groups, membership, assessment, answers, evidence, thresholds, sections, submissions
    with django_assert_num_queries(10):
        client.get(assessment.get_absolute_url())
