"""Reading the referential API: shapes, filters, and who sees which version."""

import pytest

from referential.models import ReferentialVersion
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


@pytest.fixture
def referential():
    return ReferentialFactory(slug="ref1-mssante", code="Ref#1", title="Référentiel opérateurs MSSanté")


@pytest.fixture
def published(referential):
    return freeze(filled_version(referential=referential, number="1.0"))


@pytest.fixture
def draft(referential, published):
    version = filled_version(referential=referential, number="1.1", based_on=published)
    RequirementFactory(version=version, section=version.sections.get(title="Annuaire"), key="MSS 17")
    return version


def version_url(version):
    return f"/api/v1/referentials/{version.referential.slug}/versions/{version.number}/"


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


# Referentials and versions ------------------------------------------------------------------------


def test_referential_list_shows_each_referential_with_its_current_version(api_for, published, draft):
    [item] = results(api_for(None).get("/api/v1/referentials/"))

    assert item["slug"] == "ref1-mssante"
    assert item["code"] == "Ref#1"
    assert item["url"] == "http://testserver/api/v1/referentials/ref1-mssante/"
    assert item["current_version"] == {
        "number": "1.0",
        "status": "published",
        "url": "http://testserver/api/v1/referentials/ref1-mssante/versions/1.0/",
    }
    assert [v["number"] for v in item["versions"]] == ["1.0"]


def test_editor_sees_drafts_in_the_referential_list(api_for, editor, published, draft):
    [item] = results(api_for(editor).get("/api/v1/referentials/"))

    assert [v["number"] for v in item["versions"]] == ["1.1", "1.0"]


def test_referential_detail_lists_readable_versions_newest_first(api_for, referential, published):
    VersionFactory(referential=referential, number="1.10", status=Status.CONSULTATION)
    VersionFactory(referential=referential, number="1.9", status=Status.DRAFT)

    response = api_for(None).get("/api/v1/referentials/ref1-mssante/")

    assert response.status_code == 200
    body = response.json()
    assert [v["number"] for v in body["versions"]] == ["1.10", "1.0"]
    assert body["versions"][0]["status_label"] == "En concertation"
    assert body["versions"][0]["requirements_url"].endswith("/referentials/ref1-mssante/versions/1.10/requirements/")


def test_unknown_referential_is_a_404_with_a_french_detail(api_for, db):
    response = api_for(None).get("/api/v1/referentials/inconnu/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Non trouvé."}


def test_error_detail_follows_accept_language(api_for, db):
    response = api_for(None).get("/api/v1/referentials/inconnu/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_version_list_gives_lineage_and_links(api_for, published, draft, editor):
    versions = results(api_for(editor).get("/api/v1/referentials/ref1-mssante/versions/"))

    assert [(v["number"], v["status"], v["based_on"]) for v in versions] == [
        ("1.1", "draft", "1.0"),
        ("1.0", "published", None),
    ]


def test_version_detail_nests_numbered_chapters_and_their_requirements(api_for, published):
    response = api_for(None).get(version_url(published))

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == "1.0"
    assert body["status"] == "published"
    assert body["referential"] == "ref1-mssante"
    assert body["conformity_thresholds"] == [
        {"level": "bloquante", "max_findings": 0},
        {"level": "majeure", "max_findings": 3},
    ]
    security, directory = body["sections"]
    assert (security["number"], security["title"], security["requirements"]) == ("1", "Sécurité", [])
    [transport] = security["children"]
    assert (transport["number"], transport["title"], transport["depth"]) == ("1.1", "Transport", 2)
    assert [r["key"] for r in transport["requirements"]] == ["MSS 1"]
    assert transport["requirements"][0]["section_number"] == "1.1"
    assert (directory["number"], [r["key"] for r in directory["requirements"]]) == ("2", ["MSS 2"])


def test_requirement_representation(api_for, published):
    response = api_for(None).get(version_url(published) + "requirements/MSS%201/")

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "key": "MSS 1",
        "title": body["title"],
        "statement": "L'opérateur **DOIT** chiffrer les échanges en TLS 1.2 ou supérieur.",
        "statement_html": "<p>L'opérateur <strong>DOIT</strong> chiffrer les échanges en TLS 1.2 ou supérieur.</p>",
        "level": "bloquante",
        "level_label": "Bloquante",
        "actors": ["operateur", "operateur-proxy"],
        "actor_labels": [a.label for a in published.requirements.get(key="MSS 1").actors.order_by("position", "label")],
        "verification_method": "",
        "compliance_deadline": None,
        "section": published.sections.get(title="Transport").pk,
        "section_number": "1.1",
        "position": body["position"],
        "revision": 1,
        "url": "http://testserver/api/v1/referentials/ref1-mssante/versions/1.0/requirements/MSS%201/",
    }


