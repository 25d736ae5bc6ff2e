"""Comparing two versions through the API."""

import pytest

from referential import services
from referential.models import ReferentialVersion, Requirement
from tests.factories import ReferentialFactory, RequirementFactory, filled_version, freeze

pytestmark = pytest.mark.django_db

Status = ReferentialVersion.Status


@pytest.fixture
def versions():
    """1.0 published (MSS 1, MSS 2, MSS 3); 1.1 a draft copied from it, where MSS 1 became
    MSS 1 bis, MSS 2's statement changed, MSS 3 was removed and MSS 4 added."""
    referential = ReferentialFactory(slug="ref1-mssante")
    old = filled_version(referential=referential, number="1.0")
    RequirementFactory(version=old, section=old.sections.get(title="Annuaire"), key="MSS 3")
    freeze(old)
    new = services.start_draft(referential=referential, number="1.1", by=None)

    def copied(key):
        return Requirement.objects.get(version=new, key=key)

    services.update_requirement(requirement=copied("MSS 1"), key="MSS 1 bis", by=None)
    services.update_requirement(
        requirement=copied("MSS 2"),
        statement="L'opérateur **DOIT** chiffrer les échanges en TLS 1.3.", by=None,
    )
    services.delete_requirement(requirement=copied("MSS 3"), by=None)
    services.create_requirement(
        version=new,
        key="MSS 4", title="Nouvelle", statement="Texte.", section=new.sections.get(title="Annuaire"), by=None,
    )
    return old, new


def compare_url(a, b):
    return f"/api/v1/referentials/ref1-mssante/versions/{a}/compare/{b}/"


def test_comparison_lists_each_requirement_with_its_kind_and_keys(api_for, editor, versions):
    response = api_for(editor).get(compare_url("1.0", "1.1"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["referential"] == "ref1-mssante"
    assert (body["old_version"]["number"], body["new_version"]["number"]) == ("1.0", "1.1")
    by_key = {entry["key"]: entry for entry in body["entries"]}
    assert {key: entry["kind"] for key, entry in by_key.items()} == {
        "MSS 1 bis": "renamed",
        "MSS 2": "modified",
        "MSS 3": "removed",
        "MSS 4": "added",
    }
    renamed = by_key["MSS 1 bis"]
    assert (renamed["old_key"], renamed["new_key"], renamed["changes"]) == ("MSS 1", "MSS 1 bis", ["key"])
    assert renamed["old"]["url"].endswith("/versions/1.0/requirements/MSS%201/")
    assert renamed["new"]["url"].endswith("/versions/1.1/requirements/MSS%201%20bis/")
    modified = by_key["MSS 2"]
    assert modified["changes"] == ["statement"]
    assert "<del>" in modified["statement_redline"] and "<ins>" in modified["statement_redline"]
    assert modified["title_redline"] is None
    assert (by_key["MSS 3"]["new"], by_key["MSS 3"]["new_key"]) == (None, None)
    assert (by_key["MSS 4"]["old"], by_key["MSS 4"]["old_key"]) == (None, None)
    assert body["counts"] == {"added": 1, "removed": 1, "modified": 1, "renamed": 1, "moved": 0, "unchanged": 0}


def test_comparing_with_a_draft_is_hidden_from_readers(api_for, contributor_a, versions):
    for user in (None, contributor_a):
        assert api_for(user).get(compare_url("1.0", "1.1")).status_code == 404


def test_comparing_two_frozen_versions_is_public_and_cacheable(api_for, versions):
    old, new = versions
    freeze(old, Status.SUPERSEDED)
    freeze(new)
    client = api_for(None)

    response = client.get(compare_url("1.0", "1.1"))

    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    assert client.get(compare_url("1.0", "1.1"), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_comparing_with_an_unknown_version_is_a_404(api_for, editor, versions):
    assert api_for(editor).get(compare_url("1.0", "9.9")).status_code == 404
