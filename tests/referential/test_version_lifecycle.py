"""The version lifecycle has one home: a transition table and one service per move, in referential/services.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultation import services as consultation_services
from referential import services
from core.errors import DomainError, TransitionNotAllowed
from referential.models import ReferentialVersion
from tests.factories import VersionFactory, filled_version, freeze

Status = ReferentialVersion.Status


def test_the_transition_table_names_every_status_and_only_moves_forward():
    assert set(services.VERSION_TRANSITIONS) == set(Status.values)
    assert services.VERSION_TRANSITIONS[Status.DRAFT] == {Status.CONSULTATION, Status.PUBLISHED}
    assert services.VERSION_TRANSITIONS[Status.CONSULTATION] == {Status.PUBLISHED}
    assert services.VERSION_TRANSITIONS[Status.PUBLISHED] == {Status.SUPERSEDED}
    assert services.VERSION_TRANSITIONS[Status.SUPERSEDED] == set()


def test_submitting_a_draft_to_consultation_moves_it_and_records_why(editor):
    version = VersionFactory()

    services.submit_version_to_consultation(version=version, by=editor)

    version.refresh_from_db()
    assert version.status == Status.CONSULTATION
    record = version.history.latest()
    assert record.history_change_reason == "Soumise à concertation"
    assert record.history_user == editor


@pytest.mark.parametrize("status", [Status.CONSULTATION, Status.PUBLISHED, Status.SUPERSEDED])
def test_only_a_draft_can_be_submitted_to_consultation(editor, status):
    version = freeze(VersionFactory(), status)

    with pytest.raises(TransitionNotAllowed, match="Seul un brouillon"):
        services.submit_version_to_consultation(version=version, by=editor)

    version.refresh_from_db()
    assert version.status == status


def test_opening_a_consultation_moves_the_version_through_the_referential_service(editor, monkeypatch):
    version = filled_version()
    calls = []
    real = consultation_services.submit_version_to_consultation

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(consultation_services, "submit_version_to_consultation", spy)
    now = timezone.now()

    consultation_services.open_consultation(
        version=version, opens_at=now, closes_at=now + timedelta(days=14), by=editor
    )

    assert [call["version"].pk for call in calls] == [version.pk]
    version.refresh_from_db()
    assert version.status == Status.CONSULTATION


def test_superseding_refuses_a_version_that_is_not_the_published_one(editor):
    draft, successor = VersionFactory(), VersionFactory()

    with pytest.raises(TransitionNotAllowed, match="Seule la version publiée"):
        services.supersede_version(version=draft, successor=successor, by=editor)


def test_publishing_supersedes_the_previous_version_through_its_service(editor):
    first = filled_version()
    services.publish_version(version=first, by=editor)
    second = services.start_draft(referential=first.referential, number="2.0", by=editor)

    services.publish_version(version=second, by=editor)

    first.refresh_from_db()
    assert first.status == Status.SUPERSEDED
    assert first.history.latest().history_change_reason == "Remplacée par la version 2.0"


def test_the_checks_other_apps_add_to_publication_are_registered_by_name():
    checks = services.registered_publication_checks()

    assert checks["consultation.no_open_consultation"] is consultation_services.no_open_consultation


def test_a_registered_check_blocks_publication_with_its_problem(editor, monkeypatch):
    monkeypatch.setattr(services, "_publication_checks", {})
    services.register_publication_check("test.always", lambda version: ["Refusé par le test."])
    version = filled_version()

    with pytest.raises(TransitionNotAllowed) as excinfo:
        services.publish_version(version=version, by=editor)

    assert excinfo.value.problems == ["Refusé par le test."]
    version.refresh_from_db()
    assert version.status == Status.DRAFT


def test_the_next_draft_can_start_from_the_version_in_consultation(editor):
    in_consultation = freeze(filled_version(number="1.1"), Status.CONSULTATION)

    draft = services.start_draft(
        referential=in_consultation.referential, number="1.2", source=in_consultation, by=editor
    )

    assert draft.based_on == in_consultation
    assert set(draft.requirements.values_list("key", flat=True)) == {"MSS 1", "MSS 2"}
    assert all(req.origin.version_id == in_consultation.pk for req in draft.requirements.all())


def test_a_draft_cannot_start_from_another_draft(editor):
    source = filled_version(number="1.1")

    with pytest.raises(TransitionNotAllowed, match="1.1"):
        services.start_draft(referential=source.referential, number="1.2", source=source, by=editor)


def test_a_draft_cannot_start_from_a_version_of_another_referential(editor):
    source = freeze(filled_version(number="1.1"), Status.CONSULTATION)
    other = VersionFactory().referential

    with pytest.raises(DomainError, match="autre référentiel"):
        services.start_draft(referential=other, number="1.2", source=source, by=editor)


def test_a_draft_number_must_follow_the_version_it_copies(editor):
    source = freeze(filled_version(number="1.3"), Status.CONSULTATION)

    with pytest.raises(DomainError, match="1.3"):
        services.start_draft(referential=source.referential, number="1.2", source=source, by=editor)


def test_publishing_is_refused_while_another_version_is_in_consultation_naming_what_to_do(editor):
    first = services.publish_version(version=filled_version(number="1.0"), by=editor)
    in_consultation = services.start_draft(referential=first.referential, number="1.1", by=editor)
    freeze(in_consultation, Status.CONSULTATION)
    other = services.start_draft(referential=first.referential, number="1.2", by=editor)

    with pytest.raises(TransitionNotAllowed) as excinfo:
        services.publish_version(version=other, by=editor)

    [problem] = excinfo.value.problems
    assert "La version 1.1 est en concertation" in problem
    assert "publiez-la d'abord" in problem
    other.refresh_from_db()
    assert other.status == Status.DRAFT


def test_publishing_a_version_not_based_on_the_published_one_is_refused(editor):
    first = services.publish_version(version=filled_version(number="1.0"), by=editor)
    second = services.start_draft(referential=first.referential, number="1.1", by=editor)
    stale = services.start_draft(referential=first.referential, number="1.2", by=editor)
    services.publish_version(version=second, by=editor)

    with pytest.raises(TransitionNotAllowed) as excinfo:
        services.publish_version(version=stale, by=editor)

    [problem] = excinfo.value.problems
    assert "fondée sur la version 1.0" in problem
    assert "Démarrez un nouveau brouillon à partir de la version 1.1" in problem
