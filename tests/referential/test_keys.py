"""Keys are clean identifiers: normalised on every path, refused when invisible or URL-unsafe, and
two keys a reader cannot tell apart collide."""

import importlib
import json
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import models

from referential import services
from referential import importers
from referential.document_reader import InvalidDocument, read_document
from referential.keys import key_identity, key_problem, normalise_key
from referential.models import Referential, Requirement
from tests.factories import RequirementFactory, VersionFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_a_key_is_stored_in_one_form():
    assert normalise_key("  QA\u00a0\u00a017 ") == "QA 17"
    assert normalise_key("E\u0301CO.1") == "ÉCO.1"
    assert key_identity("QA 17") == key_identity("qa 17") == key_identity("QA\u00a017")


@pytest.mark.parametrize("key", ["QA\u200b17", "QA\n17", "QA\x0017", "QA/17", "QA?17", "QA#17", "QA%17"])
def test_invisible_or_url_unsafe_characters_are_refused_with_a_reason(key):
    assert key_problem(normalise_key(key))


@pytest.mark.parametrize("clash", ["qa 17", "QA\u00a017", "  QA 17 "])
def test_keys_a_reader_cannot_tell_apart_cannot_coexist_in_a_version(clash, editor):
    existing = RequirementFactory(key="QA 17")

    with pytest.raises(ValidationError) as excinfo:
        services.create_requirement(
            version=existing.version, section=existing.section, key=clash, title="Autre", statement="…", by=editor
        )

    assert "key" in excinfo.value.message_dict
    assert existing.version.requirements.count() == 1


def test_a_renamed_key_is_normalised_and_checked(editor):
    requirement = RequirementFactory(key="QA 1")

    services.update_requirement(requirement=requirement, key=" QA\u00a0\u00a02 ", by=editor)
    requirement.refresh_from_db()
    assert requirement.key == "QA 2"

    with pytest.raises(ValidationError) as excinfo:
        services.update_requirement(requirement=requirement, key="QA\u200b2", by=editor)
    assert "U+200B" in excinfo.value.message_dict["key"][0]


def test_the_api_refuses_an_invisible_key_naming_the_field(api_for, editor):
    requirement = RequirementFactory(key="QA 1")
    version = requirement.version
    url = f"/api/v1/referentials/{version.referential.slug}/versions/{version.number}/requirements/"

    response = api_for(editor).post(
        url, {"key": "QA\u200b9", "title": "T", "statement": "S", "section": requirement.section_id}, format="json"
    )

    assert response.status_code == 400
    assert "key" in response.json()


def test_an_import_with_keys_a_reader_cannot_tell_apart_is_refused(db):
    importers.import_levels(read_document(FIXTURES / "levels.json"))
    importers.import_actors(read_document(FIXTURES / "actors.json"))
    document = json.loads((FIXTURES / "ref1-mssante.json").read_text(encoding="utf-8"))
    document["versions"][0]["chapters"][0]["requirements"][1]["key"] = "mss\u00a01"

    with pytest.raises(InvalidDocument) as refused:
        importers.import_referential(document, source="ref1-mssante.json")

    assert any("en double" in problem for problem in refused.value.problems)
    assert not Referential.objects.exists()


def test_the_migration_reports_keys_that_collide_or_hold_invisible_characters():
    version = VersionFactory()
    RequirementFactory(version=version, key="QA 17")
    other = RequirementFactory(version=version, key="QA 18")
    hidden = RequirementFactory(version=version, key="QA 19")
    # Rows stored before the rules (no service would write them today).
    models.QuerySet.update(Requirement.objects.filter(pk=other.pk), key="qa 17")
    models.QuerySet.update(Requirement.objects.filter(pk=hidden.pk), key="QA\u200b19")
    migration = importlib.import_module("referential.migrations.0004_report_key_collisions")

    report = migration.key_report(django_apps)

    assert any("indiscernables" in line and "'QA 17'" in line and "'qa 17'" in line for line in report)
    assert any("invisible" in line and "QA\\u200b19" in line for line in report)
