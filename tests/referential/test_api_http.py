"""The API as HTTP: caching of frozen versions, constant query counts, safe HTML, OpenAPI schema."""

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.drainage import GENERATOR_STATS
from openapi_spec_validator import validate

from referential.models import ReferentialVersion, Requirement
from tests.cache_counts import cache_reads
from tests.factories import (
    ActorFactory,
    LevelFactory,
    RequirementFactory,
    ReferentialFactory,
    SectionFactory,
    ThresholdFactory,
    VersionFactory,
    filled_version,
    freeze,
)

pytestmark = pytest.mark.django_db

Status = ReferentialVersion.Status


@pytest.fixture
def referential():
    return ReferentialFactory(slug="ref1-mssante")


@pytest.fixture
def published(referential):
    return freeze(filled_version(referential=referential, number="1.0"))


def version_url(version):
    return f"/api/v1/referentials/{version.referential.slug}/versions/{version.number}/"


# Caching of frozen versions -----------------------------------------------------------------------

FROZEN_READS = ["", "requirements/", "requirements/MSS%201/"]


@pytest.mark.parametrize("suffix", FROZEN_READS)
def test_a_published_version_is_served_with_a_strong_etag_and_a_public_lifetime(api_for, published, suffix):
    response = api_for(None).get(version_url(published) + suffix)

    assert response.status_code == 200
    assert response["ETag"].startswith('"') and len(response["ETag"]) == 66
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert "public" in cache_control
    assert "max-age=3600" in cache_control


