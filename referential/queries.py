"""Reads that need shaping or prefetching. Each runs a fixed number of queries, whatever the size."""

import copy
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from django.db import router, transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.roles import is_editor

from . import fixed_labels, page_cache
from .attention import AttentionRow
from .compare import changed_fields, redline, snapshot
from .keys import key_identity, normalise_key
from .markdown_redline import markdown_redline
from .models import (
    Actor,
    ConformityThreshold,
    NonConformityLevel,
    Referential,
    ReferentialVersion,
    Requirement,
    Section,
    VersionReview,
    version_sort_key,
)
from .search import search_requirements


def visible_versions(user) -> QuerySet[ReferentialVersion]:
    return ReferentialVersion.objects.visible_to(user).select_related("referential")


def version_for(user, slug: str, number: str) -> ReferentialVersion:
    """The version ``number`` of referential ``slug`` if ``user`` may read it, else 404. A frozen
    version (anyone may read it; its row only changes through a save) is read once per process and
    generation of pages: later calls get a copy of their own with no query (``page_cache``)."""
    key = page_cache.version_key(slug, number)
    version = page_cache.cached_version(key)
    if version is not None:
        return version
    version = (
        visible_versions(user)
        .select_related("based_on", "published_by")
        .filter(referential__slug=slug, number=number)
        .first()
    )
    if version is None:
        raise Http404
    # A published version's pages, exports and API answers print the words of its publication day.
    version = fixed_labels.dress_version(version)
    page_cache.keep_version(key, version)
    return version


def referentials_with_versions(user) -> list[Referential]:
    """Referentials, each with ``visible`` (its readable versions, newest first), ``current`` (the one
    in force today) and ``upcoming`` (see ``mark_in_force``)."""
    versions = ReferentialVersion.objects.visible_to(user)
    referentials = list(Referential.objects.prefetch_related(Prefetch("versions", queryset=versions, to_attr="visible")))
    for referential in referentials:
        referential.visible.sort(key=lambda v: version_sort_key(v.number), reverse=True)
        mark_in_force(referential, referential.visible, timezone.localdate())
    return referentials


def requirements_of(version: ReferentialVersion) -> QuerySet[Requirement]:
    return (
        version.requirements.select_related("level", "section")
        .prefetch_related(Prefetch("actors", queryset=Actor.objects.order_by("position", "label")))
        .order_by("position", "id")
    )


def filter_requirements(
    requirements: QuerySet[Requirement],
    *,
    level: str | None = None,
    actor: str | None = None,
    section: int | str | None = None,
    q: str | None = None,
) -> QuerySet[Requirement]:
    """Filters shared by the version page and the API: level and actor by slug, chapter (with its
    sub-chapters) by id, and a text search over key, title and statement as French readers type it
    (``search.search_requirements``: accents and case ignored, keys however spaced; each match
    carries ``search_rank``)."""
    if level:
        requirements = requirements.filter(level__slug=level)
    if actor:
        requirements = requirements.filter(actors__slug=actor)
    if section:
        ids = _section_and_descendants(requirements, section)
        requirements = requirements.filter(section_id__in=ids)
    if q:
        requirements = search_requirements(requirements, q.strip())
    return requirements.distinct() if actor else requirements


def _section_and_descendants(requirements, section_id) -> set[int]:
    try:
        root = int(section_id)
    except (TypeError, ValueError):
        return set()
    version_ids = requirements.values("version_id")
    rows = list(Section.objects.filter(version_id__in=version_ids).values_list("id", "parent_id"))
    children: dict[int | None, list[int]] = {}
    for sid, parent in rows:
        children.setdefault(parent, []).append(sid)
    if root not in {sid for sid, _ in rows}:
        # Not a chapter of these versions (a 23-digit id among them): nothing matches, nothing overflows.
        return set()
    found, stack = set(), [root]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, []))
    return found


@dataclass
class SectionNode:
    section: Section
    number: str
    depth: int
    children: list["SectionNode"] = field(default_factory=list)
    requirements: list[Requirement] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"chapitre-{self.number.replace('.', '-')}"


