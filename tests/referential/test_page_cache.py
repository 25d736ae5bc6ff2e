"""A published version's page body is rendered once per content and language, then served from the
cache: the same HTML as an uncached rendering, fewer queries, and never stale — a relabelled level,
another language or a draft each get their own rendering."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referential.models import ReferentialVersion
from tests.cache_counts import cache_reads
from tests.factories import RequirementFactory, SectionFactory, VersionFactory, filled_version, freeze


def published():
    return freeze(filled_version())

pytestmark = pytest.mark.django_db


def fetch(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def main_of(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def test_a_cached_page_is_the_uncached_page_with_fewer_queries(anonymous, settings):
    version = published()
    assert version.status == ReferentialVersion.Status.PUBLISHED
    first, cold = fetch(anonymous, version.get_absolute_url())
    second, warm = fetch(anonymous, version.get_absolute_url())
    assert main_of(second) == main_of(first)
    assert warm <= cold - 3  # chapters, requirements and their actors are not read again
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    uncached, _ = fetch(anonymous, version.get_absolute_url())
    assert main_of(uncached) == main_of(first)


def test_each_language_has_its_own_rendering(anonymous):
    version = published()
    french, _ = fetch(anonymous, version.get_absolute_url())
    anonymous.cookies["django_language"] = "en"
    english, _ = fetch(anonymous, version.get_absolute_url())
    assert "Sommaire" in french and "Sommaire" not in english


def test_relabelling_a_level_shows_at_once(anonymous):
    version = published()
    requirement = version.requirements.select_related("level").exclude(level=None).first()
    fetch(anonymous, version.get_absolute_url())
    level = requirement.level
    level.label = "Niveau renommé pour le test"
    level.save()
    html, _ = fetch(anonymous, version.get_absolute_url())
    assert "Niveau renommé pour le test" in html


def test_filtered_pages_and_drafts_are_computed_each_time(anonymous, client_for, editor):
    version = published()
    fetch(anonymous, version.get_absolute_url())
    key = version.requirements.order_by("position").first().key
    html, _ = fetch(anonymous, version.get_absolute_url(), q=key)
    assert "correspond" in html  # the filtered count, not the cached whole document
    draft = VersionFactory(number="2.0", referential=version.referential)
    RequirementFactory(version=draft, section=SectionFactory(version=draft, title="Brouillon"), key="BR 1", title="Premier jet")
    editor_client = client_for(editor)
    _, first = fetch(editor_client, draft.get_absolute_url())
    _, second = fetch(editor_client, draft.get_absolute_url())
    assert first == second
    RequirementFactory(version=draft, section=draft.sections.get(), key="BR 2", title="Second jet")
    html, _ = fetch(editor_client, draft.get_absolute_url())
    assert "Second jet" in html  # an editor never sees a stale draft


def test_the_body_is_typeset_once_in_french_and_left_alone_after(anonymous):
    version = filled_version()
    RequirementFactory(version=version, section=version.sections.first(), key="MSS 9", title="Titre", statement="L'opérateur **DOIT** : chiffrer.")
    version = freeze(version)
    html, _ = fetch(anonymous, version.get_absolute_url())
    body = html[html.index("<!--typeset-->"):html.index("<!--/typeset-->")]
    assert "L\u2019opérateur" in body and "\u202f:" in body
    anonymous.cookies["django_language"] = "en"
    english, _ = fetch(anonymous, version.get_absolute_url())
    assert "<!--typeset-->" not in english and "L'opérateur" in english.replace("&#x27;", "'")


def test_a_warm_published_page_reads_only_the_version_the_generation_and_the_consultation(anonymous, client_for, editor):
    """Once its body is cached (in the shared cache and in this process's memory), a published
    version's page reads neither its requirements, nor its filter choices, nor its thresholds."""
    version = published()
    fetch(anonymous, version.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        assert anonymous.get(version.get_absolute_url()).status_code == 200
    tables = " ".join(query["sql"].split(" FROM ")[1].split()[0] for query in queries.captured_queries if " FROM " in query["sql"])
    # An anonymous reader's warm page is kept whole in memory (test_whole_page_cache): the pages'
    # generation (a cache read) only — no longer the version and its consultation (was 2 + cache_reads(1)).
    assert len(queries) == cache_reads(1), tables
    for table in ("requirement", "actor", "nonconformitylevel", "conformitythreshold", "section"):
        assert f"referential_{table}\"" not in tables
    editor_client = client_for(editor)
    fetch(editor_client, version.get_absolute_url())
    _, warm = fetch(editor_client, version.get_absolute_url())
    # signed in: the pages' generation (a cache read: the version row kept in memory, was its
    # query), the labels' generation, its consultation; session, user, groups, second factor (accounts.mfa)
    assert warm == 1 + cache_reads(2) + 4


def test_the_body_kept_in_memory_answers_without_the_shared_cache_entry(anonymous):
    from django.core.cache import cache

    from referential import page_cache
    from django.utils.translation import get_language

    version = published()
    first, _ = fetch(anonymous, version.get_absolute_url())
    key = page_cache.body_key(version, get_language())
    cache.delete(key)  # the shared entry evicted: this process still has the body
    second, _ = fetch(anonymous, version.get_absolute_url())
    assert main_of(second) == main_of(first)
    assert cache.get(key) is None  # read from memory, not rendered again


def test_a_lost_generation_restarts_from_a_new_random_number(anonymous):
    """Memory never serves a body under a key that could name another one: when the shared cache
    loses the generation (cleared, evicted), every key changes."""
    from django.core.cache import cache

    from referential import page_cache

    version = published()
    fetch(anonymous, version.get_absolute_url())
    before = page_cache.labels_generation()
    assert page_cache.labels_generation() == before
    cache.clear()
    assert page_cache.labels_generation() != before


def test_a_filter_by_level_or_actor_still_reads_the_choices(anonymous):
    version = published()
    requirement = version.requirements.select_related("level").exclude(level=None).first()
    html, _ = fetch(anonymous, version.get_absolute_url(), level=requirement.level.slug)
    assert "correspond" in html
    unknown, _ = fetch(anonymous, version.get_absolute_url(), level="inconnu")  # a stale link filters nothing
    whole, _ = fetch(anonymous, version.get_absolute_url())
    assert main_of(unknown) == main_of(whole)


def test_the_conformity_rule_is_part_of_the_cached_body(anonymous):
    version = published()
    assert version.thresholds.exists()
    first, _ = fetch(anonymous, version.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        second = anonymous.get(version.get_absolute_url()).content.decode()
    assert "Règle de conformité" in first
    assert main_of(second) == main_of(first)
    assert not any("conformitythreshold" in query["sql"] for query in queries.captured_queries)


def test_no_template_comment_leaks_into_the_page(anonymous):
    version = published()
    html, _ = fetch(anonymous, version.get_absolute_url())
    assert "{#" not in html and "#}" not in html
