import datetime
import itertools
from dataclasses import dataclass, replace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from referential.compare import (
    KINDS,
    Comparison,
    Snapshot,
    compare_snapshots,
    compare_versions,
    pair_by_lineage_then_key,
)
from referential.models import ReferentialVersion, Requirement, Section
from referential.services import start_draft
from tests.factories import (
    ActorFactory,
    LevelFactory,
    ReferentialFactory,
    RequirementFactory,
    SectionFactory,
    VersionFactory,
    freeze,
)

# Set-up helpers ---------------------------------------------------------------------------------


def release(version):
    """Publish ``version`` for the set-up; the version published before it is superseded."""
    if version.status == ReferentialVersion.Status.PUBLISHED:
        return version
    for previous in version.referential.versions.published().exclude(pk=version.pk):
        freeze(previous, ReferentialVersion.Status.SUPERSEDED)
    return freeze(version)


def next_draft(version, number):
    """Publish ``version`` and copy it into a new draft, as editors do."""
    release(version)
    return start_draft(referential=version.referential, number=number, by=None)


def requirement(version, key):
    return Requirement.objects.get(version=version, key=key)


def edit(version, current_key, /, **fields):
    actors = fields.pop("actors", None)
    Requirement.objects.filter(version=version, key=current_key).update(**fields)
    if actors is not None:
        requirement(version, fields.get("key", current_key)).actors.set(actors)


def chapter(version, title):
    return Section.objects.get(version=version, title=title)


def bulk_version(referential, number, size, *, chapters=5):
    """A version with ``size`` requirements spread over ``chapters``, written in a few queries."""
    version = VersionFactory(referential=referential, number=number)
    sections = [SectionFactory(version=version, title=f"Chapitre {n}", position=n) for n in range(chapters)]
    level = LevelFactory()
    Requirement.objects.bulk_create(
        Requirement(
            version=version,
            section=sections[n % chapters],
            key=f"MSS {n + 1}",
            title=f"Exigence {n + 1}",
            statement=f"L'opérateur **DOIT** respecter la règle n° {n + 1} pour chaque message <NOM>.",
            level=level,
            position=n * 10,
        )
        for n in range(size)
    )
    actor = ActorFactory()
    through = Requirement.actors.through
    through.objects.bulk_create(
        through(requirement_id=pk, actor_id=actor.pk) for pk in version.requirements.values_list("pk", flat=True)
    )
    return version


def with_edits(version, size):
    """A draft copied from ``version`` where every tenth requirement changes in some way."""
    draft = next_draft(version, "2.0")
    other_chapter = draft.sections.order_by("position").last()
    for n in range(0, size, 10):
        edit(draft, f"MSS {n + 1}", statement=f"Énoncé révisé n° {n + 1}, plus exigeant.")
    for n in range(3, size, 10):
        edit(draft, f"MSS {n + 1}", key=f"ECO {n + 1}")
    for n in range(5, size, 10):
        edit(draft, f"MSS {n + 1}", section=other_chapter)
    draft.requirements.filter(key__in=[f"MSS {n + 1}" for n in range(7, size, 10)]).delete()
    RequirementFactory(version=draft, section=other_chapter, key="NOUVELLE 1")
    return draft


def kinds(comparison: Comparison) -> dict[str, str]:
    """{key: kind}, the key being the new one (the old one for a removed requirement)."""
    return {entry.key: entry.kind for entry in comparison.entries}


@pytest.fixture
def published(db):
    """Ref 1.0, published: two chapters, six requirements."""
    version = VersionFactory(referential=ReferentialFactory(), number="1.0")
    security = SectionFactory(version=version, title="Sécurité", position=1)
    directory = SectionFactory(version=version, title="Annuaire", position=2)
    level = LevelFactory(slug="majeure")
    operator = ActorFactory(slug="operateur", label="Opérateur")
    for n in range(1, 7):
        RequirementFactory(
            version=version,
            section=security if n <= 3 else directory,
            key=f"MSS {n}",
            title=f"Exigence {n}",
            statement=f"L'opérateur **DOIT** respecter la règle {n}.",
            level=level,
            position=n * 10,
            actors=[operator],
        )
    return release(version)