@dataclass
class Outline:
    """A version's chapters as a numbered tree, each holding its requirements in order."""

    roots: list[SectionNode]
    by_section_id: dict[int, SectionNode]

    def walk(self):
        stack = list(reversed(self.roots))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def requirements(self):
        for node in self.walk():
            yield from node.requirements


def version_outline(version: ReferentialVersion, requirements=None) -> Outline:
    """Two queries (plus one for actors), whatever the number of chapters and requirements.

    ``requirements`` may be a filtered queryset; chapters are always all listed, so the table of
    contents does not change with a filter.
    """
    sections = list(version.sections.order_by("position", "id"))
    children: dict[int | None, list[Section]] = {}
    for section in sections:
        children.setdefault(section.parent_id, []).append(section)

    by_id: dict[int, SectionNode] = {}

    def build(parent_id, prefix, depth):
        nodes = []
        for index, section in enumerate(children.get(parent_id, []), start=1):
            number = f"{prefix}{index}"
            node = SectionNode(section=section, number=number, depth=depth)
            by_id[section.pk] = node
            node.children = build(section.pk, f"{number}.", depth + 1)
            nodes.append(node)
        return nodes

    roots = build(None, "", 1)
    if requirements is None:
        requirements = requirements_of(version)
    requirements = list(requirements)
    fixed_labels.dress_requirements(version, requirements)
    for requirement in requirements:
        node = by_id.get(requirement.section_id)
        if node is not None:
            requirement.section_number = node.number
            node.requirements.append(requirement)
    return Outline(roots=roots, by_section_id=by_id)


def requirement_lineage(requirement: Requirement) -> list[Requirement]:
    """The requirement as it stands in every version of its referential, oldest first, followed by
    lineage (the ``origin`` links) so a renamed key still belongs to the same line.

    Kept on the instance: a requirement's page asks three times (history, consultation trail,
    workshop items) within one request."""
    cached = getattr(requirement, "_lineage", None)
    if cached is None:
        cached = requirement._lineage = _load_lineage(requirement)
    return cached


def _load_lineage(requirement: Requirement) -> list[Requirement]:
    referential_id = requirement.version.referential_id
    rows = list(
        Requirement.objects.filter(version__referential_id=referential_id).values_list("id", "origin_id")
    )
    parent = dict(rows)
    children: dict[int, list[int]] = {}
    for rid, origin in rows:
        if origin:
            children.setdefault(origin, []).append(rid)
    root = requirement.pk
    seen = {root}
    while parent.get(root) and parent[root] not in seen:
        root = parent[root]
        seen.add(root)
    line, stack = set(), [root]
    while stack:
        current = stack.pop()
        if current in line:
            continue
        line.add(current)
        stack.extend(children.get(current, []))
    members = list(
        Requirement.objects.filter(pk__in=line)
        .select_related("version", "version__referential", "level", "section")
        .prefetch_related("actors")
    )
    for member in members:  # each as its own version printed it
        fixed_labels.dress_requirements(member.version, [member])
    return sorted(members, key=lambda r: version_sort_key(r.version.number))


# Lines: requirements followed by lineage, not by key ---------------------------------------------


