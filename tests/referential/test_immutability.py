"""A published version, its chapters, requirements, actors and conformity rule never change, whatever the path.

Superseding (published → superseded) is the one change a frozen version accepts; nothing
else changes on a superseded one either.
"""

import pytest
from django.db import transaction
from django.urls import reverse

from core.errors import TransitionNotAllowed
from referential import services
from referential.admin import RequirementAdmin
from referential.errors import VersionFrozen
from referential.models import (
    ConformityThreshold,
    ReferentialVersion,
    Requirement,
    Section,
)
from tests.factories import (
    ActorFactory,
    LevelFactory,
    RequirementFactory,
    SectionFactory,
    VersionFactory,
    filled_version,
    freeze,
    staff_editor_user,
)

pytestmark = pytest.mark.django_db
Status = ReferentialVersion.Status
FROZEN = [Status.PUBLISHED, Status.SUPERSEDED]


@pytest.fixture(params=FROZEN)
def frozen(request):
    return freeze(filled_version(number="1.0"), request.param)


@pytest.fixture
def published():
    return freeze(filled_version(number="1.0"))


def snapshot(version):
    """Everything a frozen version is made of, as plain values."""
    version = ReferentialVersion.objects.get(pk=version.pk)
    return {
        "version": ReferentialVersion.objects.filter(pk=version.pk).values().get(),
        "sections": list(Section.objects.filter(version=version).order_by("pk").values()),
        "requirements": list(Requirement.objects.filter(version=version).order_by("pk").values()),
        "actors": sorted(
            Requirement.actors.through.objects.filter(requirement__version=version).values_list(
                "requirement_id", "actor_id"
            )
        ),
        "thresholds": list(ConformityThreshold.objects.filter(version=version).order_by("pk").values()),
    }


@pytest.fixture
def unchanged(frozen):
    """Asserts, after the test body, that nothing of the frozen version changed."""
    before = snapshot(frozen)
    yield
    assert snapshot(frozen) == before


# The version row ---------------------------------------------------------------------------------


def test_a_frozen_version_refuses_a_changed_field_on_save(frozen, unchanged):
    frozen.change_summary = "Réécrit après coup"
    with pytest.raises(VersionFrozen):
        frozen.save()


def test_a_frozen_version_refuses_delete(frozen, unchanged):
    with pytest.raises(VersionFrozen):
        frozen.delete()


def test_a_frozen_version_refuses_queryset_update_and_delete(frozen, unchanged):
    with pytest.raises(VersionFrozen):
        ReferentialVersion.objects.filter(pk=frozen.pk).update(change_summary="Réécrit")
    with pytest.raises(VersionFrozen):
        ReferentialVersion.objects.filter(pk=frozen.pk).delete()
    with pytest.raises(VersionFrozen):
        frozen.referential.versions.all().delete()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.CONSULTATION])
def test_a_frozen_version_cannot_go_back_to_an_editable_status(frozen, unchanged, status):
    frozen.status = status
    with pytest.raises(VersionFrozen):
        frozen.save()
    with pytest.raises(VersionFrozen):
        ReferentialVersion.objects.filter(pk=frozen.pk).update(status=status)


def test_a_published_version_may_still_be_superseded(published):
    published.status = Status.SUPERSEDED
    published.save()

    published.refresh_from_db()
    assert published.status == Status.SUPERSEDED


def test_a_published_version_may_be_superseded_in_bulk():
    version = freeze(filled_version())

    ReferentialVersion.objects.filter(pk=version.pk).update(status=Status.SUPERSEDED)

    version.refresh_from_db()
    assert version.status == Status.SUPERSEDED


def test_superseding_cannot_carry_another_change(published):
    before = snapshot(published)
    published.status = Status.SUPERSEDED
    published.change_summary = "Glissé au passage"

    with pytest.raises(VersionFrozen):
        published.save()

    assert snapshot(published) == before


