import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Organisation
from assessment import services
from assessment.models import Assessment, Evidence, Submission, SubmissionFrozen
from assessment.queries import assessment_grid, version_in_force_on
from core.errors import DomainError, PermissionRefused, TransitionNotAllowed
from referential.models import ReferentialVersion
from tests.assessment.conftest import answer, answer_of, build_version, fill_conformant
from tests.consultation.conftest import join
from tests.factories import contributor_user


def test_an_assessment_holds_only_the_requirements_that_apply_to_its_actor(assessment):
    assert sorted(assessment.answers.values_list("requirement__key", flat=True)) == ["MSS 1", "MSS 2", "MSS 3", "MSS 4"]
    assert set(assessment.answers.values_list("result", flat=True)) == {"non_evalue"}


def test_only_members_of_an_approved_organisation_start_an_assessment(version, operator_role, editor, db):
    pending = Organisation.objects.create(name="En attente", kind="operator")
    newcomer = contributor_user(username="nouveau")
    join(newcomer, pending)
    for user in (editor, newcomer, contributor_user(username="sans-organisation")):
        with pytest.raises(PermissionRefused):
            services.start_assessment(version=version, actor=operator_role, by=user)
    assert not Assessment.objects.exists()


def test_a_draft_version_cannot_be_assessed(levels, operator_role, proxy_role, org_a, contributor_a):
    draft = build_version(levels, operator_role, proxy_role, number="2.0", status=ReferentialVersion.Status.DRAFT)
    with pytest.raises(TransitionNotAllowed):
        services.start_assessment(version=draft, actor=operator_role, by=contributor_a)


def test_an_organisation_has_one_assessment_per_version_and_role(assessment, version, operator_role, contributor_a):
    with pytest.raises(DomainError):
        services.start_assessment(version=version, actor=operator_role, by=contributor_a)


def test_several_members_edit_the_same_assessment_and_every_change_is_in_history(assessment, org_a, contributor_a):
    colleague = contributor_user(username="collegue")
    join(colleague, org_a)
    answer(assessment, "MSS 2", "partiel", contributor_a, owner="Alice")
    answer(assessment, "MSS 2", "non_conforme", colleague, owner="Bob")
    row = answer_of(assessment, "MSS 2")
    history = list(row.history.order_by("history_date"))
    assert [h.result for h in history] == ["non_evalue", "partiel", "non_conforme"]
    assert [h.history_user for h in history[1:]] == [contributor_a, colleague]
    assert history[-1].history_change_reason == "Réponse modifiée"


def test_a_save_based_on_a_stale_read_is_refused(assessment, contributor_a):
    row = answer_of(assessment, "MSS 2")
    stale = row.revision
    services.update_answer(answer=row, by=contributor_a, result="conforme", revision=stale)
    with pytest.raises(services.AnswerChangedMeanwhile):
        services.update_answer(answer=row, by=contributor_a, result="non_conforme", justification="x", revision=stale)
    assert answer_of(assessment, "MSS 2").result == "conforme"


def test_another_organisation_cannot_change_an_answer(assessment, org_b, contributor_b):
    with pytest.raises(PermissionRefused):
        answer(assessment, "MSS 2", "conforme", contributor_b)
    assert answer_of(assessment, "MSS 2").result == "non_evalue"


def test_an_unknown_result_is_refused(assessment, contributor_a):
    with pytest.raises(ValidationError):
        answer(assessment, "MSS 2", "peut-etre", contributor_a)


def test_a_gap_keeps_the_date_it_was_first_declared(assessment, contributor_a):
    answer(assessment, "MSS 2", "partiel", contributor_a, today=datetime.date(2026, 3, 1))
    answer(assessment, "MSS 2", "non_conforme", contributor_a, today=datetime.date(2026, 4, 1))
    assert answer_of(assessment, "MSS 2").found_on == datetime.date(2026, 3, 1)
    answer(assessment, "MSS 2", "conforme", contributor_a, planned_date=datetime.date(2026, 5, 1))
    fixed = answer_of(assessment, "MSS 2")
    assert fixed.found_on is None and fixed.planned_date is None


def test_evidence_is_a_file_with_its_sha256_or_a_link(assessment, contributor_a):
    row = answer_of(assessment, "MSS 1")
    content = b"rapport de test"
    stored = services.add_evidence(answer=row, by=contributor_a, effective_date=datetime.date(2026, 2, 1), upload=SimpleUploadedFile("r.pdf", content))
    import hashlib

    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    link = services.add_evidence(answer=row, by=contributor_a, effective_date=datetime.date(2026, 2, 1), link="https://exemple.fr/preuve")
    assert link.sha256 == "" and link.link == "https://exemple.fr/preuve"
    for wrong in ({}, {"link": "https://x.fr", "upload": SimpleUploadedFile("r.pdf", b"x")}, {"link": "pas un lien"}):
        with pytest.raises(ValidationError):
            services.add_evidence(answer=row, by=contributor_a, effective_date=datetime.date(2026, 2, 1), **wrong)
    assert Evidence.objects.count() == 2


def test_withdrawn_evidence_is_kept(assessment, contributor_a):
    row = answer_of(assessment, "MSS 1")
    evidence = services.add_evidence(answer=row, by=contributor_a, effective_date=datetime.date(2026, 2, 1), link="https://exemple.fr/p")
    services.withdraw_evidence(evidence=evidence, by=contributor_a)
    assert Evidence.objects.get(pk=evidence.pk).withdrawn_at is not None
    assert assessment_grid(assessment).rows[0].evidence == []


