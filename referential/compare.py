"""Comparison of two versions of a referential.

Requirements are paired by lineage first: each copied requirement keeps ``origin``, the one
it came from, and two requirements belong to the same line when their ``origin`` chains meet
(one descends from the other through any number of versions, in either direction, or both
descend from a common ancestor, as two drafts started from the same version do). Those left
unpaired are then paired by identical key. Each pair is classified; what is left is added
(only in ``new``) or removed (only in ``old``).

Pairing by key alone is for requirements without lineage (imports). A requirement whose line was
cut between the two versions (its copy deleted in a draft, as the history of deleted rows
shows) does not pair by key with a newcomer that took its key: the old one is *removed*, the new
one *added*, and both carry ``reused_key`` (*clé réutilisée*) so that pages, API, PDF annex and the
publication warnings say so.

A requirement is *moved* when its chapter in ``new`` is not the counterpart of its chapter
in ``old``. Chapters are paired the same way as requirements: by their own lineage
(``Section.origin``), then by identical title path ("Sécurité › Chiffrement"). So renaming
or reordering a chapter moves nothing, nor does a change of position inside a chapter.

The logic lives in plain functions over ``Snapshot`` values (``pair_by_lineage_then_key``,
``compare_snapshots``) so that it can be tested without the database; ``compare_versions``
loads both versions in a fixed number of queries and hands them over.
"""

import re
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from django.db.models import Prefetch
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import fixed_labels
from .keys import key_identity
from .markdown_redline import markdown_redline
from .models import Actor, ReferentialVersion, Requirement, Section

KINDS = ("added", "removed", "modified", "renamed", "moved", "unchanged")

# Changes of a pair that make it "modified": what the requirement says or whom it binds.
CONTENT_FIELDS = ("title", "statement", "level", "actors", "verification_method", "compliance_deadline")
FIELDS = ("key", "section", *CONTENT_FIELDS)


@dataclass
class RequirementChange:
    kind: str  # one of KINDS
    old: object | None  # requirement on the ``old`` side, the version compared from (None when added)
    new: object | None  # requirement on the ``new`` side, the version compared to (None when removed)
    # Every fine-grained change of a pair, among FIELDS, whatever ``kind`` says; empty for added/removed.
    changes: set[str] = field(default_factory=set)
    # Word-level redlines, only when the title / the statement changed: the title's as plain text, the
    # statement's as formatted text (``markdown_redline``: bold, code, links and lists kept).
    title_redline: SafeString | None = None
    statement_redline: SafeString | None = None
    # Added or removed, and the key names another requirement on the other side: a key freed by a
    # deletion and taken by an unrelated requirement (*clé réutilisée*).
    reused_key: bool = False

    @property
    def key(self) -> str:
        """The key to show: the new one, or the old one for a removed requirement."""
        return (self.new or self.old).key


@dataclass
class Comparison:
    old_version: object
    new_version: object
    # Requirements of ``new`` in document order (chapter by chapter), then the removed ones in
    # the document order of ``old``.
    entries: list[RequirementChange]

    @property
    def counts(self) -> dict[str, int]:
        """Number of entries of each kind, every kind listed, in the order of KINDS."""
        counts = dict.fromkeys(KINDS, 0)
        for entry in self.entries:
            counts[entry.kind] += 1
        return counts

    @property
    def reused_keys(self) -> list[tuple[object, object]]:
        """``(old, new)`` requirements: ``new`` was added under a key that named ``old``, an unrelated
        requirement, in the version compared from. In the new version's document order."""
        old_by_key = {key_identity(entry.old.key): entry.old for entry in self.entries if entry.old is not None}
        return [
            (old_by_key[key_identity(entry.new.key)], entry.new)
            for entry in self.entries
            if entry.kind == "added" and entry.reused_key and key_identity(entry.new.key) in old_by_key
        ]

    def by_kind(self, kind: str) -> list[RequirementChange]:
        if kind not in KINDS:
            raise ValueError(f"Unknown kind of change: {kind!r}")
        return [entry for entry in self.entries if entry.kind == kind]

    @property
    def changed(self) -> list[RequirementChange]:
        """Every entry but the unchanged ones: what a change log lists."""
        return [entry for entry in self.entries if entry.kind != "unchanged"]

    @property
    def has_changes(self) -> bool:
        return any(entry.kind != "unchanged" for entry in self.entries)


