"""The referential services: each transition's allowed path, refused path and history row."""

import pytest
from django.core.exceptions import ValidationError

from core.errors import DomainError, TransitionNotAllowed
from referential import services
from referential.errors import ConcurrentEdit, VersionFrozen
from referential.models import ReferentialVersion, Requirement
from tests.factories import (
    ActorFactory,
    LevelFactory,
    ReferentialFactory,
    RequirementFactory,
    SectionFactory,
    VersionFactory,
    filled_version,
    freeze,
)

pytestmark = pytest.mark.django_db
Status = ReferentialVersion.Status


def latest_reason(obj):
    return obj.history.first().history_change_reason


# create_version ----------------------------------------------------------------------------------


def test_create_version_makes_an_empty_draft_with_a_history_row(editor):
    referential = ReferentialFactory()

    version = services.create_version(referential=referential, number="1.0", change_summary="Première", by=editor)

    assert version.status == Status.DRAFT
    assert not version.sections.exists() and not version.requirements.exists()
    record = version.history.get()
    assert record.history_type == "+"
    assert record.history_change_reason == "Création du brouillon"
    assert record.history_user == editor


@pytest.mark.parametrize("number", ["1", "v1.0", "1.0-rc", "1..2", ""])
def test_create_version_refuses_a_malformed_number(number):
    referential = ReferentialFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.create_version(referential=referential, number=number)

    assert "number" in excinfo.value.message_dict
    assert not referential.versions.exists()


@pytest.mark.parametrize("number", ["1.1", "1.1.0"])
def test_create_version_refuses_a_number_already_used(number):
    version = VersionFactory(number="1.1")

    with pytest.raises(DomainError, match="existe déjà"):
        services.create_version(referential=version.referential, number=number)

    assert version.referential.versions.count() == 1


@pytest.mark.parametrize("number", ["0.9", "1.1.9", "1.1.10"])
def test_create_version_refuses_a_number_not_above_the_last_published_one(number):
    published = freeze(VersionFactory(number="1.2"))

    with pytest.raises(DomainError, match="supérieur"):
        services.create_version(referential=published.referential, number=number)

    assert published.referential.versions.count() == 1


def test_create_version_compares_numbers_part_by_part_and_counts_superseded_versions():
    referential = ReferentialFactory()
    freeze(VersionFactory(referential=referential, number="1.9"), Status.SUPERSEDED)

    with pytest.raises(DomainError):
        services.create_version(referential=referential, number="1.8")
    version = services.create_version(referential=referential, number="1.10")

    assert version.number == "1.10"


# start_draft -------------------------------------------------------------------------------------


def test_start_draft_copies_the_published_version_entirely(editor):
    source = freeze(filled_version(number="1.0"))

    draft = services.start_draft(referential=source.referential, number="1.1", change_summary="Suite", by=editor)

    assert draft.status == Status.DRAFT
    assert draft.based_on == source
    assert draft.change_summary == "Suite"
    # Chapters: same tree, each copy linked to its original and under its parent's copy.
    copies = {s.origin_id: s for s in draft.sections.all()}
    originals = list(source.sections.all())
    assert set(copies) == {s.pk for s in originals}
    for original in originals:
        copy = copies[original.pk]
        assert (copy.title, copy.position, copy.intro) == (original.title, original.position, original.intro)
        if original.parent_id:
            assert copy.parent == copies[original.parent_id]
        else:
            assert copy.parent is None
    # Requirements: same keys, content, level and actors; linked to their originals.
    for original in source.requirements.prefetch_related("actors"):
        copy = draft.requirements.get(key=original.key)
        assert copy.origin == original
        assert copy.section == copies[original.section_id]
        assert (copy.title, copy.statement, copy.level_id, copy.position) == (
            original.title,
            original.statement,
            original.level_id,
            original.position,
        )
        assert set(copy.actors.all()) == set(original.actors.all())
        assert copy.revision == 1
    # Conformity rule.
    assert sorted(draft.thresholds.values_list("level_id", "max_findings")) == sorted(
        source.thresholds.values_list("level_id", "max_findings")
    )
    # The source is untouched.
    source.refresh_from_db()
    assert source.status == Status.PUBLISHED
    assert source.requirements.count() == draft.requirements.count() == 2