def test_the_in_force_date_is_the_publication_day(version):
    assert version_in_force_on(version) == datetime.date(2026, 1, 15)


def test_the_grid_gives_verdict_tipping_findings_and_deadlines(assessment, contributor_a):
    answer(assessment, "MSS 2", "partiel", contributor_a, today=datetime.date(2026, 1, 1), planned_date=datetime.date(2026, 12, 31))
    answer(assessment, "MSS 3", "non_conforme", contributor_a, today=datetime.date(2026, 3, 1))
    grid = assessment_grid(assessment, today=datetime.date(2026, 8, 1))
    assert not grid.verdict.conformant
    assert sorted(row.requirement.key for row in grid.tipping_rows) == ["MSS 2", "MSS 3"]
    by_key = {row.requirement.key: row for row in grid.rows}
    # Found before the in-force date: counted from the in-force date (15 January + 180 days).
    assert by_key["MSS 2"].deadline.deadline == datetime.date(2026, 7, 14)
    assert by_key["MSS 2"].deadline.overdue and by_key["MSS 2"].deadline.planned_too_late
    assert by_key["MSS 3"].deadline.deadline == datetime.date(2026, 8, 28)
    assert not by_key["MSS 3"].deadline.overdue
    assert [(p.label, p.total, p.evaluated) for p in grid.by_chapter] == [("1. Sécurité", 2, 1), ("2. Annuaire", 2, 1)]
    assert [(p.label, p.total) for p in grid.by_level] == [("Bloquante", 1), ("Majeure", 2), ("Mineure", 1)]


def test_submission_is_refused_listing_every_problem(assessment, contributor_a):
    answer(assessment, "MSS 1", "conforme", contributor_a)
    answer(assessment, "MSS 2", "non_applicable", contributor_a, justification="")
    answer(assessment, "MSS 3", "non_conforme", contributor_a, justification="  ")
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submit_assessment(assessment=assessment, by=contributor_a)
    problems = [str(p) for p in refused.value.problems]
    assert problems == [
        "MSS 1 : une exigence bloquante déclarée conforme demande au moins une preuve.",
        "MSS 2 : justification manquante pour le résultat « Non applicable ».",
        "MSS 3 : justification manquante pour le résultat « Non conforme ».",
        "MSS 4 : exigence non évaluée.",
    ]
    assert not Submission.objects.exists()


def test_submitting_freezes_a_revision_with_its_attestation(assessment, contributor_a):
    fill_conformant(assessment, contributor_a)
    submission = services.submit_assessment(assessment=assessment, by=contributor_a)
    assert submission.number == 1 and submission.verdict == "conforme"
    snapshot = submission.snapshot
    assert snapshot["version"]["number"] == assessment.version.number
    assert snapshot["rule"][0] == {"level": "bloquante", "label": "Bloquante", "max_findings": 0}
    mss1 = snapshot["answers"][0]
    assert mss1["key"] == "MSS 1" and mss1["statement"].startswith("L'opérateur")
    assert mss1["evidence"][0]["sha256"] and mss1["evidence"][0]["label"] == "Rapport de test TLS"
    import hashlib

    content = submission.attestation.read()
    assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == submission.attestation_sha256
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED


def test_a_submission_never_changes_and_is_never_deleted(assessment, contributor_a):
    fill_conformant(assessment, contributor_a)
    submission = services.submit_assessment(assessment=assessment, by=contributor_a)
    submission.verdict = "non_conforme"
    with pytest.raises(SubmissionFrozen):
        submission.save()
    with pytest.raises(SubmissionFrozen):
        submission.delete()
    with pytest.raises(SubmissionFrozen):
        Submission.objects.filter(pk=submission.pk).update(verdict="non_conforme")
    with pytest.raises(SubmissionFrozen):
        Submission.objects.all().delete()
    assert Submission.objects.get().verdict == "conforme"


def test_a_change_after_submitting_prepares_the_next_revision_and_leaves_the_submission_as_it_was(assessment, contributor_a):
    fill_conformant(assessment, contributor_a)
    first = services.submit_assessment(assessment=assessment, by=contributor_a)
    with pytest.raises(TransitionNotAllowed):
        services.submit_assessment(assessment=assessment, by=contributor_a)
    answer(assessment, "MSS 2", "non_conforme", contributor_a)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.IN_PROGRESS
    second = services.submit_assessment(assessment=assessment, by=contributor_a)
    assert (second.number, second.verdict) == (2, "conforme")  # one majeure finding tolerated
    first = Submission.objects.get(pk=first.pk)
    assert first.snapshot["answers"][1]["result"] == "conforme"
    assert second.snapshot["answers"][1]["result"] == "non_conforme"


def test_an_editor_requests_changes_and_the_organisation_answers_in_a_new_revision(assessment, contributor_a, editor):
    fill_conformant(assessment, contributor_a)
    submission = services.submit_assessment(assessment=assessment, by=contributor_a)
    mss2 = answer_of(assessment, "MSS 2").requirement
    with pytest.raises(PermissionRefused):
        services.request_changes(submission=submission, by=contributor_a, comments={mss2: "?"})
    services.request_changes(submission=submission, by=editor, comments={mss2: "Joignez le certificat.", None: "Merci."})
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.CHANGES_REQUESTED
    assert submission.review_comments.count() == 2
    with pytest.raises(TransitionNotAllowed):
        services.request_changes(submission=submission, by=editor, comments={mss2: "Encore."})
    second = services.submit_assessment(assessment=assessment, by=contributor_a)
    assert second.number == 2