# Pure layer: plain data in, plain data out ------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What a comparison looks at in one requirement.

    ``section`` is a chapter token already resolved across the two sides: equal tokens mean
    the same chapter. ``level`` and ``actors`` are identifiers.
    """

    id: int
    key: str
    section: Hashable = None
    title: str = ""
    statement: str = ""
    level: Hashable = None
    actors: frozenset = frozenset()
    verification_method: str = ""
    compliance_deadline: Hashable = None


def _ancestry(item_id: int, origins: Mapping[int, int | None]):
    """The item itself, then its origin, the origin's origin… (stops on a cycle)."""
    seen = set()
    current = item_id
    while current is not None and current not in seen:
        yield current
        seen.add(current)
        current = origins.get(current)


def pair_by_lineage_then_key(
    old: Iterable[tuple[int, str]],
    new: Iterable[tuple[int, str]],
    origins: Mapping[int, int | None],
    *,
    not_by_key: frozenset[int] | set[int] = frozenset(),
) -> dict[int, int]:
    """Pair ``(id, key)`` items of two sides; returns ``{old id: new id}``, one-to-one.

    Lineage first: an old and a new item pair when their ``origins`` chains meet; the nearest
    relatives pair first (fewest links between them), an unchanged key breaking ties. Then,
    among the items still alone and not in ``not_by_key``, equal keys pair (in order, should a
    side repeat a key). The result does not depend on which side is called old: swapping the
    sides inverts it.
    """
    old, new = list(old), list(new)
    old_keys, new_keys = dict(old), dict(new)

    # Every lineage node an old item descends from, with how many links away it is.
    reached_from_old: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for old_id in old_keys:
        for depth, node in enumerate(_ancestry(old_id, origins)):
            reached_from_old[node].append((depth, old_id))

    distance: dict[tuple[int, int], int] = {}
    for new_id in new_keys:
        for depth, node in enumerate(_ancestry(new_id, origins)):
            for old_depth, old_id in reached_from_old.get(node, ()):
                pair = (old_id, new_id)
                distance[pair] = min(distance.get(pair, depth + old_depth), depth + old_depth)

    # The tie-breaks only look at the pair as a set, so swapping the sides gives the same pairs.
    ranked = sorted(
        distance,
        key=lambda pair: (distance[pair], old_keys[pair[0]] != new_keys[pair[1]], min(pair), max(pair)),
    )
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for old_id, new_id in ranked:
        if old_id not in pairs and new_id not in taken:
            pairs[old_id] = new_id
            taken.add(new_id)

    waiting: dict[str, deque[int]] = defaultdict(deque)
    for old_id, key in old:
        if old_id not in pairs and old_id not in not_by_key:
            waiting[key].append(old_id)
    for new_id, key in new:
        if new_id not in taken and new_id not in not_by_key and waiting.get(key):
            pairs[waiting[key].popleft()] = new_id
            taken.add(new_id)
    return pairs


def changed_fields(old: Snapshot, new: Snapshot) -> set[str]:
    return {name for name in FIELDS if getattr(old, name) != getattr(new, name)}


def kind_of(changes: set[str]) -> str:
    """The one kind a pair is listed under: a change of content outweighs a new key, which
    outweighs a new chapter."""
    if changes.intersection(CONTENT_FIELDS):
        return "modified"
    if "key" in changes:
        return "renamed"
    if "section" in changes:
        return "moved"
    return "unchanged"