# Every kind ------------------------------------------------------------------------------------


def test_a_copied_draft_without_edits_is_all_unchanged(published):
    draft = next_draft(published, "1.1")

    comparison = compare_versions(published, draft)

    assert set(kinds(comparison).values()) == {"unchanged"}
    assert comparison.counts == {**dict.fromkeys(KINDS, 0), "unchanged": 6}
    assert not comparison.has_changes and comparison.changed == []


def test_each_kind_of_change_is_found(published):
    draft = next_draft(published, "1.1")
    edit(draft, "MSS 1", statement="L'opérateur **DOIT** respecter la règle 1 sans délai.")
    edit(draft, "MSS 2", key="MSS 2.1")
    edit(draft, "MSS 3", section=chapter(draft, "Annuaire"))
    requirement(draft, "MSS 4").delete()
    RequirementFactory(version=draft, section=chapter(draft, "Annuaire"), key="MSS 7", position=70)

    comparison = compare_versions(published, draft)

    assert kinds(comparison) == {
        "MSS 1": "modified",
        "MSS 2.1": "renamed",
        "MSS 3": "moved",
        "MSS 4": "removed",
        "MSS 5": "unchanged",
        "MSS 6": "unchanged",
        "MSS 7": "added",
    }
    assert comparison.counts == {"added": 1, "removed": 1, "modified": 1, "renamed": 1, "moved": 1, "unchanged": 2}
    assert [entry.key for entry in comparison.by_kind("renamed")] == ["MSS 2.1"]
    renamed = comparison.by_kind("renamed")[0]
    assert (renamed.old.key, renamed.new.key, renamed.changes) == ("MSS 2", "MSS 2.1", {"key"})
    added, removed = comparison.by_kind("added")[0], comparison.by_kind("removed")[0]
    assert (added.old, added.new.key, added.changes) == (None, "MSS 7", set())
    assert (removed.old.key, removed.new, removed.changes) == ("MSS 4", None, set())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Exigence renommée"),
        ("statement", "Nouvel énoncé."),
        ("level", "bloquante"),
        ("actors", "editeur-lps"),
        ("verification_method", "Audit sur pièces"),
        ("compliance_deadline", datetime.date(2026, 1, 1)),
    ],
)
def test_each_change_of_content_makes_a_pair_modified(published, field, value):
    draft = next_draft(published, "1.1")
    if field == "level":
        value = LevelFactory(slug=value)
    if field == "actors":
        value = [ActorFactory(slug=value)]
    edit(draft, "MSS 1", **{field: value})

    entry = compare_versions(published, draft).entries[0]

    assert (entry.key, entry.kind, entry.changes) == ("MSS 1", "modified", {field})


def test_a_change_of_content_outweighs_a_new_key_and_a_new_chapter_but_all_are_listed(published):
    draft = next_draft(published, "1.1")
    edit(draft, "MSS 1", key="ECO 1", title="Nouveau titre", section=chapter(draft, "Annuaire"))
    edit(draft, "MSS 2", key="ECO 2", section=chapter(draft, "Annuaire"))

    comparison = compare_versions(published, draft)
    by_key = {entry.key: entry for entry in comparison.entries}

    assert (by_key["ECO 1"].kind, by_key["ECO 1"].changes) == ("modified", {"key", "title", "section"})
    assert (by_key["ECO 2"].kind, by_key["ECO 2"].changes) == ("renamed", {"key", "section"})