def test_keys_with_dots_and_slashes_are_reachable(api_for, published, editor, referential):
    version = VersionFactory(referential=referential, number="2.0.1")
    RequirementFactory(version=version, key="ECO.1.2/b")

    response = api_for(editor).get(version_url(version) + "requirements/ECO.1.2%2Fb/")

    assert response.status_code == 200
    assert response.json()["key"] == "ECO.1.2/b"


def test_unknown_requirement_is_a_404(api_for, published):
    assert api_for(None).get(version_url(published) + "requirements/MSS 999/").status_code == 404


def test_reference_lists_give_levels_by_rank_and_actors(api_for, published):
    levels = results(api_for(None).get("/api/v1/nonconformity-levels/"))
    actors = results(api_for(None).get("/api/v1/actors/"))

    assert [level["slug"] for level in levels] == ["bloquante", "majeure"]
    assert set(levels[0]) == {"slug", "label", "definition", "rank", "remediation_delay_days"}
    assert {actor["slug"] for actor in actors} == {"operateur", "operateur-proxy"}


# Visibility ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "requirements/", "requirements/MSS%2017/", "compare/1.0/"])
def test_a_draft_is_hidden_from_anonymous_users_and_contributors(api_for, contributor_a, draft, suffix):
    for user in (None, contributor_a):
        response = api_for(user).get(version_url(draft) + suffix)
        assert response.status_code == 404, (user, suffix)


@pytest.mark.parametrize("suffix", ["", "requirements/", "requirements/MSS%2017/"])
def test_an_editor_reads_a_draft(api_for, editor, draft, suffix):
    assert api_for(editor).get(version_url(draft) + suffix).status_code == 200


def test_a_version_in_consultation_is_public(api_for, contributor_a, draft):
    freeze(draft, Status.CONSULTATION)

    for user in (None, contributor_a):
        assert api_for(user).get(version_url(draft)).status_code == 200


def test_drafts_are_left_out_of_lists_for_readers(api_for, contributor_a, published, draft):
    versions = results(api_for(contributor_a).get("/api/v1/referentials/ref1-mssante/versions/"))

    assert [v["number"] for v in versions] == ["1.0"]


# Filters ------------------------------------------------------------------------------------------


def keys(response):
    return [r["key"] for r in results(response)]


def test_requirements_filter_by_level_actor_section_and_text(api_for, published):
    client = api_for(None)
    url = version_url(published) + "requirements/"
    security = published.sections.get(title="Sécurité")

    assert keys(client.get(url)) == ["MSS 1", "MSS 2"]
    assert keys(client.get(url, {"level": "bloquante"})) == ["MSS 1"]
    assert keys(client.get(url, {"actor": "operateur"})) == ["MSS 1", "MSS 2"]
    assert keys(client.get(url, {"actor": "operateur-proxy"})) == ["MSS 1"]
    assert keys(client.get(url, {"section": security.pk})) == ["MSS 1"]  # sub-chapters included
    assert keys(client.get(url, {"q": "mss 2"})) == ["MSS 2"]
    assert keys(client.get(url, {"level": "majeure", "actor": "operateur-proxy"})) == []
    assert keys(client.get(url, {"level": "inconnu"})) == []


def test_text_filter_searches_statements(api_for, editor, referential):
    version = VersionFactory(referential=referential, number="3.0")
    RequirementFactory(version=version, key="MSS 40", statement="Le jeton Pro Santé Connect est vérifié.")
    RequirementFactory(version=version, key="MSS 41")

    response = api_for(editor).get(version_url(version) + "requirements/", {"q": "santé connect"})

    assert keys(response) == ["MSS 40"]


def test_a_malformed_section_filter_is_refused_naming_the_parameter(api_for, published):
    response = api_for(None).get(version_url(published) + "requirements/", {"section": "abc"})

    assert response.status_code == 400
    body = response.json()
    assert "section" in body
    assert body["detail"].startswith("section : ")


def test_filtered_requirements_still_carry_their_chapter_number(api_for, published):
    [requirement] = results(api_for(None).get(version_url(published) + "requirements/", {"level": "majeure"}))

    assert (requirement["key"], requirement["section_number"]) == ("MSS 2", "2")


def test_requirement_list_is_paginated(api_for, editor, referential):
    version = VersionFactory(referential=referential, number="4.0")
    section = SectionFactory(version=version)
    level, actor = LevelFactory(slug="mineure"), ActorFactory(slug="editeur-lps")
    for index in range(5):
        RequirementFactory(version=version, section=section, key=f"LPS {index}", level=level, actors=[actor])

    body = api_for(editor).get(version_url(version) + "requirements/", {"limit": 2, "offset": 2}).json()

    assert body["count"] == 5
    assert [r["key"] for r in body["results"]] == ["LPS 2", "LPS 3"]
    assert body["next"] and body["previous"]