def test_a_superseded_version_accepts_no_change_at_all():
    version = freeze(filled_version(), Status.SUPERSEDED)
    before = snapshot(version)

    version.status = Status.PUBLISHED
    with pytest.raises(VersionFrozen):
        version.save()
    with pytest.raises(VersionFrozen):
        ReferentialVersion.objects.filter(pk=version.pk).update(status=Status.SUPERSEDED, change_summary="x")

    assert snapshot(version) == before


# Chapters, requirements, thresholds --------------------------------------------------------------

CONTENT = {
    "section": (lambda v: v.sections.first(), {"title": "Réécrit"}),
    "requirement": (lambda v: v.requirements.first(), {"statement": "L'opérateur PEUT chiffrer."}),
    "threshold": (lambda v: v.thresholds.first(), {"max_findings": 99}),
}


@pytest.mark.parametrize("kind", CONTENT)
def test_content_of_a_frozen_version_refuses_save(frozen, unchanged, kind):
    get, change = CONTENT[kind]
    row = get(frozen)
    for field, value in change.items():
        setattr(row, field, value)
    with pytest.raises(VersionFrozen):
        row.save()


@pytest.mark.parametrize("kind", CONTENT)
def test_content_of_a_frozen_version_refuses_delete(frozen, unchanged, kind):
    get, _ = CONTENT[kind]
    with pytest.raises(VersionFrozen):
        get(frozen).delete()


@pytest.mark.parametrize("kind", CONTENT)
def test_content_of_a_frozen_version_refuses_queryset_update_and_delete(frozen, unchanged, kind):
    get, change = CONTENT[kind]
    row = get(frozen)
    manager = type(row).objects
    with pytest.raises(VersionFrozen):
        manager.filter(pk=row.pk).update(**change)
    with pytest.raises(VersionFrozen):
        manager.filter(pk=row.pk).delete()
    with pytest.raises(VersionFrozen):
        manager.all().delete()


def test_related_managers_of_a_frozen_version_refuse_bulk_writes(frozen, unchanged):
    with pytest.raises(VersionFrozen):
        frozen.requirements.update(title="Tout réécrit")
    with pytest.raises(VersionFrozen):
        frozen.sections.all().delete()
    with pytest.raises(VersionFrozen):
        frozen.thresholds.update(max_findings=5)


def test_nothing_can_be_added_to_a_frozen_version(frozen, unchanged):
    section = frozen.sections.first()
    with pytest.raises(VersionFrozen):
        Section.objects.create(version=frozen, title="Ajout tardif", position=99)
    with pytest.raises(VersionFrozen):
        Requirement.objects.create(version=frozen, section=section, key="MSS 99", title="Tard", statement="…")
    with pytest.raises(VersionFrozen):
        ConformityThreshold.objects.create(version=frozen, level=LevelFactory(slug="mineure"), max_findings=1)


def test_nothing_can_be_bulk_created_in_a_frozen_version(frozen, unchanged):
    section = frozen.sections.first()
    with pytest.raises(VersionFrozen):
        Requirement.objects.bulk_create(
            [Requirement(version=frozen, section=section, key="MSS 99", title="Tard", statement="…")]
        )
    with pytest.raises(VersionFrozen):
        Section.objects.bulk_create([Section(version=frozen, title="Ajout tardif", position=99)])


def test_content_cannot_be_moved_out_of_a_frozen_version(frozen, unchanged):
    draft = VersionFactory(referential=frozen.referential, number="9.0")
    requirement = frozen.requirements.first()
    requirement.version = draft
    requirement.section = SectionFactory(version=draft)
    with pytest.raises(VersionFrozen):
        requirement.save()


# Actors (many-to-many) ---------------------------------------------------------------------------


