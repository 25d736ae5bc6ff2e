"""Each public page runs the same number of SQL queries whatever the size of what it shows:
templates never query in a loop, ``queries.py`` prefetches."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referential import services
from referential.models import ReferentialVersion
from tests.cache_counts import cache_reads
from tests.factories import (
    ActorFactory,
    LevelFactory,
    ReferentialFactory,
    RequirementFactory,
    SectionFactory,
    ThresholdFactory,
    VersionFactory,
    freeze,
)

pytestmark = pytest.mark.django_db


def queries_for(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


@pytest.fixture
def catalogue(db):
    levels = [
        LevelFactory(slug="bloquante", rank=1),
        LevelFactory(slug="majeure", rank=2),
        LevelFactory(slug="mineure", rank=3),
    ]
    actors = [ActorFactory(slug="operateur"), ActorFactory(slug="editeur-lps"), ActorFactory(slug="proxy")]
    return levels, actors


def published_version(catalogue, size: int, *, slug: str) -> ReferentialVersion:
    """A published version of ``size`` requirements over nested chapters, each with a level and two actors."""
    levels, actors = catalogue
    version = VersionFactory(referential=ReferentialFactory(slug=slug), number="1.0")
    top = SectionFactory(version=version, title="Principes", position=1)
    security = SectionFactory(version=version, title="Sécurité", position=2)
    sections = [top, security, SectionFactory(version=version, parent=security, title="Chiffrement", position=1)]
    for index in range(size):
        RequirementFactory(
            version=version,
            section=sections[index % 3],
            key=f"MSS {index + 1}",
            statement=f"L'opérateur **DOIT** respecter la règle {index}.",
            level=levels[index % 3],
            actors=actors[index % 2 : index % 2 + 2],
            verification_method="Audit",
        )
    for level in levels:
        ThresholdFactory(version=version, level=level, max_findings=level.rank)
    return freeze(version)


def next_version(version: ReferentialVersion) -> ReferentialVersion:
    """1.1, copied from ``version`` and changed a little, in consultation."""
    draft = services.start_draft(referential=version.referential, number="1.1", by=None)
    requirements = list(draft.requirements.order_by("position")[:3])
    services.update_requirement(requirement=requirements[0], statement="Texte revu.", by=None)
    services.update_requirement(requirement=requirements[1], key="MSS renommée", by=None)
    services.delete_requirement(requirement=requirements[2], by=None)
    return freeze(draft, ReferentialVersion.Status.CONSULTATION)


@pytest.fixture
def small_and_large(catalogue):
    return published_version(catalogue, 10, slug="petit"), published_version(catalogue, 300, slug="grand")


@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_version_page_queries_do_not_grow_with_requirements(who, small_and_large, client_for, editor):
    client = client_for(editor if who == "editor" else None)
    small, large = small_and_large
    counts = [queries_for(client, version.get_absolute_url()) for version in (small, large)]
    assert counts[0] == counts[1], f"version page ({who}), 10 vs 300 requirements: {counts}"
    # version, the labels' generation (the first read of the cache: its lookup, its random start
    # stored), the body's lookup, then its rendering — conformity rule, levels and actors of the
    # filters, chapters, requirements, their actors — and its store (with expiry check and cull);
    # its consultation (the banner); a signed-in editor adds session, user, groups and whether they
    # have a second factor (accounts.mfa). Then, since
    # pages and version rows are kept in each process's memory (referential.page_cache), the pages'
    # generation (one cache read) before the version's lookup, and before the anonymous reader's
    # page is looked for: the price, once, of the warm counts below.
    assert counts[0] <= (8 + cache_reads(2) if who == "anonymous" else 12 + cache_reads(1)) + 7, counts
    # Warm, the body comes from memory: the version, the labels' generation, its consultation; for an
    # anonymous reader the whole page comes from memory (referential.page_cache): only the pages'
    # generation is read (was 2 + cache_reads(1) before whole pages were kept).
    warm = [queries_for(client, version.get_absolute_url()) for version in (small, large)]
    # A signed-in reader's version row comes from memory too: the pages' generation (a cache read) in
    # place of the version's query (was 2 + cache_reads(1) + 4).
    expected = cache_reads(1) if who == "anonymous" else 1 + cache_reads(2) + 4
    assert warm == [expected, expected], warm


def test_filtered_version_page_queries_do_not_grow_with_requirements(small_and_large, anonymous):
    counts = []
    for version in small_and_large:
        chapter = version.sections.get(title="Sécurité")
        counts.append(
            queries_for(anonymous, version.get_absolute_url(), level="majeure", actor="operateur", section=chapter.pk, q="DOIT")
        )
    assert counts[0] == counts[1], f"filtered version page, 10 vs 300 requirements: {counts}"


def test_comparison_page_queries_do_not_grow_with_requirements(small_and_large, anonymous):
    counts = []
    for version in small_and_large:
        newer = next_version(version)
        slug = version.referential.slug
        counts.append(queries_for(anonymous, f"/referentiels/{slug}/comparer/{version.number}/{newer.number}/"))
    assert counts[0] == counts[1], f"comparison page, 10 vs 300 requirements: {counts}"


def test_requirement_page_queries_do_not_grow_with_versions(catalogue, anonymous):
    short = published_version(catalogue, 3, slug="court")
    long = published_version(catalogue, 3, slug="long")
    for number in ("1.1", "1.2", "1.3", "1.4"):
        draft = services.start_draft(referential=long.referential, number=number, by=None)
        ReferentialVersion.objects.filter(referential=long.referential, status="published").update(status="superseded")
        long = freeze(draft)
    counts = [
        queries_for(anonymous, version.requirements.get(key="MSS 1").get_absolute_url()) for version in (short, long)
    ]
    assert counts[0] == counts[1], f"requirement page, 1 vs 5 versions: {counts}"


def test_home_queries_do_not_grow_with_referentials(catalogue, anonymous):
    published_version(catalogue, 2, slug="seul")
    first = queries_for(anonymous, "/")
    for index in range(6):
        version = published_version(catalogue, 3, slug=f"autre-{index}")
        next_version(version)
    second = queries_for(anonymous, "/")
    assert first == second, f"home, 1 vs 7 referentials: {[first, second]}"
    assert first <= 2  # referentials, their versions


@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_referential_page_queries_do_not_grow_with_versions(who, catalogue, client_for, editor):
    client = client_for(editor if who == "editor" else None)
    one = published_version(catalogue, 2, slug="une-version")
    many = published_version(catalogue, 2, slug="plusieurs-versions")
    for number in ("1.1", "1.2", "1.3"):
        draft = services.start_draft(referential=many.referential, number=number, by=None)
        ReferentialVersion.objects.filter(referential=many.referential, status="published").update(status="superseded")
        freeze(draft)
    VersionFactory(referential=many.referential, number="2.0")  # a draft, listed for editors
    counts = [queries_for(client, version.referential.get_absolute_url()) for version in (one, many)]
    assert counts[0] == counts[1], f"referential page ({who}), 1 vs 5 versions: {counts}"
    assert counts[0] <= (2 if who == "anonymous" else 6), counts  # an editor: + session, user, groups, second factor
