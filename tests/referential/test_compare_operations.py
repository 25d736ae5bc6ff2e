"""The comparison says what happened: hypothesis drafts a version from a published one through the
services, with random renames, key swaps, rewordings, deletions, additions and key reuses (a
requirement deleted, an unrelated one created under its key), and checks ``compare_versions`` against
the operations it applied."""

from dataclasses import dataclass

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referential import services
from referential.compare import compare_versions
from referential.models import Requirement
from tests.factories import ActorFactory, LevelFactory, ReferentialFactory, SectionFactory, VersionFactory, freeze

pytestmark = pytest.mark.django_db

KEYS = [f"QA {n}" for n in range(1, 11)]
OPERATIONS = ("rename", "swap", "reword", "delete", "reuse", "add")


@dataclass
class Item:
    """What the test knows of one requirement of the draft, whatever the database says."""

    pk: int
    key: str
    original_key: str | None = None  # None for a requirement created in the draft
    original_pk: int | None = None
    reworded: bool = False
    alive: bool = True


class Draft:
    """A draft copied from a published version, changed only through the services."""

    def __init__(self, size: int):
        referential = ReferentialFactory()
        published = VersionFactory(referential=referential, number="1.0")
        self.section = SectionFactory(version=published, title="Chapitre")
        self.level, self.actor = LevelFactory(slug="majeure"), ActorFactory(slug="operateur")
        for key in KEYS[:size]:
            services.create_requirement(
                version=published, section=self.section, key=key, title=f"Titre {key}", statement=f"Énoncé {key}.",
                level=self.level, actors=[self.actor], by=None,
            )
        self.published = freeze(published)
        self.draft = services.start_draft(referential=referential, number="1.1", by=None)
        self.items = [
            Item(pk=copy.pk, key=copy.key, original_key=copy.key, original_pk=copy.origin_id)
            for copy in self.draft.requirements.order_by("position")
        ]

    def alive(self) -> list[Item]:
        return [item for item in self.items if item.alive]

    def free_keys(self) -> list[str]:
        used = {item.key for item in self.alive()}
        return [key for key in KEYS if key not in used]

    def _update(self, item: Item, **fields):
        services.update_requirement(requirement=Requirement.objects.get(pk=item.pk), by=None, **fields)

    def rename(self, item: Item, key: str):
        self._update(item, key=key)
        item.key = key

    def swap(self, a: Item, b: Item):
        key_a, key_b = a.key, b.key
        self._update(a, key="TMP")
        self._update(b, key=key_a)
        self._update(a, key=key_b)
        a.key, b.key = key_b, key_a

    def reword(self, item: Item):
        self._update(item, statement=f"Énoncé revu de {item.key}.")
        item.reworded = True

    def delete(self, item: Item):
        services.delete_requirement(requirement=Requirement.objects.get(pk=item.pk), by=None)
        item.alive = False

    def add(self, key: str) -> Item:
        created = services.create_requirement(
            version=self.draft, section=self.draft.sections.get(), key=key, title="Sans rapport",
            statement="Une exigence nouvelle.", level=self.level, actors=[self.actor], by=None,
        )
        item = Item(pk=created.pk, key=key)
        self.items.append(item)
        return item


def apply_random_operations(draft: Draft, data) -> list[tuple]:
    applied = []
    for _ in range(data.draw(st.integers(0, 8), label="operations")):
        operation = data.draw(st.sampled_from(OPERATIONS), label="operation")
        alive, free = draft.alive(), draft.free_keys()
        if operation == "rename" and alive and free:
            item, key = data.draw(st.sampled_from(alive)), data.draw(st.sampled_from(free))
            draft.rename(item, key)
        elif operation == "swap" and len(alive) >= 2:
            a, b = data.draw(st.lists(st.sampled_from(alive), min_size=2, max_size=2, unique_by=id))
            draft.swap(a, b)
        elif operation == "reword" and alive:
            draft.reword(data.draw(st.sampled_from(alive)))
        elif operation == "delete" and alive:
            draft.delete(data.draw(st.sampled_from(alive)))
        elif operation == "reuse" and alive:
            item = data.draw(st.sampled_from(alive))
            draft.delete(item)
            draft.add(item.key)
        elif operation == "add" and free:
            draft.add(data.draw(st.sampled_from(free)))
        else:
            continue
        applied.append(operation)
    return applied


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(size=st.integers(1, 6), data=st.data())
def test_the_comparison_reports_the_operations_applied_to_a_draft(db, size, data):
    with transaction.atomic():
        draft = Draft(size)
        apply_random_operations(draft, data)

        comparison = compare_versions(draft.published, draft.draft)

        by_old = {entry.old.pk: entry for entry in comparison.entries if entry.old is not None}
        by_new = {entry.new.pk: entry for entry in comparison.entries if entry.new is not None}
        old_keys = {item.original_key for item in draft.items if item.original_pk}
        new_keys = {item.key for item in draft.alive()}
        for item in draft.items:
            if item.original_pk is not None:
                entry = by_old[item.original_pk]
                if not item.alive:
                    # Deleted: removed, never paired by key with whatever took its key.
                    assert (entry.kind, entry.new) == ("removed", None)
                    assert entry.reused_key == (item.original_key in new_keys)
                    continue
                assert entry.new.pk == item.pk, "a surviving requirement pairs with its own copy"
                expected = "modified" if item.reworded else "renamed" if item.key != item.original_key else "unchanged"
                assert entry.kind == expected
                assert entry.changes == {*(["key"] if item.key != item.original_key else []), *(["statement"] if item.reworded else [])}
                assert not entry.reused_key
            elif item.alive:
                entry = by_new[item.pk]
                # Created in the draft: added, flagged when it took a key the published version used.
                assert (entry.kind, entry.old) == ("added", None)
                assert entry.reused_key == (item.key in old_keys)
        assert len(comparison.entries) == size + sum(1 for item in draft.items if item.alive and item.original_pk is None)
        # Every reuse is reported as such, and each reused key once.
        reused = {(old.key, new.pk) for old, new in comparison.reused_keys}
        assert reused == {
            (item.key, item.pk) for item in draft.alive() if item.original_pk is None and item.key in old_keys
        }
        # Read the other way, the same pairs and flags, sides swapped.
        backward = compare_versions(draft.draft, draft.published)
        assert {(e.old and e.old.pk, e.new and e.new.pk, e.reused_key) for e in backward.entries} == {
            (e.new and e.new.pk, e.old and e.old.pk, e.reused_key) for e in comparison.entries
        }
        transaction.set_rollback(True)
