"""Starting the assessment of the next version from the last one: answers follow lineage, never silently done."""

import datetime

import pytest
from django.urls import reverse

from assessment import services
from assessment.models import AssessmentAnswer
from core.errors import TransitionNotAllowed
from referential import services as referential_services
from referential.models import ReferentialVersion, Requirement
from tests.assessment.conftest import answer, answer_of, fill_conformant
from tests.factories import RequirementFactory, freeze


@pytest.fixture
def next_version(assessment, contributor_a, editor, operator_role, levels):
    """1.0 assessed and submitted; 1.1 renames MSS 2 → SEC 2, moves MSS 3 to « Sécurité », rewords MSS 4,
    removes MSS 1 and adds MSS 6; then 1.1 is published and 1.0 superseded."""
    fill_conformant(assessment, contributor_a)
    answer(assessment, "MSS 2", "partiel", contributor_a, owner="Alice", planned_date=datetime.date(2026, 6, 1), today=datetime.date(2026, 2, 1))
    services.submit_assessment(assessment=assessment, by=contributor_a)
    old = assessment.version
    draft = referential_services.start_draft(referential=old.referential, number="1.1", by=editor)
    security = draft.sections.get(title="Sécurité")
    Requirement.objects.filter(version=draft, key="MSS 2").update(key="SEC 2")
    Requirement.objects.filter(version=draft, key="MSS 3").update(section=security)
    Requirement.objects.filter(version=draft, key="MSS 4").update(statement="L'opérateur **DOIT** respecter la liste rouge sous 24 heures.")
    Requirement.objects.filter(version=draft, key="MSS 1").delete()
    RequirementFactory(version=draft, section=security, key="MSS 6", title="Nouvelle", level=levels["mineure"], actors=[operator_role], position=60)
    freeze(old, ReferentialVersion.Status.SUPERSEDED)
    ReferentialVersion.objects.filter(pk=draft.pk).update(published_at=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC))
    return freeze(draft)


def test_answers_follow_lineage_and_are_marked_to_reconfirm(assessment, next_version, contributor_a, operator_role):
    carried = services.start_assessment(version=next_version, actor=operator_role, by=contributor_a)
    assert carried.carried_from == assessment
    rows = {a.requirement.key: a for a in carried.answers.select_related("requirement", "carried_from__requirement")}
    assert sorted(rows) == ["MSS 3", "MSS 4", "MSS 6", "SEC 2"]
    renamed = rows["SEC 2"]
    assert (renamed.result, renamed.owner, renamed.planned_date, renamed.to_reconfirm) == ("partiel", "Alice", datetime.date(2026, 6, 1), True)
    assert renamed.found_on == datetime.date(2026, 2, 1) and renamed.carried_from.requirement.key == "MSS 2"
    assert (rows["MSS 3"].result, rows["MSS 3"].to_reconfirm) == ("conforme", True)
    assert (rows["MSS 6"].result, rows["MSS 6"].to_reconfirm) == ("non_evalue", False)


def test_carried_answers_must_be_reconfirmed_before_submitting(next_version, contributor_a, operator_role):
    carried = services.start_assessment(version=next_version, actor=operator_role, by=contributor_a)
    answer(carried, "MSS 6", "conforme", contributor_a)
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submit_assessment(assessment=carried, by=contributor_a)
    assert "SEC 2 : réponse reprise de la version précédente, à reconfirmer." in [str(p) for p in refused.value.problems]
    answer(carried, "SEC 2", "partiel", contributor_a)
    assert not answer_of(carried, "SEC 2").to_reconfirm


def test_the_old_assessment_keeps_every_answer_including_removed_requirements(assessment, next_version, contributor_a, operator_role):
    before = list(AssessmentAnswer.objects.filter(assessment=assessment).values_list("requirement__key", "result", "revision"))
    services.start_assessment(version=next_version, actor=operator_role, by=contributor_a)
    assert list(AssessmentAnswer.objects.filter(assessment=assessment).values_list("requirement__key", "result", "revision")) == before
    assert ("MSS 1", "conforme") in [(k, r) for k, r, _rev in before]
    with pytest.raises(TransitionNotAllowed):
        answer(assessment, "MSS 1", "non_conforme", contributor_a)


def test_a_reworded_requirement_shows_its_redline_next_to_the_carried_answer(client_for, next_version, contributor_a, operator_role):
    carried = services.start_assessment(version=next_version, actor=operator_role, by=contributor_a)
    row = answer_of(carried, "MSS 4")
    page = client_for(contributor_a).get(reverse("assessment:answer", kwargs={"pk": carried.pk, "answer_pk": row.pk})).content.decode()
    assert "Énoncé modifié depuis votre réponse précédente" in page
    assert "<ins>" in page and "24" in page
    unchanged = answer_of(carried, "MSS 3")
    other = client_for(contributor_a).get(reverse("assessment:answer", kwargs={"pk": carried.pk, "answer_pk": unchanged.pk})).content.decode()
    assert "Énoncé modifié" not in other


def test_the_dashboard_lists_organisations_still_on_an_older_version(client_for, assessment, next_version, editor):
    board = client_for(editor).get(reverse("assessment:dashboard"), {"version": next_version.pk}).context["board"]
    assert [a.pk for a in board.older_version] == [assessment.pk]