def test_redlines_are_computed_only_for_a_changed_title_or_statement(published):
    draft = next_draft(published, "1.1")
    edit(draft, "MSS 1", statement="L'opérateur **DEVRAIT** respecter la règle 1 <NOM>.")
    edit(draft, "MSS 2", title="Exigence <script>2</script>")
    edit(draft, "MSS 3", verification_method="Test")

    by_key = {entry.key: entry for entry in compare_versions(published, draft).entries}

    # The statement's redline is formatted text: bold kept, no Markdown markup, the literal format escaped.
    assert by_key["MSS 1"].statement_redline == (
        "<p>L'opérateur <del><strong>DOIT</strong></del><strong><ins>DEVRAIT</ins></strong>"
        " respecter la règle 1<ins> &lt;NOM&gt;</ins>.</p>"
    )
    assert by_key["MSS 1"].title_redline is None
    assert by_key["MSS 2"].title_redline == "Exigence <ins>&lt;script&gt;</ins>2<ins>&lt;/script&gt;</ins>"
    assert by_key["MSS 2"].statement_redline is None
    assert by_key["MSS 3"].title_redline is None and by_key["MSS 3"].statement_redline is None
    assert by_key["MSS 4"].title_redline is None and by_key["MSS 4"].statement_redline is None


# Pairing ---------------------------------------------------------------------------------------


def test_lineage_is_followed_through_three_versions(published):
    v11 = next_draft(published, "1.1")
    edit(v11, "MSS 1", key="ECO 1")
    v12 = next_draft(v11, "1.2")
    edit(v12, "ECO 1", key="ECO 1.1", title="Titre revu")
    edit(v12, "MSS 2", key="ECO 2")

    comparison = compare_versions(published, v12)

    pairs = {(entry.old.key, entry.new.key): entry.kind for entry in comparison.entries}
    assert pairs == {
        ("MSS 1", "ECO 1.1"): "modified",
        ("MSS 2", "ECO 2"): "renamed",
        ("MSS 3", "MSS 3"): "unchanged",
        ("MSS 4", "MSS 4"): "unchanged",
        ("MSS 5", "MSS 5"): "unchanged",
        ("MSS 6", "MSS 6"): "unchanged",
    }


def test_a_renamed_key_pairs_with_its_predecessor_even_when_a_new_requirement_takes_the_old_key(db):
    # Ref#2: the drafts renamed EX_DC_* to ECO.*; here a new requirement reuses the freed key.
    ref2 = VersionFactory(referential=ReferentialFactory(code="Ref#2"), number="1.0")
    section = SectionFactory(version=ref2, title="Découverte")
    RequirementFactory(version=ref2, section=section, key="EX_DC_1.1", title="Découverte du serveur")
    draft = next_draft(ref2, "1.1")
    edit(draft, "EX_DC_1.1", key="ECO.1.1.1")
    RequirementFactory(version=draft, section=chapter(draft, "Découverte"), key="EX_DC_1.1", title="Autre chose")

    comparison = compare_versions(ref2, draft)

    renamed = comparison.by_kind("renamed")
    assert [(entry.old.key, entry.new.key) for entry in renamed] == [("EX_DC_1.1", "ECO.1.1.1")]
    assert [entry.new.key for entry in comparison.by_kind("added")] == ["EX_DC_1.1"]
    assert comparison.by_kind("removed") == []


def test_requirements_without_origin_pair_by_key(db):
    referential = ReferentialFactory()
    old, new = (VersionFactory(referential=referential, number=number) for number in ("1.0", "2.0"))
    for version in (old, new):
        section = SectionFactory(version=version, title="Chapitre unique")
        RequirementFactory(version=version, section=section, key="MSS 1", title="Pareil")
        RequirementFactory(version=version, section=section, key="MSS 2", title=f"Titre de la {version.number}")
    RequirementFactory(version=old, section=chapter(old, "Chapitre unique"), key="MSS 3")

    comparison = compare_versions(old, new)

    assert kinds(comparison) == {"MSS 1": "unchanged", "MSS 2": "modified", "MSS 3": "removed"}