@dataclass
class Lines:
    """Every requirement of some referentials with its line (the requirements its ``origin`` links
    connect it to, through every version, whatever its key became). Two queries, whatever the size.

    Links to a requirement (RIDA items…) keep the requirement they named and follow its line, so
    a key given to another requirement later (a swap, a reuse) never moves them."""

    # id → (key, version id)
    requirements: dict[int, tuple[str, int]]
    # id → id of its line (one per line)
    line: dict[int, int]
    # version id → the version (referential, number, status, dates)
    versions: dict[int, ReferentialVersion]

    @cached_property
    def _by_line(self) -> dict[int, list[int]]:
        groups: dict[int, list[int]] = {}
        for rid, line in self.line.items():
            groups.setdefault(line, []).append(rid)
        return groups

    def members(self, requirement_id: int | None) -> list[int]:
        """Every requirement of the line of ``requirement_id`` (empty for an unknown one)."""
        line = self.line.get(requirement_id)
        return list(self._by_line.get(line, [])) if line is not None else []

    def best(self, ids, *, public_only: bool = True) -> int | None:
        """Among ``ids``, the one to show a reader: in the published version, else in the newest public
        one (``public_only=False``: drafts last)."""
        candidates = [rid for rid in ids if rid in self.requirements]
        if public_only:
            candidates = [rid for rid in candidates if self.versions[self.requirements[rid][1]].is_public]
        return max(candidates, key=self._preference, default=None)

    def _preference(self, requirement_id: int):
        version = self.versions[self.requirements[requirement_id][1]]
        return (version.is_public, version.status == ReferentialVersion.Status.PUBLISHED, version_sort_key(version.number))

    def named(self, referential_id: int, key: str, *, on: date | None = None) -> int | None:
        """The requirement a reader means by ``key`` in a referential (compared as readers see keys): in
        the version in force on ``on`` if it holds the key, else in the published version, else in the
        newest public one, else in the newest draft."""
        identity = key_identity(key)
        if not identity:
            return None
        holding = [
            rid
            for rid, (other, version_id) in self.requirements.items()
            if self.versions[version_id].referential_id == referential_id and key_identity(other) == identity
        ]
        if on is not None:
            frozen = [v for v in self.versions.values() if v.referential_id == referential_id and v.is_frozen]
            in_force = version_in_force(frozen, on)
            for rid in holding:
                if in_force is not None and self.requirements[rid][1] == in_force.pk:
                    return rid
        return self.best(holding, public_only=False)


def lines_of(referential_ids) -> Lines:
    versions = ReferentialVersion.objects.filter(referential_id__in=referential_ids).in_bulk()
    rows = list(
        Requirement.objects.filter(version__referential_id__in=referential_ids).values_list("id", "origin_id", "key", "version_id")
    )
    parent: dict[int, int] = {}

    def root(node):
        path = []
        while parent.get(node, node) != node:
            path.append(node)
            node = parent[node]
        for step in path:
            parent[step] = node
        return node

    known = {row[0] for row in rows}
    for rid, origin, _key, _version in rows:
        if origin is not None and origin in known:
            a, b = root(rid), root(origin)
            if a != b:
                parent[a] = b
    return Lines(
        requirements={rid: (key, version_id) for rid, _origin, key, version_id in rows},
        line={rid: root(rid) for rid, *_ in rows},
        versions=versions,
    )


def requirement_named(referential_id: int, key: str, *, on: date | None = None) -> Requirement | None:
    """The requirement ``key`` names in a referential (see ``Lines.named``), or None."""
    found = lines_of([referential_id]).named(referential_id, key, on=on)
    return Requirement.objects.filter(pk=found).first() if found else None


# Public pages ------------------------------------------------------------------------------------


def referential_with_versions(user, slug: str) -> Referential:
    """One referential with ``visible`` (its readable versions, newest first, each with ``based_on``),
    ``current`` (the one in force today) and ``upcoming`` (see ``mark_in_force``); 404 if unknown."""
    versions = ReferentialVersion.objects.visible_to(user).select_related("based_on")
    referential = (
        Referential.objects.filter(slug=slug)
        .prefetch_related(Prefetch("versions", queryset=versions, to_attr="visible"))
        .first()
    )
    if referential is None:
        raise Http404
    referential.visible.sort(key=lambda v: version_sort_key(v.number), reverse=True)
    mark_in_force(referential, referential.visible, timezone.localdate())
    return referential


def mark_in_force(referential: Referential, versions, day: date) -> None:
    """Set ``current`` (the version in force on ``day``) and ``upcoming`` (a version published but
    not yet in force) on ``referential``; ``current.in_force_until`` is the last day it applies
    when a successor is already published."""
    referential.current = version_in_force(versions, day)
    for version in versions:
        version.is_in_force = version is referential.current
    later = [v for v in versions if v.in_force_from is not None and v.in_force_from > day and not overtaken(v, versions)]
    referential.upcoming = min(later, key=lambda v: v.in_force_from, default=None)
    if referential.current is not None:
        referential.current.in_force_until = (
            referential.upcoming.in_force_from - timedelta(days=1) if referential.upcoming else None
        )