def cut_lines(items: Iterable[int], origins: Mapping[int, int | None], deleted: Iterable[int]) -> set[int]:
    """The ``items`` whose line was cut: their lineage (every requirement their ``origins`` links
    connect them to, either way) holds one of the ``deleted`` requirements, whose own origins are
    in ``origins`` too. Such an item is the same requirement as nothing with its key on the other side."""
    deleted = set(deleted)
    if not deleted:
        return set()
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        path = []
        while parent.get(node, node) != node:
            path.append(node)
            node = parent[node]
        for step in path:
            parent[step] = node
        return node

    for node, origin in origins.items():
        if origin is not None:
            a, b = root(node), root(origin)
            if a != b:
                parent[a] = b
    cut = {root(node) for node in deleted}
    return {item for item in items if root(item) in cut}


def compare_snapshots(
    old: Sequence[Snapshot],
    new: Sequence[Snapshot],
    origins: Mapping[int, int | None],
    deleted: Iterable[int] = (),
) -> list[RequirementChange]:
    """Entries for every item of ``new`` in the given order, then the removed items of ``old`` in
    theirs; ``old``/``new`` of each entry are the snapshots themselves.

    ``deleted`` are the requirements deleted in the versions between the two sides (their origins
    in ``origins``): an item whose line one of them cut pairs with nothing by key, and an added and a
    removed item sharing a key are flagged ``reused_key``."""
    cut = cut_lines([s.id for s in (*old, *new)], origins, deleted)
    pairs = pair_by_lineage_then_key(
        ((s.id, key_identity(s.key)) for s in old), ((s.id, key_identity(s.key)) for s in new), origins, not_by_key=cut
    )
    old_by_id = {s.id: s for s in old}
    counterpart = {new_id: old_by_id[old_id] for old_id, new_id in pairs.items()}
    old_keys = {key_identity(s.key) for s in old}
    new_keys = {key_identity(s.key) for s in new}

    entries = []
    for after in new:
        before = counterpart.get(after.id)
        if before is None:
            entries.append(
                RequirementChange(kind="added", old=None, new=after, reused_key=key_identity(after.key) in old_keys)
            )
            continue
        changes = changed_fields(before, after)
        entries.append(
            RequirementChange(
                kind=kind_of(changes),
                old=before,
                new=after,
                changes=changes,
                title_redline=redline(before.title, after.title) if "title" in changes else None,
                statement_redline=markdown_redline(before.statement, after.statement) if "statement" in changes else None,
            )
        )
    entries.extend(
        RequirementChange(kind="removed", old=s, new=None, reused_key=key_identity(s.key) in new_keys)
        for s in old
        if s.id not in pairs
    )
    return entries


# Word-level redline -----------------------------------------------------------------------------