def test_comparing_the_newer_version_with_the_older_inverts_the_comparison(published):
    draft = next_draft(published, "1.1")
    edit(draft, "MSS 1", key="ECO 1", statement="Autre énoncé.")
    edit(draft, "MSS 2", key="ECO 2")
    requirement(draft, "MSS 4").delete()
    RequirementFactory(version=draft, section=chapter(draft, "Annuaire"), key="MSS 7")

    forward, backward = compare_versions(published, draft), compare_versions(draft, published)

    assert {(e.old and e.old.pk, e.new and e.new.pk, e.kind) for e in backward.entries} == {
        (e.new and e.new.pk, e.old and e.old.pk, {"added": "removed", "removed": "added"}.get(e.kind, e.kind))
        for e in forward.entries
    }
    assert [entry.key for entry in backward.by_kind("added")] == ["MSS 4"]
    assert [entry.key for entry in backward.by_kind("removed")] == ["MSS 7"]
    ecos = {(e.old.key, e.new.key): e.kind for e in backward.entries if e.old and e.old.key.startswith("ECO")}
    assert ecos == {("ECO 1", "MSS 1"): "modified", ("ECO 2", "MSS 2"): "renamed"}
    assert backward.by_kind("modified")[0].statement_redline == (
        "<p><del>Autre énoncé</del><ins>L'opérateur </ins><strong><ins>DOIT</ins></strong><ins> respecter la règle 1</ins>.</p>"
    )


def test_two_drafts_of_the_same_version_pair_through_their_common_origin(published):
    first = start_draft(referential=published.referential, number="1.1", by=None)
    second = start_draft(referential=published.referential, number="1.2", by=None)
    edit(first, "MSS 1", key="A 1")
    edit(second, "MSS 1", key="B 1")

    comparison = compare_versions(first, second)

    assert kinds(comparison)["B 1"] == "renamed"
    assert comparison.by_kind("renamed")[0].old.key == "A 1"


def test_a_version_compared_with_itself_is_all_unchanged(published):
    comparison = compare_versions(published, published)

    assert [(entry.old, entry.kind) for entry in comparison.entries] == [(entry.new, "unchanged") for entry in comparison.entries]
    assert len(comparison.entries) == 6


# Moves: chapters pair by their own lineage, else by title path ---------------------------------


def test_renaming_or_reordering_a_chapter_moves_none_of_its_requirements(published):
    draft = next_draft(published, "1.1")
    Section.objects.filter(version=draft, title="Sécurité").update(title="Sécurité des échanges", position=9)

    assert set(kinds(compare_versions(published, draft)).values()) == {"unchanged"}


def test_a_new_position_inside_the_same_chapter_is_not_a_move(published):
    draft = next_draft(published, "1.1")
    edit(draft, "MSS 1", position=35)

    assert kinds(compare_versions(published, draft))["MSS 1"] == "unchanged"


def test_chapters_without_lineage_pair_by_title_path(db):
    # Two versions built separately, so no chapter has an origin. "Sécurité › Chiffrement" is in
    # both; "Annexes › Chiffrement" only in the new one, where MSS 2 now sits.
    referential = ReferentialFactory()
    old, new = (VersionFactory(referential=referential, number=number) for number in ("1.0", "2.0"))
    security_tls = {}
    for version in (old, new):
        security = SectionFactory(version=version, title="Sécurité", position=1)
        SectionFactory(version=version, title="Annexes", position=2)
        security_tls[version] = SectionFactory(version=version, parent=security, title="Chiffrement", position=1)
    annex_tls = SectionFactory(version=new, parent=chapter(new, "Annexes"), title="Chiffrement", position=1)
    for version, home_of_mss_2 in [(old, security_tls[old]), (new, annex_tls)]:
        RequirementFactory(version=version, section=security_tls[version], key="MSS 1", title="TLS")
        RequirementFactory(version=version, section=home_of_mss_2, key="MSS 2", title="Suites")

    by_key = {entry.key: entry for entry in compare_versions(old, new).entries}

    assert by_key["MSS 1"].kind == "unchanged"
    assert (by_key["MSS 2"].kind, by_key["MSS 2"].changes) == ("moved", {"section"})
    assert (by_key["MSS 2"].old.section_number, by_key["MSS 2"].new.section_number) == ("1.1", "2.1")


def test_a_requirement_put_in_a_new_chapter_is_moved(published):
    draft = next_draft(published, "1.1")
    fresh = SectionFactory(version=draft, title="Nouveau chapitre", position=3)
    edit(draft, "MSS 6", section=fresh)

    assert kinds(compare_versions(published, draft))["MSS 6"] == "moved"


# Entries as the pages read them ----------------------------------------------------------------