def test_start_draft_leaves_history_rows_naming_the_source(editor):
    source = freeze(filled_version(number="1.0"))

    draft = services.start_draft(referential=source.referential, number="1.1", by=editor)

    assert latest_reason(draft) == "Brouillon copié de la version 1.0"
    assert draft.history.first().history_user == editor
    copy = draft.requirements.get(key="MSS 1")
    record = copy.history.get()
    assert record.history_change_reason == "Copie de la version 1.0"
    assert record.history_user == editor
    # The history row of the copy records its actors too, so a later diff does not show them as added.
    assert {row.actor_id for row in record.actors.all()} == set(copy.actors.values_list("pk", flat=True))
    assert latest_reason(draft.sections.first()) == "Copie de la version 1.0"


def test_start_draft_is_refused_when_nothing_is_published():
    draft = filled_version(number="1.0")

    with pytest.raises(TransitionNotAllowed, match="Aucune version publiée"):
        services.start_draft(referential=draft.referential, number="1.1")

    assert draft.referential.versions.count() == 1


def test_start_draft_is_refused_with_a_number_not_above_the_published_one():
    source = freeze(filled_version(number="2.0"))

    with pytest.raises(DomainError):
        services.start_draft(referential=source.referential, number="1.5")

    assert source.referential.versions.count() == 1
    assert Requirement.objects.count() == 2


# Requirements ------------------------------------------------------------------------------------


def test_create_requirement_adds_it_after_the_last_one_with_its_actors(editor):
    version = filled_version()
    last = version.requirements.order_by("-position").first()
    actor = ActorFactory()

    requirement = services.create_requirement(
        version=version,
        data={
            "key": "MSS 3",
            "title": "Journaliser",
            "statement": "L'opérateur **DOIT** journaliser.",
            "section": version.sections.first(),
            "level": LevelFactory(slug="mineure"),
            "actors": [actor],
        },
        by=editor,
    )

    assert requirement.position == last.position + 10
    assert list(requirement.actors.all()) == [actor]
    assert requirement.revision == 1
    record = requirement.history.earliest()
    assert record.history_type == "+"
    assert record.history_change_reason == "Création"
    assert record.history_user == editor


def test_create_requirement_with_a_key_already_used_names_the_key_field():
    version = filled_version()

    with pytest.raises(ValidationError) as excinfo:
        services.create_requirement(
            version=version,
            data={"key": "MSS 1", "title": "Doublon", "statement": "…", "section": version.sections.first()},
        )

    assert "key" in excinfo.value.message_dict
    assert "MSS 1" in excinfo.value.message_dict["key"][0]
    assert version.requirements.count() == 2


def test_create_requirement_refuses_a_chapter_of_another_version():
    version = filled_version()
    elsewhere = SectionFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.create_requirement(
            version=version, data={"key": "MSS 9", "title": "Ailleurs", "statement": "…", "section": elsewhere}
        )

    assert "section" in excinfo.value.message_dict
    assert version.requirements.count() == 2


def test_create_requirement_on_a_published_version_is_refused():
    version = freeze(filled_version())

    with pytest.raises(VersionFrozen):
        services.create_requirement(
            version=version, data={"key": "MSS 9", "title": "Tard", "statement": "…", "section": version.sections.first()}
        )

    assert version.requirements.count() == 2


def test_update_requirement_changes_it_bumps_its_revision_and_records_the_reason(editor):
    requirement = RequirementFactory(title="Avant", actors=[ActorFactory()])
    other_actor = ActorFactory()
    history_rows = requirement.history.count()

    updated = services.update_requirement(
        requirement=requirement,
        data={"title": "Après", "actors": [other_actor]},
        by=editor,
        expected_revision=1,
        reason="Suite à l'atelier n°4",
    )

    updated.refresh_from_db()
    assert updated.title == "Après"
    assert updated.revision == 2
    assert list(updated.actors.all()) == [other_actor]
    record = updated.history.first()
    assert record.history_change_reason == "Suite à l'atelier n°4"
    assert record.history_user == editor
    # One edit, one history row: the new title and the new actors together.
    assert updated.history.count() == history_rows + 1
    assert [row.actor_id for row in record.actors.all()] == [other_actor.pk]
    delta = record.diff_against(record.prev_record)
    assert {change.field for change in delta.changes} == {"title", "revision", "actors"}