# A word (letters with their combining accents, digits), a run of white space, or any other
# single character. Together they cover the text exactly.
_TOKEN = re.compile(r"\w[\w\u0300-\u036f]*|\s+|[^\w\s]")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def redline(old_text: str, new_text: str) -> SafeString:
    """Word-level redline: escaped text with <del> and <ins> around changed words.

    Removing every ``<ins>…</ins>`` and unescaping gives back ``old_text``; removing every
    ``<del>…</del>`` gives back ``new_text``. Identical texts come back without any marker.
    """
    before, after = _tokens(old_text or ""), _tokens(new_text or "")
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    chunks: list[str | tuple[str, str]] = []  # kept text, or (deleted, inserted)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            chunks.append("".join(before[i1:i2]))
        else:
            chunks.append(("".join(before[i1:i2]), "".join(after[j1:j2])))

    # A lone space between two changed words is folded into one change, so that "a b c" →
    # "x y c" reads as one replacement rather than two cut by a kept space.
    merged: list[str | tuple[str, str]] = []
    for index, chunk in enumerate(chunks):
        previous = merged[-1] if merged else None
        following = chunks[index + 1] if index + 1 < len(chunks) else None
        if isinstance(chunk, str) and chunk.isspace() and isinstance(previous, tuple) and isinstance(following, tuple):
            merged[-1] = (previous[0] + chunk, previous[1] + chunk)
        elif isinstance(chunk, tuple) and isinstance(previous, tuple):
            merged[-1] = (previous[0] + chunk[0], previous[1] + chunk[1])
        else:
            merged.append(chunk)

    # An added or removed word is marked with the space after it, not the one before: the
    # same text, but "chiffrer <ins>tous </ins>les" instead of "chiffrer<ins> tous</ins> les".
    for index in range(1, len(merged) - 1):
        previous, chunk, following = merged[index - 1], merged[index], merged[index + 1]
        one_sided = isinstance(chunk, tuple) and not (chunk[0] and chunk[1])
        if one_sided and isinstance(previous, str) and isinstance(following, str):
            text = chunk[0] or chunk[1]
            space = re.match(r"\s+", text)
            if space and following.startswith(space.group()):
                text = text[space.end():] + space.group()
                merged[index - 1] = previous + space.group()
                merged[index] = (text, "") if chunk[0] else ("", text)
                merged[index + 1] = following[space.end():]

    html = []
    for chunk in merged:
        if isinstance(chunk, str):
            html.append(escape(chunk))
            continue
        deleted, inserted = chunk
        if deleted:
            html.append(f"<del>{escape(deleted)}</del>")
        if inserted:
            html.append(f"<ins>{escape(inserted)}</ins>")
    return mark_safe("".join(html))


# Database layer ---------------------------------------------------------------------------------


def compare_versions(old: ReferentialVersion, new: ReferentialVersion) -> Comparison:
    """Compare ``old`` (the version compared from) with ``new`` (compared to), in either
    chronological order. Six queries at most, whatever the number of requirements.

    ``old``/``new`` of the entries are Requirement objects with level, section and actors
    loaded, ``version`` set to the versions given, and ``section_number`` ("2.3") as on the
    version page.
    """
    referential_ids = {old.referential_id, new.referential_id}
    version_ids = {old.pk, new.pk}

    # Query 1: every chapter of the referential, for chapter lineage, numbering and title paths.
    section_rows = list(
        Section.objects.filter(version__referential_id__in=referential_ids)
        .order_by("position", "id")
        .values_list("id", "origin_id", "version_id", "parent_id", "title")
    )
    # Query 2: the lineage of every requirement of the referential, a couple of integers each.
    requirement_origins = dict(
        Requirement.objects.filter(version__referential_id__in=referential_ids).values_list("id", "origin_id")
    )
    # Queries 3 and 4: both sides' requirements, with what the comparison and the pages read.
    requirements = list(
        Requirement.objects.filter(version_id__in=version_ids)
        .select_related("level", "section")
        .prefetch_related(Prefetch("actors", queryset=Actor.objects.order_by("position", "label")))
        .order_by("position", "id")
    )

    # Queries 5 and 6: the versions between the two sides, and the requirements deleted in them.
    deleted = _deleted_between(old, new, referential_ids)
    requirement_origins.update(deleted)

    chapters = {version_id: _Chapters(version_id, section_rows) for version_id in version_ids}
    section_pairs = pair_by_lineage_then_key(
        chapters[old.pk].keyed(),
        chapters[new.pk].keyed(),
        {row[0]: row[1] for row in section_rows},
    )
    # A chapter's token is its own id on the old side, its counterpart's id on the new side.
    new_section_token = {new_id: old_id for old_id, new_id in section_pairs.items()}

    by_id = {}
    sides: dict[int, list[Requirement]] = {old.pk: [], new.pk: []}
    versions = {old.pk: old, new.pk: new}
    for requirement in requirements:
        # Shared instances: pages reading requirement.version run no query per row.
        requirement.version = versions[requirement.version_id]
        requirement.section_number = chapters[requirement.version_id].numbers.get(requirement.section_id, "")
        sides[requirement.version_id].append(requirement)
        by_id[requirement.pk] = requirement
    for version_id, side in sides.items():  # each side in the words its version printed
        fixed_labels.dress_requirements(versions[version_id], side)

    def snapshots(version_id: int, token) -> list[Snapshot]:
        order = chapters[version_id].order
        side = sorted(sides[version_id], key=lambda r: order.get(r.section_id, len(order)))
        return [snapshot(requirement, token(requirement.section_id)) for requirement in side]

    entries = compare_snapshots(
        snapshots(old.pk, lambda section_id: section_id),
        snapshots(new.pk, lambda section_id: new_section_token.get(section_id, section_id)),
        requirement_origins,
        deleted=deleted,
    )
    entries = [
        replace(
            entry,
            old=by_id[entry.old.id] if entry.old else None,
            new=by_id[entry.new.id] if entry.new else None,
        )
        for entry in entries
    ]
    return Comparison(old_version=old, new_version=new, entries=entries)