@pytest.mark.parametrize("suffix", FROZEN_READS)
def test_a_current_etag_gets_304_without_a_body(api_for, published, suffix):
    client = api_for(None)
    etag = client.get(version_url(published) + suffix)["ETag"]

    response = client.get(version_url(published) + suffix, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert "public" in response["Cache-Control"]


def test_the_etag_is_the_same_for_every_reader_and_changes_when_the_version_is_superseded(
    api_for, contributor_a, published
):
    etag = api_for(None).get(version_url(published))["ETag"]
    assert api_for(contributor_a).get(version_url(published))["ETag"] == etag

    freeze(published, Status.SUPERSEDED)
    response = api_for(None).get(version_url(published), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response.json()["status"] == "superseded"
    assert response["ETag"] != etag


def test_each_filtered_list_has_its_own_etag(api_for, published):
    client = api_for(None)
    url = version_url(published) + "requirements/"

    assert client.get(url)["ETag"] != client.get(url, {"level": "majeure"})["ETag"]


def test_each_language_has_its_own_etag(api_for, published):
    client = api_for(None)

    french = client.get(version_url(published), HTTP_ACCEPT_LANGUAGE="fr")
    english = client.get(version_url(published), HTTP_ACCEPT_LANGUAGE="en")

    assert french["ETag"] != english["ETag"]
    assert "Accept-Language" in french["Vary"]


@pytest.mark.parametrize("status", [Status.DRAFT, Status.CONSULTATION])
@pytest.mark.parametrize("suffix", FROZEN_READS)
def test_a_version_that_can_still_change_is_never_stored_by_caches(api_for, editor, referential, status, suffix):
    version = filled_version(referential=referential, number="1.1")
    if status != Status.DRAFT:
        freeze(version, status)

    response = api_for(editor).get(version_url(version) + suffix)

    assert response.status_code == 200
    assert not response.has_header("ETag")
    assert {part.strip() for part in response["Cache-Control"].split(",")} == {"private", "no-store"}


def test_the_browsable_page_of_a_published_version_is_not_shared(api_for, published):
    response = api_for(None).get(version_url(published), HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert not response.has_header("ETag")
    assert "public" not in response["Cache-Control"]


# Query counts -------------------------------------------------------------------------------------


def version_with(referential, number, count):
    """A published version of ``count`` requirements over three chapters (one nested), each with
    a level and two actors. Rows are bulk-inserted: this is set-up, not the code under test."""
    version = VersionFactory(referential=referential, number=number)
    security = SectionFactory(version=version, title="Sécurité", position=1)
    transport = SectionFactory(version=version, parent=security, title="Transport", position=1)
    directory = SectionFactory(version=version, title="Annuaire", position=2)
    chapters = [security, transport, directory]
    level = LevelFactory(slug="majeure")
    actors = [ActorFactory(slug="operateur"), ActorFactory(slug="editeur-lps")]
    requirements = Requirement.objects.bulk_create(
        Requirement(
            version=version,
            section=chapters[index % 3],
            key=f"MSS {index}",
            title=f"Exigence {index}",
            statement="L'opérateur **DOIT** chiffrer les échanges.",
            level=level,
            position=index,
        )
        for index in range(count)
    )
    through = Requirement.actors.through
    through.objects.bulk_create(
        through(requirement_id=requirement.pk, actor_id=actor.pk) for requirement in requirements for actor in actors
    )
    ThresholdFactory(version=version, level=level)
    return version


def queries_for(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("suffix", "params"),
    [
        ("", {}),
        ("requirements/", {"limit": 500}),
        ("requirements/", {"limit": 500, "actor": "operateur", "level": "majeure", "q": "exigence"}),
    ],
)
@pytest.mark.parametrize("frozen", [True, False])
def test_reads_run_the_same_queries_for_10_and_300_requirements(
    api_for, editor, referential, suffix, params, frozen
):
    small, large = version_with(referential, "1.0", 10), version_with(referential, "2.0", 300)
    if frozen:
        freeze(small, Status.SUPERSEDED)
        freeze(large)
    client = api_for(editor)
    # The editor's role is looked up once per user, not per request (a URL of its own: the answers
    # measured below must be built, not read from the server's cache).
    # Both versions' rows are read once here too: a frozen version's row is then kept in the process's
    # memory (referential.page_cache), and both answers below find it there.
    for version in (small, large):
        client.get(version_url(version) + "requirements/?limit=1")

    counts = [queries_for(client, version_url(version) + suffix, **params) for version in (small, large)]

    assert counts[0] == counts[1], counts
    # 5 measured: version, thresholds or count, chapters, requirements, actors. An answer about frozen
    # versions also looks up and stores its body in the server's cache (the database cache: the labels'
    # generation, the lookup, then the store with its expiry check and cull), a constant 7 more. The
    # version's lookup first reads the pages' generation (a cache read): for a frozen version kept in
    # memory it replaces the version's query; a draft's is then read as before (was 6 for drafts).
    assert counts[0] <= (13 if frozen else 6 + cache_reads(1)), counts


def test_the_large_list_really_serialized_every_requirement(api_for, referential):
    large = freeze(version_with(referential, "2.0", 300))

    body = api_for(None).get(version_url(large) + "requirements/", {"limit": 500}).json()

    assert body["count"] == 300
    assert len(body["results"]) == 300
    assert {r["section_number"] for r in body["results"]} == {"1", "1.1", "2"}


# Markdown safety ----------------------------------------------------------------------------------


class _Elements(HTMLParser):
    """The elements and attributes a browser would build from the HTML."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.attributes = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)


HOSTILE = (
    "Avant <script>alert(1)</script>\n\n"
    "<img src=http://evil.example/x.png onerror=alert(1)>\n\n"
    "Voir [x](javascript:alert(1))."
)


def assert_inert(html):
    assert "<script" not in html
    assert "<img" not in html
    assert "javascript:" not in html
    built = _Elements(html)
    assert not {"script", "img", "iframe"} & set(built.tags)
    # Raw HTML is shown as the text it is (escaped), so « onerror=… » may be read, never run.
    assert not [name for name, _ in built.attributes if name.startswith("on")]
    assert not [value for name, value in built.attributes if name in {"href", "src"}]


def test_hostile_markdown_comes_out_inert_in_every_representation(api_for, editor, referential):
    draft = filled_version(referential=referential, number="1.1")
    client = api_for(editor)
    url = version_url(draft) + "requirements/"

    created = client.post(
        url,
        {"key": "MSS 66", "title": "Piège", "statement": HOSTILE, "section": draft.sections.first().pk},
        format="json",
    )

    assert created.status_code == 201, created.content
    assert created.json()["statement"] == HOSTILE  # what the editor wrote is kept verbatim
    assert_inert(created.json()["statement_html"])
    assert_inert(client.get(url + "MSS%2066/").json()["statement_html"])
    listed = {r["key"]: r for r in client.get(url).json()["results"]}
    assert_inert(listed["MSS 66"]["statement_html"])
    nested = [
        r
        for chapter in client.get(version_url(draft)).json()["sections"]
        for node in [chapter, *chapter["children"]]
        for r in node["requirements"]
    ]
    assert_inert(next(r for r in nested if r["key"] == "MSS 66")["statement_html"])


def test_script_text_is_escaped_not_dropped(api_for, editor, referential):
    draft = filled_version(referential=referential, number="1.1")
    response = api_for(editor).patch(version_url(draft) + "requirements/MSS%201/", {"statement": HOSTILE, "revision": 1}, format="json")

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.json()["statement_html"]


# OpenAPI ------------------------------------------------------------------------------------------


def test_the_openapi_schema_is_valid_and_lists_the_referential_endpoints(api_for, db):
    GENERATOR_STATS.reset()

    response = api_for(None).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    paths = schema["paths"]
    for path, methods in {
        "/api/v1/referentials/": {"get"},
        "/api/v1/referentials/{slug}/": {"get"},
        "/api/v1/referentials/{slug}/versions/": {"get"},
        "/api/v1/referentials/{slug}/versions/{number}/": {"get"},
        "/api/v1/referentials/{slug}/versions/{number}/requirements/": {"get", "post"},
        "/api/v1/referentials/{slug}/versions/{number}/requirements/{key}/": {"get", "patch", "delete"},
        "/api/v1/referentials/{slug}/versions/{number}/compare/{other}/": {"get"},
        "/api/v1/nonconformity-levels/": {"get"},
        "/api/v1/actors/": {"get"},
    }.items():
        assert methods <= set(paths[path]), path
    list_parameters = {p["name"] for p in paths["/api/v1/referentials/{slug}/versions/{number}/requirements/"]["get"]["parameters"]}
    assert {"level", "actor", "section", "q"} <= list_parameters


def test_the_referential_api_generates_its_schema_without_warnings(api_for, db):
    GENERATOR_STATS.reset()

    api_for(None).get("/api/schema/", {"format": "json"})

    # drf-spectacular keeps what it warned about; each message starts with the source file.
    ours = [m for m in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache] if "referential/api/" in m]
    assert ours == []


def test_the_api_documentation_page_answers(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_a_frozen_version_is_built_once_then_served_from_the_cache(api_for, referential, editor):
    version = freeze(version_with(referential, "1.0", 30))
    client = api_for(None)
    built = queries_for(client, version_url(version))
    client.get(version_url(version), HTTP_ACCEPT="application/json")
    served = queries_for(client, version_url(version))
    assert served < built
    level = version.requirements.exclude(level=None).first().level
    level.label = "Libellé changé"
    level.save()
    assert queries_for(client, version_url(version)) == built  # built again: it may print that label
    draft = version_with(referential, "2.0", 3)
    editor_client = api_for(editor)
    before = editor_client.get(version_url(draft)).json()
    RequirementFactory(version=draft, section=draft.sections.first(), key="NOUVELLE 1")
    assert editor_client.get(version_url(draft)).json() != before  # a draft is never served stale
