"""A requirement's page lists the RIDA items that concern it, across workshops and versions."""

import pytest
from django.template.loader import render_to_string

from tests.factories import ReferentialFactory, RequirementFactory, VersionFactory, editor_user, freeze
from workshops.models import Workshop
from workshops.queries import rida_items_for_requirement

from .factories import LinkFactory, RidaItemFactory, WorkshopFactory, seed_workshop

pytestmark = pytest.mark.django_db


def ref1_versions():
    referential = ReferentialFactory(slug="ref1-mssante", code="Ref#1")
    v1 = VersionFactory(referential=referential, number="1.0")
    old17 = RequirementFactory(version=v1, key="MSS 17")
    RequirementFactory(version=v1, key="MSS 19")
    freeze(v1)
    v2 = VersionFactory(referential=referential, number="1.1", based_on=v1)
    # MSS 17 became MSS 17.1 in 1.1: same lineage, new key.
    new17 = RequirementFactory(version=v2, key="MSS 17.1", origin=old17)
    return referential, old17, new17


def test_items_linked_by_key_are_found_in_every_version_of_the_requirement():
    referential, old17, new17 = ref1_versions()
    workshop = seed_workshop()
    assert [item.number for item in rida_items_for_requirement(old17)] == [11]
    assert [item.number for item in rida_items_for_requirement(new17)] == [11]
    assert rida_items_for_requirement(new17)[0].workshop == workshop


def test_items_of_draft_workshops_are_for_editors_only():
    referential, old17, _new17 = ref1_versions()
    draft = WorkshopFactory(status=Workshop.Status.DRAFT)
    LinkFactory(rida_item=RidaItemFactory(workshop=draft, number=1), referential=referential, requirement_key="MSS 17")
    assert rida_items_for_requirement(old17) == []
    assert len(rida_items_for_requirement(old17, user=editor_user())) == 1


def test_a_link_to_another_referential_does_not_match():
    referential, old17, _new17 = ref1_versions()
    other = ReferentialFactory()
    LinkFactory(rida_item=RidaItemFactory(workshop=WorkshopFactory()), referential=other, requirement_key="MSS 17")
    assert rida_items_for_requirement(old17) == []


def test_the_include_lists_the_items_and_renders_nothing_without_any():
    referential, old17, _new17 = ref1_versions()
    seed_workshop()
    html = render_to_string("workshops/_requirement_rida.html", {"rida_items": rida_items_for_requirement(old17)})
    assert "Dans les ateliers" in html
    assert "TF MSSanté – Atelier technique #4" in html and "#rida-11" in html
    assert "BAL existante mais dépubliée" in html
    assert render_to_string("workshops/_requirement_rida.html", {"rida_items": []}).strip() == ""


def test_the_query_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    referential, old17, _new17 = ref1_versions()
    for number in range(1, 30):
        LinkFactory(rida_item=RidaItemFactory(workshop=WorkshopFactory()), referential=referential, requirement_key="MSS 17")
    with django_assert_max_num_queries(6):
        items = rida_items_for_requirement(old17)
        [item.workshop.title for item in items]
    assert len(items) == 29


def test_the_requirement_page_lists_the_workshop_items_about_it(anonymous):
    _referential, old17, new17 = ref1_versions()
    seed_workshop()
    unrelated = RequirementFactory(version=new17.version, key="MSS 99")  # before the text is frozen
    freeze(new17.version, "consultation")
    page = anonymous.get(new17.get_absolute_url()).content.decode()
    assert "Dans les ateliers" in page
    assert "BAL existante mais dépubliée" in page
    other = anonymous.get(unrelated.get_absolute_url()).content.decode()
    assert "Dans les ateliers" not in other