def version_in_force(versions, day: date) -> ReferentialVersion | None:
    """Among ``versions`` of one referential, the one in force on ``day``: the latest published (or
    since superseded) version whose in-force date is on or before it. No query."""
    def start(version):
        # A published row with no date at all (data from before dates were kept) applies from always.
        return version.in_force_from or (date.min if version.is_frozen else None)

    applicable = [v for v in versions if start(v) is not None and start(v) <= day]
    # The latest published, not the latest to start: a version published after another replaces it,
    # even when it takes effect first (the earlier one, overtaken, then never applies). Numbers rise
    # with each publication.
    return max(applicable, key=lambda v: version_sort_key(v.number), default=None)


def overtaken(version: ReferentialVersion, versions) -> bool:
    """True when a version published after ``version`` (among ``versions``) takes effect on or before
    it: ``version`` is replaced before it ever applies. No query."""
    start = version.in_force_from
    if start is None:
        return False
    return any(
        other.in_force_from is not None
        and other.in_force_from <= start
        and version_sort_key(other.number) > version_sort_key(version.number)
        for other in versions
    )


def sibling_versions(user, version: ReferentialVersion) -> list[ReferentialVersion]:
    """The versions of the same referential ``user`` may read, newest first (for version pickers)."""
    versions = list(ReferentialVersion.objects.visible_to(user).filter(referential_id=version.referential_id))
    return sorted(versions, key=lambda v: version_sort_key(v.number), reverse=True)


def filter_choices(version: ReferentialVersion) -> tuple[list[NonConformityLevel], list[Actor]]:
    """The levels, and the actors named by at least one requirement of ``version``, for filter menus."""
    levels = fixed_labels.levels_of(version)
    actors = list(Actor.objects.filter(requirements__version=version).distinct().order_by("position", "label"))
    fixed_labels.dress_actors(version, actors)
    return levels, actors


def version_thresholds(version: ReferentialVersion) -> list[ConformityThreshold]:
    thresholds = list(version.thresholds.select_related("level").order_by("level__rank"))
    fixed_labels.dress_thresholds(version, thresholds)
    return thresholds


def requirement_in(version: ReferentialVersion, key: str) -> Requirement:
    """The requirement ``key`` of ``version``, with what its page shows, else 404."""
    requirement = (
        requirements_of(version)
        .select_related("version", "version__referential")
        .filter(key=normalise_key(key))
        .first()
    )
    if requirement is None:
        raise Http404
    fixed_labels.dress_requirements(version, [requirement])
    return requirement


def requirement_changes(old: Requirement, new: Requirement) -> set[str]:
    """The fields (named as in ``compare.FIELDS``) that differ between two versions of a requirement;
    actors must be prefetched. The chapter counts as changed when its title differs."""
    return changed_fields(snapshot(old, old.section.title), snapshot(new, new.section.title))


@dataclass
class LineageStep:
    """A requirement as it stands in one version, with what changed since the previous step."""

    requirement: Requirement
    previous: Requirement | None = None
    changes: set[str] = field(default_factory=set)
    title_redline: str | None = None
    statement_redline: str | None = None


def requirement_history(user, requirement: Requirement) -> list[LineageStep]:
    """The requirement in every version ``user`` may read, oldest first, each compared with the one before."""
    lineage = [r for r in requirement_lineage(requirement) if _readable(user, r.version)]
    steps: list[LineageStep] = []
    previous = None
    for member in lineage:
        step = LineageStep(requirement=member, previous=previous)
        if previous is not None:
            step.changes = requirement_changes(previous, member)
            if "title" in step.changes:
                step.title_redline = redline(previous.title, member.title)
            if "statement" in step.changes:
                step.statement_redline = markdown_redline(previous.statement, member.statement)
        steps.append(step)
        previous = member
    return steps


