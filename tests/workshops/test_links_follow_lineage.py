"""Links follow the requirement, not its key: a RIDA item linked to « QA 2 » of 1.0 stays on that
requirement's lineage when 1.1 swaps « QA 2 » and « QA 3 » (answers' ``carried_by`` and the
consultation trail: tests/consultation/test_requirement_trail.py)."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from referential import services
from referential.models import ReferentialVersion, Requirement
from tests.factories import ActorFactory, LevelFactory, ReferentialFactory, SectionFactory, VersionFactory
from workshops import services as workshop_services
from workshops.models import RidaRequirementLink
from workshops.queries import resolve_links, rida_items_for_requirement

from .factories import RidaItemFactory, WorkshopFactory

pytestmark = pytest.mark.django_db


def in_version(version, key):
    return Requirement.objects.get(version=version, key=key)


def publish(version, by):
    return services.publish_version(version=ReferentialVersion.objects.get(pk=version.pk), by=by)


def swap(draft, a, b):
    """Swap two keys of a draft through the services, as an editor would (through a free key)."""
    first, second = in_version(draft, a), in_version(draft, b)
    services.update_requirement(requirement=first, key="TMP 0", by=None)
    services.update_requirement(requirement=second, key=a, by=None)
    services.update_requirement(requirement=in_version(draft, "TMP 0"), key=b, by=None)


@pytest.fixture
def v10(editor):
    version = VersionFactory(referential=ReferentialFactory(slug="ref-qa", code="QA"), number="1.0")
    section = SectionFactory(version=version, title="Qualité")
    level, actor = LevelFactory(slug="majeure"), ActorFactory(slug="operateur")
    for n in (1, 2, 3):
        services.create_requirement(
            version=version, section=section, key=f"QA {n}", title=f"Exigence QA {n} de la 1.0",
            statement=f"Énoncé {n}.", level=level, actors=[actor], by=editor,
        )
    return publish(version, editor)


@pytest.fixture
def swapped(v10, editor):
    """1.0 published, a RIDA item linked to its QA 2, then 1.1 (from 1.0) swapping QA 2 and QA 3, published."""
    item = RidaItemFactory(workshop=WorkshopFactory(held_on=timezone.localdate()), number=7, object="À propos de QA 2")
    workshop_services.link_requirement(item=item, referential=v10.referential, key="QA 2")
    v11 = services.start_draft(referential=v10.referential, number="1.1", by=editor)
    swap(v11, "QA 2", "QA 3")
    return item, publish(v11, editor)


def test_the_link_keeps_the_requirement_its_key_named(swapped, v10):
    item, _v11 = swapped
    [link] = item.requirement_links.all()

    assert link.anchor == in_version(v10, "QA 2")


def test_a_rida_item_stays_on_its_requirements_lineage_when_keys_are_swapped(swapped, v10):
    item, v11 = swapped
    # In 1.1 the requirement that was QA 2 is now QA 3, and QA 2 is the former QA 3.
    assert in_version(v11, "QA 3").origin == in_version(v10, "QA 2")

    assert rida_items_for_requirement(in_version(v10, "QA 2")) == [item]
    assert rida_items_for_requirement(in_version(v11, "QA 3")) == [item]
    assert rida_items_for_requirement(in_version(v11, "QA 2")) == []
    assert rida_items_for_requirement(in_version(v10, "QA 3")) == []


def test_the_link_opens_the_requirement_as_it_stands_today(swapped):
    item, v11 = swapped
    [link] = item.requirement_links.all()

    resolve_links([link])

    assert link.requirement == in_version(v11, "QA 3")
    assert link.url == in_version(v11, "QA 3").get_absolute_url()


def test_the_minutes_and_the_requirement_pages_agree(swapped, anonymous):
    item, v11 = swapped

    minutes = anonymous.get(item.workshop.get_absolute_url()).content.decode()
    on_qa3 = anonymous.get(in_version(v11, "QA 3").get_absolute_url()).content.decode()
    on_qa2 = anonymous.get(in_version(v11, "QA 2").get_absolute_url()).content.decode()

    assert f'href="{in_version(v11, "QA 3").get_absolute_url()}"' in minutes
    assert "aujourd’hui QA 3" in minutes
    assert "À propos de QA 2" in on_qa3 and "À propos de QA 2" not in on_qa2


def test_a_link_key_is_resolved_in_its_normalised_form(v10):
    item = RidaItemFactory(workshop=WorkshopFactory(held_on=timezone.localdate()))

    link = workshop_services.link_requirement(item=item, referential=v10.referential, key="qa\u00a02 ")

    assert link.requirement_key == "qa 2"
    assert link.anchor == in_version(v10, "QA 2")
    with pytest.raises(Exception, match="déjà lié"):
        workshop_services.link_requirement(item=item, referential=v10.referential, key="QA 2")
    with pytest.raises(Exception, match="invisible"):
        workshop_services.link_requirement(item=item, referential=v10.referential, key="QA\u200b3")


def test_a_link_to_a_key_that_named_nothing_yet_finds_it_once_it_exists(v10, editor):
    item = RidaItemFactory(workshop=WorkshopFactory(held_on=timezone.localdate()))
    link = workshop_services.link_requirement(item=item, referential=v10.referential, key="QA 9")
    assert link.anchor is None
    v11 = services.start_draft(referential=v10.referential, number="1.1", by=editor)
    services.create_requirement(
        version=v11, section=v11.sections.get(), key="QA 9", title="Nouvelle", statement="Nouvelle.",
        level=LevelFactory(slug="majeure"), actors=[ActorFactory(slug="operateur")], by=editor,
    )
    v11 = publish(v11, editor)

    resolve_links([link])

    assert link.requirement == in_version(v11, "QA 9")
    assert rida_items_for_requirement(in_version(v11, "QA 9")) == [item]


def test_the_migration_anchors_existing_links_in_the_version_of_the_workshop_day(swapped, v10):
    item, _v11 = swapped
    # A link as stored before: a key with a no-break space, no anchor; the workshop was held while 1.0
    # applied (1.1, where « QA 2 » is another requirement, applies from today).
    RidaRequirementLink.objects.filter(rida_item=item).update(requirement_key="QA\u00a02", anchor=None)
    ReferentialVersion._base_manager.filter(pk=v10.pk).update(published_at=timezone.now() - timedelta(days=30))
    type(item.workshop).objects.filter(pk=item.workshop_id).update(held_on=timezone.localdate() - timedelta(days=10))
    migration = importlib.import_module("workshops.migrations.0002_rida_link_anchor")

    migration.anchor_links(django_apps, None)

    [link] = item.requirement_links.all()
    assert (link.requirement_key, link.anchor) == ("QA 2", in_version(v10, "QA 2"))
