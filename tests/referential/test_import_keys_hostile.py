"""Keys coming from a ReqIF, XLSX or CSV file are the same identifiers as those typed in a form: two
keys a reader cannot tell apart collide, a key with an invisible character is refused as a problem of
the plan (named, nothing written), and a key re-typed with another case or a no-break space finds the
draft's requirement instead of replacing it."""

import pytest

from referential import services
from referential.import_files import proposed_mapping, read_import_file
from referential.interchange import ImportRefused, plan_import
from tests.factories import ActorFactory, LevelFactory, RequirementFactory, SectionFactory, VersionFactory
from tests.referential.test_spreadsheet_import import csv_upload

pytestmark = pytest.mark.django_db


def row(key, title="Chiffrement"):
    return [key, title, "L'opérateur DOIT chiffrer.", "Sécurité", "bloquante", "operateur", "", ""]


@pytest.fixture
def draft(db):
    LevelFactory(slug="bloquante", label="Bloquante", rank=1)
    ActorFactory(slug="operateur", label="Opérateur MSSanté")
    return VersionFactory(number="0.9")


def plan(draft, rows):
    document = read_import_file(csv_upload(rows, encoding="utf-8"))
    return plan_import(draft, document, proposed_mapping(document)), document


@pytest.mark.parametrize("other", ["qa 17", "QA\u00a017", "QA  17", "QA\u202f17"])
def test_two_keys_a_reader_cannot_tell_apart_are_one_key_in_a_file(draft, other):
    result, _document = plan(draft, [row("QA 17"), row(other, "Autre")])

    assert any("ligne 2" in str(problem) for problem in result.problems), result.problems


@pytest.mark.parametrize("key", ["QA\u200b17", "QA 17\u200e", "QA/17", ".."])
def test_a_key_that_cannot_be_a_key_is_a_problem_of_the_plan_and_nothing_is_written(draft, editor, key):
    result, document = plan(draft, [row(key)])

    assert result.problems

    with pytest.raises(ImportRefused):
        services.import_into_draft(version=draft, document=document, mapping=proposed_mapping(document), by=editor)
    assert not draft.requirements.exists()


def test_a_key_retyped_with_another_case_finds_the_drafts_requirement(draft, editor):
    section = SectionFactory(version=draft, title="Sécurité", position=1)
    existing = RequirementFactory(version=draft, section=section, key="QA 17", title="Chiffrement")

    result, document = plan(draft, [row("qa 17")])

    assert not result.problems
    assert [r.existing for r in result.requirements] == [existing]
    assert result.removed == []