def versions_between(old_id: int, new_id: int, based_on: Mapping[int, int | None]) -> set[int]:
    """The versions one goes through from one side to the other along ``based_on`` links: those
    above either side but not above both (their common ancestors and above are left out; so is the
    older side when one descends from the other). Empty for a version compared with itself."""

    def above(version_id):
        return set(_ancestry(version_id, based_on))

    return above(old_id) ^ above(new_id)


def _deleted_between(old: ReferentialVersion, new: ReferentialVersion, referential_ids) -> dict[int, int | None]:
    """``{id: origin}`` of the requirements deleted from the versions between ``old`` and ``new``, read
    from the history django-simple-history keeps of every deletion; rows deleted without a trace
    (bulk SQL) are not known, and their lines pair by key as before."""
    if old.pk == new.pk:
        return {}
    based_on = dict(
        ReferentialVersion.objects.filter(referential_id__in=referential_ids).values_list("id", "based_on_id")
    )
    between = versions_between(old.pk, new.pk, based_on)
    if not between:
        return {}
    return dict(
        Requirement.history.filter(history_type="-", version_id__in=between).values_list("id", "origin_id")
    )


def snapshot(requirement: Requirement, section_token) -> Snapshot:
    """The comparable values of a requirement (actors prefetched); ``section_token`` stands for its chapter."""
    return Snapshot(
        id=requirement.pk,
        key=requirement.key,
        section=section_token,
        title=requirement.title,
        statement=requirement.statement,
        level=requirement.level_id,
        actors=frozenset(actor.pk for actor in requirement.actors.all()),
        verification_method=requirement.verification_method,
        compliance_deadline=requirement.compliance_deadline,
    )


class _Chapters:
    """The chapters of one version, from (id, origin, version, parent, title) rows sorted by
    position: their document order, their numbers ("2.3") and their title paths."""

    def __init__(self, version_id: int, rows):
        children: dict[int | None, list[tuple[int, str]]] = defaultdict(list)
        for section_id, _origin, row_version, parent_id, title in rows:
            if row_version == version_id:
                children[parent_id].append((section_id, title))
        self.order: dict[int, int] = {}
        self.numbers: dict[int, str] = {}
        self.paths: dict[int, str] = {}
        stack = [(section_id, str(n), title.strip()) for n, (section_id, title) in enumerate(children[None], 1)]
        stack.reverse()
        while stack:
            section_id, number, path = stack.pop()
            if section_id in self.order:
                continue
            self.order[section_id] = len(self.order)
            self.numbers[section_id] = number
            self.paths[section_id] = path
            below = [
                (child_id, f"{number}.{n}", f"{path} › {child_title.strip()}")
                for n, (child_id, child_title) in enumerate(children[section_id], 1)
            ]
            stack.extend(reversed(below))

    def keyed(self) -> list[tuple[int, str]]:
        """(id, title path) in document order: what chapter pairing reads."""
        return list(self.paths.items())