def test_entries_follow_the_new_document_then_list_the_removed(published):
    draft = next_draft(published, "1.1")
    # The new version lists "Annuaire" first; within it, MSS 6 before MSS 5.
    Section.objects.filter(version=draft, title="Annuaire").update(position=0)
    edit(draft, "MSS 6", position=45)
    requirement(draft, "MSS 2").delete()
    requirement(draft, "MSS 1").delete()

    comparison = compare_versions(published, draft)

    assert [entry.key for entry in comparison.entries] == ["MSS 4", "MSS 6", "MSS 5", "MSS 3", "MSS 1", "MSS 2"]
    assert [entry.new.section_number for entry in comparison.entries[:4]] == ["1", "1", "1", "2"]


def test_reading_the_entries_runs_no_query(published, django_assert_num_queries):
    draft = next_draft(published, "1.1")
    comparison = compare_versions(published, draft)

    with django_assert_num_queries(0):
        for entry in comparison.entries:
            for side in (entry.old, entry.new):
                assert side.version.number and side.section.title and side.level.label
                assert [actor.label for actor in side.actors.all()]


# Cost ------------------------------------------------------------------------------------------


def queries_to_compare(size):
    referential = ReferentialFactory()
    old = bulk_version(referential, "1.0", size)
    new = with_edits(old, size)
    with CaptureQueriesContext(connection) as queries:
        comparison = compare_versions(old, new)
    assert comparison.counts["removed"] == len(range(7, size, 10))
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_number_of_requirements(db):
    # Chapters, lineage, both sides, the versions between them and the requirements deleted there.
    assert queries_to_compare(10) == queries_to_compare(200) == 6


def test_two_thousand_requirements_a_side_are_all_classified(db):
    # Its speed (about 0.3 s on these machines) is measured by `make bench`, not asserted here.
    referential = ReferentialFactory()
    old = bulk_version(referential, "1.0", 2000)
    new = with_edits(old, 2000)

    comparison = compare_versions(old, new)

    assert comparison.counts == {
        "added": 1, "removed": 200, "modified": 200, "renamed": 200, "moved": 200, "unchanged": 1200,
    }


# Pure layer: the same rules on plain data, explored by hypothesis -----------------------------


def test_nearest_relative_wins_when_a_requirement_was_copied_twice():
    # 2 was copied into 3 and 4 (a split); 4 kept the key, so 4 pairs with 2 and 3 is new.
    pairs = pair_by_lineage_then_key([(2, "K")], [(3, "K.bis"), (4, "K")], {3: 2, 4: 2})
    assert pairs == {2: 4}


def test_a_cycle_of_origins_does_not_hang():
    assert pair_by_lineage_then_key([(1, "A")], [(2, "B")], {1: 2, 2: 1}) == {1: 2}


def test_key_pairing_only_takes_what_lineage_left():
    # 1 → 2 by lineage although 2 changed its key to "B"; 3 is new and pairs with nothing
    # even though it took the key "A".
    assert pair_by_lineage_then_key([(1, "A")], [(2, "B"), (3, "A")], {2: 1}) == {1: 2}


KEY_POOL = [f"MSS {n}" for n in range(1, 13)]
TEXTS = st.sampled_from(["", "L'opérateur DOIT chiffrer.", "L'opérateur DEVRAIT chiffrer.", "<NOM> & <script>"])


@dataclass
class History:
    versions: list[list[Snapshot]]
    origins: dict[int, int]