def _readable(user, version: ReferentialVersion) -> bool:
    return version.is_public or is_editor(user)


def current_version(slug: str, day: date | None = None) -> ReferentialVersion | None:
    """The version of a referential in force on ``day`` (today by default)."""
    versions = ReferentialVersion.objects.filter(
        referential__slug=slug, status__in=ReferentialVersion.FROZEN_STATUSES
    ).select_related("referential")
    return version_in_force(list(versions), day or timezone.localdate())


# Validation before publication ---------------------------------------------------------------------


def version_content_fingerprint(version: ReferentialVersion) -> str:
    """A digest of everything a version prints and says: its own fields, chapters, requirements (with
    their actors) and conformity rule. An approval holds while the digest it was given on is the
    version's digest now; a change through any path (site, admin, API, import) voids it. Four queries."""
    content = {
        "version": [
            version.number,
            version.change_summary,
            version.conformity_rule_note,
            str(version.effective_at or ""),
            str(version.compliance_deadline or ""),
            version.requires_recommitment,
        ],
        "sections": list(
            version.sections.order_by("pk").values_list("pk", "parent_id", "position", "title", "intro", "origin_id")
        ),
        "requirements": [
            [
                req.pk, req.key, req.title, req.statement, req.level_id, req.section_id, req.origin_id,
                req.verification_method, str(req.compliance_deadline or ""), req.position,
                sorted(actor.pk for actor in req.actors.all()),
            ]
            for req in version.requirements.order_by("pk").prefetch_related("actors")
        ],
        "thresholds": list(version.thresholds.order_by("level_id").values_list("level_id", "max_findings")),
    }
    return hashlib.sha256(json.dumps(content, default=str, ensure_ascii=False).encode()).hexdigest()


@dataclass
class ReviewStatus:
    """Where a version stands in its validation: its latest round (None if never submitted) and whether
    an approval still holds for the text as it is now."""

    review: VersionReview | None
    approval_holds: bool = False

    @property
    def approval_outdated(self) -> bool:
        return bool(self.review and self.review.state == VersionReview.State.APPROVED and not self.approval_holds)

    @property
    def is_pending(self) -> bool:
        return bool(self.review and self.review.state == VersionReview.State.PENDING)


def latest_review(version: ReferentialVersion) -> VersionReview | None:
    return (
        VersionReview.objects.filter(version=version)
        .select_related("submitted_by", "decided_by")
        .order_by("-submitted_at", "-pk")
        .first()
    )


def review_status(version: ReferentialVersion) -> ReviewStatus:
    """The validation state of ``version`` (see ``ReviewStatus``)."""
    review = latest_review(version)
    holds = bool(
        review
        and review.state == VersionReview.State.APPROVED
        and review.content_fingerprint == version_content_fingerprint(version)
    )
    return ReviewStatus(review=review, approval_holds=holds)


def approvers_of(version_ids) -> dict[int, "object"]:
    """The editor whose approval each version was published on, by version id (the latest approval)."""
    approvals = (
        VersionReview.objects.filter(version_id__in=list(version_ids), state=VersionReview.State.APPROVED)
        .select_related("decided_by")
        .order_by("decided_at", "pk")
    )
    return {review.version_id: review.decided_by for review in approvals}


def versions_awaiting_validation() -> list[VersionReview]:
    """Rounds of validation waiting for a decision, oldest first, with their version and submitter."""
    pending = (
        VersionReview.objects.filter(
            state=VersionReview.State.PENDING,
            version__status__in=(ReferentialVersion.Status.DRAFT, ReferentialVersion.Status.CONSULTATION),
        )
        .select_related("version__referential", "submitted_by")
        .order_by("submitted_at", "pk")
    )
    return list(pending)