def test_actors_of_a_frozen_requirement_cannot_be_added_removed_or_cleared(frozen, unchanged):
    requirement = frozen.requirements.get(key="MSS 1")
    present = requirement.actors.first()
    newcomer = ActorFactory()
    # Django runs these inside atomic(savepoint=False): give each its own transaction.
    with pytest.raises(VersionFrozen), transaction.atomic():
        requirement.actors.add(newcomer)
    with pytest.raises(VersionFrozen), transaction.atomic():
        requirement.actors.remove(present)
    with pytest.raises(VersionFrozen), transaction.atomic():
        requirement.actors.clear()
    with pytest.raises(VersionFrozen), transaction.atomic():
        requirement.actors.set([newcomer])


def test_actors_cannot_be_changed_from_the_actor_side_either(frozen, unchanged):
    requirement = frozen.requirements.get(key="MSS 1")
    present = requirement.actors.first()
    newcomer = ActorFactory()
    with pytest.raises(VersionFrozen), transaction.atomic():
        newcomer.requirements.add(requirement)
    with pytest.raises(VersionFrozen), transaction.atomic():
        present.requirements.remove(requirement)
    with pytest.raises(VersionFrozen), transaction.atomic():
        present.requirements.clear()


def test_actors_of_a_draft_requirement_still_change():
    requirement = RequirementFactory()
    actor = ActorFactory()

    requirement.actors.add(actor)

    assert list(requirement.actors.all()) == [actor]


# Services ----------------------------------------------------------------------------------------


def test_the_requirement_services_refuse_a_frozen_version(frozen, unchanged, editor):
    requirement = frozen.requirements.first()
    with pytest.raises(VersionFrozen):
        services.update_requirement(requirement=requirement, data={"title": "Réécrit"}, by=editor)
    with pytest.raises(VersionFrozen):
        services.update_requirement(requirement=requirement, data={"actors": []}, by=editor)
    with pytest.raises(VersionFrozen):
        services.delete_requirement(requirement=requirement, by=editor)
    with pytest.raises(VersionFrozen):
        services.create_requirement(
            version=frozen,
            data={"key": "MSS 99", "title": "Tard", "statement": "…", "section": frozen.sections.first()},
            by=editor,
        )


def test_publishing_again_is_refused(frozen, unchanged, editor):
    with pytest.raises(TransitionNotAllowed):
        services.publish_version(version=frozen, by=editor)


def test_starting_a_draft_leaves_the_published_version_untouched(published, editor):
    before = snapshot(published)

    draft = services.start_draft(referential=published.referential, number="1.1", by=editor)
    services.update_requirement(requirement=draft.requirements.get(key="MSS 1"), data={"title": "Nouveau"}, by=editor)

    assert snapshot(published) == before


def test_publishing_the_next_version_changes_only_the_status_of_the_previous_one(published, editor):
    before = snapshot(published)
    draft = services.start_draft(referential=published.referential, number="1.1", by=editor)

    services.publish_version(version=draft, by=editor)

    after = snapshot(published)
    assert after["version"].pop("status") == Status.SUPERSEDED
    assert before["version"].pop("status") == Status.PUBLISHED
    assert after == before


# Admin -------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client_for):
    return client_for(staff_editor_user(username="po_ans"))


def change_url(obj):
    return reverse(f"admin:referential_{obj._meta.model_name}_change", args=[obj.pk])


def delete_url(obj):
    return reverse(f"admin:referential_{obj._meta.model_name}_delete", args=[obj.pk])


def frozen_rows(version):
    return [version, version.sections.first(), version.requirements.first(), version.thresholds.first()]


def test_the_admin_shows_frozen_rows_read_only(frozen, admin_client):
    for row in frozen_rows(frozen):
        response = admin_client.get(change_url(row))
        assert response.status_code == 200
        assert not response.context["has_change_permission"]
        assert not response.context["has_delete_permission"]
        assert 'name="_save"' not in response.content.decode()