@st.composite
def histories(draw):
    """A referential's life on plain data: each version copies the previous one (origin links
    kept), then edits, moves, renames and removes some requirements and adds new ones, which may
    take a key freed by a removal or a rename."""
    ids = itertools.count(1)
    origins: dict[int, int] = {}

    def new_requirement(key):
        return Snapshot(
            id=next(ids),
            key=key,
            section=draw(st.integers(1, 3)),
            title=draw(TEXTS),
            statement=draw(TEXTS),
            level=draw(st.sampled_from([None, 1, 2])),
            actors=frozenset(draw(st.sets(st.integers(1, 3), max_size=2))),
        )

    def free_key(used):
        free = [key for key in KEY_POOL if key not in used]
        return draw(st.sampled_from(free)) if free else None

    versions = [[new_requirement(key) for key in draw(st.lists(st.sampled_from(KEY_POOL), unique=True, max_size=8))]]
    for _ in range(draw(st.integers(0, 3))):
        copies, renames = [], []
        for item in versions[-1]:
            action = draw(st.sampled_from(("keep", "keep", "edit", "move", "rename", "remove")))
            if action == "remove":
                continue
            copy = replace(item, id=next(ids))
            origins[copy.id] = item.id
            if action == "edit":
                copy = replace(copy, statement=draw(TEXTS), level=draw(st.sampled_from([None, 1, 2])))
            elif action == "move":
                copy = replace(copy, section=draw(st.integers(1, 4)))
            elif action == "rename":
                renames.append(len(copies))
            copies.append(copy)
        for index in renames:
            key = free_key({copy.key for copy in copies})
            if key:
                copies[index] = replace(copies[index], key=key)
        for _ in range(draw(st.integers(0, 3))):
            key = free_key({copy.key for copy in copies})
            if key:
                copies.insert(draw(st.integers(0, len(copies))), new_requirement(key))
        versions.append(copies)
    return History(versions, origins)


def two_versions(history, data):
    a = data.draw(st.integers(0, len(history.versions) - 1))
    b = data.draw(st.integers(0, len(history.versions) - 1))
    return history.versions[a], history.versions[b]


def keys_of(entries, kind, side):
    return {getattr(entry, side).key for entry in entries if entry.kind == kind}


@settings(max_examples=300)
@given(histories())
def test_any_version_compared_with_itself_finds_only_unchanged(history):
    for version in history.versions:
        entries = compare_snapshots(version, version, history.origins)
        assert [(entry.kind, entry.old, entry.new) for entry in entries] == [("unchanged", item, item) for item in version]


@settings(max_examples=300)
@given(histories(), st.data())
def test_keys_added_one_way_are_the_keys_removed_the_other_way(history, data):
    a, b = two_versions(history, data)
    forward, backward = compare_snapshots(a, b, history.origins), compare_snapshots(b, a, history.origins)

    assert keys_of(forward, "added", "new") == keys_of(backward, "removed", "old")
    assert keys_of(forward, "removed", "old") == keys_of(backward, "added", "new")


@settings(max_examples=300)
@given(histories(), st.data())
def test_pairs_and_their_kinds_are_the_same_both_ways(history, data):
    a, b = two_versions(history, data)
    forward, backward = compare_snapshots(a, b, history.origins), compare_snapshots(b, a, history.origins)

    def paired(entries, kind=None):
        return {
            (entry.old.id, entry.new.id, entry.kind, frozenset(entry.changes))
            for entry in entries
            if entry.old and entry.new and kind in (None, entry.kind)
        }

    assert paired(forward, "modified") == {(n, o, k, c) for o, n, k, c in paired(backward, "modified")}
    assert paired(forward) == {(n, o, k, c) for o, n, k, c in paired(backward)}


@settings(max_examples=300)
@given(histories(), st.data())
def test_every_requirement_appears_once_and_lineage_always_pairs(history, data):
    a, b = two_versions(history, data)
    entries = compare_snapshots(a, b, history.origins)

    assert sorted(entry.old.id for entry in entries if entry.old) == sorted(item.id for item in a)
    assert sorted(entry.new.id for entry in entries if entry.new) == sorted(item.id for item in b)
    assert [entry.new for entry in entries if entry.new] == b  # entries follow the new version
    assert {entry.kind for entry in entries} <= set(KINDS)

    # A requirement of one side descending from one of the other side is paired with it.
    def ancestors(item_id):
        while item_id in history.origins:
            item_id = history.origins[item_id]
            yield item_id

    pairs = {(entry.old.id, entry.new.id) for entry in entries if entry.old and entry.new}
    a_ids, b_ids = {item.id for item in a}, {item.id for item in b}
    for item in b:
        assert all((ancestor, item.id) in pairs for ancestor in ancestors(item.id) if ancestor in a_ids)
    for item in a:
        assert all((item.id, ancestor) in pairs for ancestor in ancestors(item.id) if ancestor in b_ids)