def test_update_requirement_with_a_stale_revision_is_refused_and_changes_nothing():
    requirement = RequirementFactory(title="Version de Claire")
    services.update_requirement(requirement=requirement, data={"title": "Version d'Alice"}, expected_revision=1)
    history_rows = requirement.history.count()

    with pytest.raises(ConcurrentEdit):
        services.update_requirement(requirement=requirement, data={"title": "Version de Bruno"}, expected_revision=1)

    requirement.refresh_from_db()
    assert requirement.title == "Version d'Alice"
    assert requirement.revision == 2
    assert requirement.history.count() == history_rows


def test_update_requirement_to_a_key_already_used_names_the_key_field():
    version = filled_version()
    requirement = version.requirements.get(key="MSS 2")

    with pytest.raises(ValidationError) as excinfo:
        services.update_requirement(requirement=requirement, data={"key": "MSS 1"})

    assert "key" in excinfo.value.message_dict
    requirement.refresh_from_db()
    assert (requirement.key, requirement.revision) == ("MSS 2", 1)


def test_update_requirement_does_not_alter_the_callers_data():
    requirement = RequirementFactory()
    actor = ActorFactory()
    data = {"title": "Nouveau", "actors": [actor]}

    services.update_requirement(requirement=requirement, data=data)

    assert data == {"title": "Nouveau", "actors": [actor]}


def test_delete_requirement_removes_it_from_a_draft_and_keeps_its_history(editor):
    requirement = RequirementFactory()
    pk = requirement.pk

    services.delete_requirement(requirement=requirement, by=editor)

    assert not Requirement.objects.filter(pk=pk).exists()
    record = Requirement.history.filter(id=pk).first()
    assert record.history_type == "-"
    assert record.history_change_reason == "Suppression"
    assert record.history_user == editor


# publish_version ---------------------------------------------------------------------------------


def test_publish_version_freezes_a_valid_draft_and_supersedes_the_previous_one(editor):
    previous = freeze(filled_version(number="1.0"))
    draft = services.start_draft(referential=previous.referential, number="1.1", by=editor)

    published = services.publish_version(version=draft, by=editor)

    published.refresh_from_db()
    previous.refresh_from_db()
    assert published.status == Status.PUBLISHED
    assert published.published_by == editor
    assert published.published_at is not None
    assert previous.status == Status.SUPERSEDED
    assert latest_reason(published) == "Publication"
    assert published.history.first().history_user == editor
    assert latest_reason(previous) == "Remplacée par la version 1.1"
    assert previous.history.first().status == Status.SUPERSEDED


def test_publish_version_accepts_a_version_out_of_consultation(editor):
    version = filled_version(status=Status.CONSULTATION)

    services.publish_version(version=version, by=editor)

    version.refresh_from_db()
    assert version.status == Status.PUBLISHED


def test_publish_version_lists_every_problem_at_once_and_changes_nothing(editor):
    version = filled_version(number="1.0")
    without_level = version.requirements.get(key="MSS 1")
    Requirement.objects.filter(pk=without_level.pk).update(level=None)
    without_actor = version.requirements.get(key="MSS 2")
    without_actor.actors.clear()
    clash = version.sections.get(title="Annuaire")
    SectionFactory(version=version, title="Doublon", position=clash.position)
    history_rows = version.history.count()

    with pytest.raises(TransitionNotAllowed) as excinfo:
        services.publish_version(version=version, by=editor)

    problems = excinfo.value.problems
    assert "MSS 1 : aucun niveau de non-conformité." in problems
    assert "MSS 2 : aucun acteur concerné." in problems
    assert any("même position" in problem for problem in problems)
    version.refresh_from_db()
    assert version.status == Status.DRAFT
    assert version.published_at is None
    assert version.history.count() == history_rows


def test_publish_version_refuses_an_empty_version(editor):
    version = VersionFactory()

    with pytest.raises(TransitionNotAllowed) as excinfo:
        services.publish_version(version=version, by=editor)

    assert "La version ne contient aucune exigence." in excinfo.value.problems


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.SUPERSEDED])
def test_publish_version_refuses_a_frozen_version(editor, status):
    version = freeze(filled_version(), status)

    with pytest.raises(TransitionNotAllowed) as excinfo:
        services.publish_version(version=version, by=editor)

    assert any("Seul un brouillon" in problem for problem in excinfo.value.problems)
    version.refresh_from_db()
    assert version.status == status