def test_the_admin_refuses_a_change_posted_to_a_frozen_row(frozen, unchanged, admin_client):
    posts = {
        frozen: {"change_summary": "Réécrit", "conformity_rule_note": "Réécrit"},
        frozen.sections.first(): {"title": "Réécrit", "position": 1},
        frozen.requirements.first(): {
            "title": "Réécrit",
            "statement": "…",
            "key": "MSS 1",
            "section": frozen.sections.first().pk,
            "position": 0,
            "revision": 1,
        },
        frozen.thresholds.first(): {"level": LevelFactory(slug="mineure").pk, "max_findings": 42},
    }
    for row, data in posts.items():
        response = admin_client.post(change_url(row), data)
        assert response.status_code == 403


def test_the_admin_refuses_to_delete_a_frozen_row(frozen, unchanged, admin_client):
    for row in frozen_rows(frozen):
        response = admin_client.post(delete_url(row), {"post": "yes"})
        assert response.status_code == 403


def test_the_admin_bulk_delete_action_refuses_frozen_requirements(frozen, unchanged, admin_client):
    response = admin_client.post(
        reverse("admin:referential_requirement_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [r.pk for r in frozen.requirements.all()],
            "post": "yes",
        },
    )
    assert response.status_code == 403


def test_the_admin_refuses_to_delete_an_actor_used_by_a_frozen_requirement(frozen, unchanged, admin_client):
    actor = frozen.requirements.get(key="MSS 1").actors.first()

    response = admin_client.post(delete_url(actor), {"post": "yes"})

    assert response.status_code == 200
    assert "MSS 1" in response.content.decode()
    assert type(actor).objects.filter(pk=actor.pk).exists()


def test_a_frozen_write_that_still_reaches_the_model_is_shown_as_a_message(
    frozen, unchanged, admin_client, monkeypatch
):
    # Simulate a path that forgot the permission check: the model's guard is the last line.
    monkeypatch.setattr(RequirementAdmin, "has_change_permission", lambda self, request, obj=None: True)
    requirement = frozen.requirements.first()
    data = {
        "section": requirement.section_id,
        "key": requirement.key,
        "title": "Réécrit",
        "statement": requirement.statement,
        "position": requirement.position,
        "revision": requirement.revision,
        "actors": list(requirement.actors.values_list("pk", flat=True)),
    }

    response = admin_client.post(change_url(requirement), data, follow=True)

    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert "Cette version est publiée : elle ne peut plus être modifiée." in shown


def test_the_admin_still_changes_a_draft(admin_client):
    draft = filled_version()
    section = draft.sections.get(title="Annuaire")

    response = admin_client.post(
        change_url(section), {"parent": "", "position": section.position, "title": "Annuaire national", "intro": ""}
    )

    assert response.status_code == 302
    section.refresh_from_db()
    assert section.title == "Annuaire national"
    assert section.history.first().history_change_reason == "Modification dans l'administration"


def test_the_conformity_rule_of_a_draft_is_editable_in_its_version_page(admin_client):
    draft = filled_version()

    response = admin_client.get(change_url(draft))

    assert response.status_code == 200
    thresholds = response.context["inline_admin_formsets"][0]
    assert thresholds.has_change_permission and thresholds.has_add_permission


def test_the_conformity_rule_of_a_frozen_version_is_read_only_in_its_version_page(frozen, admin_client):
    response = admin_client.get(change_url(frozen))

    thresholds = response.context["inline_admin_formsets"][0]
    assert not (thresholds.has_change_permission or thresholds.has_add_permission or thresholds.has_delete_permission)


def test_an_actor_of_a_published_requirement_cannot_be_deleted(db):
    from referential.models import Actor
    from tests.factories import ActorFactory, RequirementFactory, freeze

    actor = ActorFactory()
    requirement = RequirementFactory(actors=[actor])
    freeze(requirement.version)
    from django.db import transaction

    with pytest.raises(VersionFrozen), transaction.atomic():
        actor.delete()
    assert Actor.objects.filter(pk=actor.pk).exists()
    assert list(requirement.actors.all()) == [actor]