@settings(max_examples=300)
@given(histories(), st.data())
def test_an_added_and_a_removed_requirement_never_share_a_key(history, data):
    a, b = two_versions(history, data)
    entries = compare_snapshots(a, b, history.origins)

    assert not keys_of(entries, "added", "new") & keys_of(entries, "removed", "old")


# Reused keys: a deleted requirement's key taken by an unrelated new one ------------------------


def reuse_key(draft, key, *, title="Autre chose"):
    """Delete the draft's requirement ``key`` and create an unrelated one under the same key, through the services."""
    from referential import services

    old = requirement(draft, key)
    section, level, actors = old.section, old.level, list(old.actors.all())
    services.delete_requirement(requirement=old, by=None)
    return services.create_requirement(
        version=draft, section=section, key=key, title=title, statement="Sans rapport.", level=level, actors=actors, by=None
    )


def test_a_deleted_requirement_and_a_new_one_taking_its_key_are_removed_and_added_with_a_reused_key(published):
    draft = next_draft(published, "1.1")
    fresh = reuse_key(draft, "MSS 2")

    comparison = compare_versions(published, draft)

    [added] = comparison.by_kind("added")
    [removed] = comparison.by_kind("removed")
    assert (added.new.pk, added.reused_key) == (fresh.pk, True)
    assert (removed.old, removed.reused_key) == (requirement(published, "MSS 2"), True)
    assert comparison.by_kind("modified") == []
    assert comparison.reused_keys == [(requirement(published, "MSS 2"), fresh)]
    assert all(not entry.reused_key for entry in comparison.entries if entry.kind not in ("added", "removed"))


def test_a_reused_key_reads_the_same_both_ways(published):
    draft = next_draft(published, "1.1")
    reuse_key(draft, "MSS 2")

    backward = compare_versions(draft, published)

    assert [(e.key, e.reused_key) for e in backward.by_kind("added")] == [("MSS 2", True)]
    assert [(e.key, e.reused_key) for e in backward.by_kind("removed")] == [("MSS 2", True)]


def test_a_key_reused_in_an_intermediate_version_stays_reused_further_on(published):
    v11 = next_draft(published, "1.1")
    reuse_key(v11, "MSS 3")
    v12 = next_draft(v11, "1.2")

    comparison = compare_versions(published, v12)

    assert {(e.kind, e.key, e.reused_key) for e in comparison.entries if e.kind != "unchanged"} == {
        ("added", "MSS 3", True), ("removed", "MSS 3", True)
    }


def test_requirements_without_lineage_still_pair_by_key_even_after_deletions(db):
    # Two versions built by import (no origin anywhere): equal keys are the same requirement.
    referential = ReferentialFactory()
    old, new = (VersionFactory(referential=referential, number=number) for number in ("1.0", "2.0"))
    for version in (old, new):
        section = SectionFactory(version=version, title="Chapitre unique")
        RequirementFactory(version=version, section=section, key="MSS 1", title=f"Titre de la {version.number}")
    RequirementFactory(version=new, section=chapter(new, "Chapitre unique"), key="MSS 9").delete()

    [entry] = compare_versions(old, new).entries

    assert (entry.kind, entry.reused_key) == ("modified", False)


def test_a_key_freed_by_a_rename_and_taken_by_a_new_requirement_is_flagged_on_the_added_one(db):
    ref2 = VersionFactory(referential=ReferentialFactory(code="Ref#2"), number="1.0")
    section = SectionFactory(version=ref2, title="Découverte")
    RequirementFactory(version=ref2, section=section, key="EX_DC_1.1", title="Découverte du serveur")
    draft = next_draft(ref2, "1.1")
    edit(draft, "EX_DC_1.1", key="ECO.1.1.1")
    RequirementFactory(version=draft, section=chapter(draft, "Découverte"), key="EX_DC_1.1", title="Autre chose")

    comparison = compare_versions(ref2, draft)

    assert [(e.key, e.reused_key) for e in comparison.by_kind("added")] == [("EX_DC_1.1", True)]
    assert [(e.key, e.reused_key) for e in comparison.by_kind("renamed")] == [("ECO.1.1.1", False)]