def versions_awaiting_validation_rows() -> list[AttentionRow]:
    """The editors' home panel of versions waiting for an approval (``attention``); one query."""
    return [
        AttentionRow(
            label=_("%(code)s — version %(number)s") % {"code": review.version.referential.code, "number": review.version.number},
            url=review.version.get_absolute_url() + "#validation",
            detail=_("soumise par %(person)s le %(date)s")
            % {
                "person": review.submitted_by.get_full_name() or review.submitted_by.get_username(),
                "date": date_format(timezone.localtime(review.submitted_at), "DATE_FORMAT"),
            },
        )
        for review in versions_awaiting_validation()
    ]


# A requirement of a version, by its key --------------------------------------------------------------

# Versions whose text is frozen (in consultation, published, superseded) never change their
# requirements, so each process keeps the index of the last few it was asked about. Keyed by the
# database, the version's id and creation time. An id a rolled-back transaction gave back (SQLite) is
# another version, and its creation time may be the same one (a clock fixed in tests): an index is
# kept only once the transaction that read it commits (``on_commit``; at once outside any), so one
# that may still roll back never answers for the version that takes its id next.
_KEY_INDEXES: OrderedDict[tuple, "_KeyIndex"] = OrderedDict()
_KEY_INDEXES_KEPT = 8  # consultations open at the same time are a handful
_key_indexes_lock = threading.Lock()


@dataclass(frozen=True)
class _KeyIndex:
    """A frozen version's requirements by key as stored, and by ``key_identity`` (the first in the
    document when stored data holds keys a reader cannot tell apart, as migration 0004 reports)."""

    by_key: dict[str, Requirement]
    by_identity: dict[str, Requirement]

    @classmethod
    def of(cls, requirements) -> "_KeyIndex":
        by_key: dict[str, Requirement] = {}
        by_identity: dict[str, Requirement] = {}
        for requirement in requirements:  # in document order (the model's ordering)
            by_key.setdefault(requirement.key, requirement)
            by_identity.setdefault(key_identity(requirement.key), requirement)
        return cls(by_key=by_key, by_identity=by_identity)

    def get(self, key: str) -> Requirement | None:
        return self.by_key.get(normalise_key(key)) or self.by_identity.get(key_identity(key))


def clear_key_indexes() -> None:
    """Forget every index of keys this process keeps (tests: ids come back from one test to the next)."""
    with _key_indexes_lock:
        _KEY_INDEXES.clear()


def _keep_key_index(index_key: tuple, index: "_KeyIndex") -> None:
    with _key_indexes_lock:
        _KEY_INDEXES[index_key] = index
        while len(_KEY_INDEXES) > _KEY_INDEXES_KEPT:
            _KEY_INDEXES.popitem(last=False)


def requirement_by_key(version: ReferentialVersion, key: str) -> Requirement | None:
    """The requirement of ``version`` whose key a reader would read as ``key`` (same ``key_identity``:
    case, no-break and repeated spaces aside), or None. The key written as stored wins; otherwise the
    first such requirement in the document (two can share an identity only in data stored before
    identities were compared).

    A draft's index is built afresh each time (one query). A frozen version's index of keys is built once per process
    (one query) and kept, once what it read is committed, for the last ``_KEY_INDEXES_KEPT`` such
    versions; each call returns its own copy of the requirement."""
    wanted = key_identity(key)
    if not wanted:
        return None
    if not version.is_text_frozen:
        # One rule for both: built afresh, never kept.
        return _KeyIndex.of(Requirement.objects.filter(version_id=version.pk)).get(key)
    alias = version._state.db or router.db_for_read(Requirement)
    index_key = (alias, version.pk, version.created_at)
    with _key_indexes_lock:
        index = _KEY_INDEXES.get(index_key)
        if index is not None:
            _KEY_INDEXES.move_to_end(index_key)
    if index is None:
        index = _KeyIndex.of(Requirement.objects.using(alias).filter(version_id=version.pk))
        transaction.on_commit(lambda: _keep_key_index(index_key, index), using=alias)
    found = index.get(key)
    if found is None:
        return None
    found = copy.copy(found)
    Requirement.version.field.set_cached_value(found, version)
    return found
