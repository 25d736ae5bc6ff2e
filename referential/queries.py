"""Reads that need shaping or prefetching. Each runs a fixed number of queries, whatever the size."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from core.roles import is_editor

from .compare import changed_fields, redline, snapshot
from .models import (
    Actor,
    ConformityThreshold,
    NonConformityLevel,
    Referential,
    ReferentialVersion,
    Requirement,
    Section,
    version_sort_key,
)


def visible_versions(user) -> QuerySet[ReferentialVersion]:
    return ReferentialVersion.objects.visible_to(user).select_related("referential")


def version_for(user, slug: str, number: str) -> ReferentialVersion:
    """The version ``number`` of referential ``slug`` if ``user`` may read it, else 404."""
    version = (
        visible_versions(user)
        .select_related("based_on", "published_by")
        .filter(referential__slug=slug, number=number)
        .first()
    )
    if version is None:
        raise Http404
    return version


def referentials_with_versions(user) -> list[Referential]:
    """Referentials, each with ``visible`` (its readable versions, newest first) and ``current`` (the published one)."""
    versions = ReferentialVersion.objects.visible_to(user)
    referentials = list(Referential.objects.prefetch_related(Prefetch("versions", queryset=versions, to_attr="visible")))
    for referential in referentials:
        referential.visible.sort(key=lambda v: version_sort_key(v.number), reverse=True)
        referential.current = next(
            (v for v in referential.visible if v.status == ReferentialVersion.Status.PUBLISHED), None
        )
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
    sub-chapters) by id, and a text search over key, title and statement."""
    if level:
        requirements = requirements.filter(level__slug=level)
    if actor:
        requirements = requirements.filter(actors__slug=actor)
    if section:
        ids = _section_and_descendants(requirements, section)
        requirements = requirements.filter(section_id__in=ids)
    if q:
        q = q.strip()
        requirements = requirements.filter(Q(key__icontains=q) | Q(title__icontains=q) | Q(statement__icontains=q))
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
    members = (
        Requirement.objects.filter(pk__in=line)
        .select_related("version", "version__referential", "level", "section")
        .prefetch_related("actors")
    )
    return sorted(members, key=lambda r: version_sort_key(r.version.number))


# Public pages ------------------------------------------------------------------------------------


def referential_with_versions(user, slug: str) -> Referential:
    """One referential with ``visible`` (its readable versions, newest first, each with ``based_on``)
    and ``current`` (the published one); 404 if the slug is unknown."""
    versions = ReferentialVersion.objects.visible_to(user).select_related("based_on")
    referential = (
        Referential.objects.filter(slug=slug)
        .prefetch_related(Prefetch("versions", queryset=versions, to_attr="visible"))
        .first()
    )
    if referential is None:
        raise Http404
    referential.visible.sort(key=lambda v: version_sort_key(v.number), reverse=True)
    referential.current = next(
        (v for v in referential.visible if v.status == ReferentialVersion.Status.PUBLISHED), None
    )
    return referential


def sibling_versions(user, version: ReferentialVersion) -> list[ReferentialVersion]:
    """The versions of the same referential ``user`` may read, newest first (for version pickers)."""
    versions = list(ReferentialVersion.objects.visible_to(user).filter(referential_id=version.referential_id))
    return sorted(versions, key=lambda v: version_sort_key(v.number), reverse=True)


def filter_choices(version: ReferentialVersion) -> tuple[list[NonConformityLevel], list[Actor]]:
    """The levels, and the actors named by at least one requirement of ``version``, for filter menus."""
    levels = list(NonConformityLevel.objects.order_by("rank"))
    actors = list(Actor.objects.filter(requirements__version=version).distinct().order_by("position", "label"))
    return levels, actors


def version_thresholds(version: ReferentialVersion) -> list[ConformityThreshold]:
    return list(version.thresholds.select_related("level").order_by("level__rank"))


def requirement_in(version: ReferentialVersion, key: str) -> Requirement:
    """The requirement ``key`` of ``version``, with what its page shows, else 404."""
    requirement = (
        requirements_of(version).select_related("version", "version__referential").filter(key=key).first()
    )
    if requirement is None:
        raise Http404
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
                step.statement_redline = redline(previous.statement, member.statement)
        steps.append(step)
        previous = member
    return steps


def _readable(user, version: ReferentialVersion) -> bool:
    return version.is_public or is_editor(user)


def current_version(slug: str) -> ReferentialVersion | None:
    """The published version of a referential, the one in force."""
    return ReferentialVersion.objects.published().select_related("referential").filter(referential__slug=slug).first()