def test_the_comparison_page_api_and_pdf_annex_say_the_key_was_reused(published, client_for, editor):
    from referential.documents import version_document_context
    from django.template.loader import render_to_string

    draft = next_draft(published, "1.1")
    reuse_key(draft, "MSS 2")
    slug = published.referential.slug
    client = client_for(editor)

    page = client.get(f"/referentiels/{slug}/comparer/1.0/1.1/").content.decode()
    api = client.get(f"/api/v1/referentials/{slug}/versions/1.0/compare/1.1/").json()
    annex = render_to_string("pdf/version.html", version_document_context(draft, preview=True))

    assert page.count("Clé réutilisée") == 2
    assert "La clé MSS 2 désignait une autre exigence dans la version 1.0" in page
    assert "La clé MSS 2 désigne une autre exigence dans la version 1.1" in page
    flagged = {(e["kind"], e["key"]) for e in api["entries"] if e["reused_key"]}
    assert flagged == {("added", "MSS 2"), ("removed", "MSS 2")}
    assert annex.count("clé réutilisée") == 2


@st.composite
def histories_with_deletions(draw):
    """Like ``histories``, each version also listing the requirements deleted from it (ghosts
    keeping their origin), and new requirements often taking a key freed by a deletion."""
    ids = itertools.count(1)
    origins: dict[int, int] = {}
    deleted: list[set[int]] = [set()]

    def new_requirement(key):
        return Snapshot(id=next(ids), key=key, title=draw(TEXTS))

    versions = [[new_requirement(key) for key in draw(st.lists(st.sampled_from(KEY_POOL), unique=True, max_size=6))]]
    for _ in range(draw(st.integers(1, 3))):
        copies, ghosts, freed = [], set(), []
        for item in versions[-1]:
            copy = replace(item, id=next(ids))
            origins[copy.id] = item.id
            if draw(st.booleans()):
                ghosts.add(copy.id)  # copied into the draft, then deleted from it
                freed.append(item.key)
            else:
                copies.append(copy)
        for key in freed:
            if draw(st.booleans()):
                copies.append(new_requirement(key))
        versions.append(copies)
        deleted.append(ghosts)
    return versions, origins, deleted


@settings(max_examples=300)
@given(histories_with_deletions(), st.data())
def test_a_line_cut_by_a_deletion_never_pairs_by_key_and_its_key_reads_reused(history, data):
    versions, origins, deleted = history
    i = data.draw(st.integers(0, len(versions) - 1))
    j = data.draw(st.integers(0, len(versions) - 1))
    between = set().union(*deleted[min(i, j) + 1 : max(i, j) + 1])

    entries = compare_snapshots(versions[i], versions[j], origins, deleted=between)

    def line(item_id):
        while item_id in origins:
            item_id = origins[item_id]
        return item_id

    for entry in entries:
        if entry.old and entry.new:
            assert line(entry.old.id) == line(entry.new.id)  # only true descendants pair
    old_keys, new_keys = {s.key for s in versions[i]}, {s.key for s in versions[j]}
    for entry in entries:
        if entry.kind == "added":
            assert entry.reused_key == (entry.key in old_keys)
        elif entry.kind == "removed":
            assert entry.reused_key == (entry.key in new_keys)
        else:
            assert not entry.reused_key
    # Every key freed by a deletion and taken again is reported on both sides.
    reused = {e.key for e in entries if e.kind == "added"} & {e.key for e in entries if e.kind == "removed"}
    assert reused == {e.key for e in entries if e.kind == "added" and e.reused_key}
    # Backward, the same pairs and the same flags, sides swapped.
    backward = compare_snapshots(versions[j], versions[i], origins, deleted=between)
    assert {(e.old and e.old.id, e.new and e.new.id, e.reused_key) for e in backward} == {
        (e.new and e.new.id, e.old and e.old.id, e.reused_key) for e in entries
    }
