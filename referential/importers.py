"""Loading non-conformity levels, actors and whole referentials from JSON documents.

``referential.document_reader`` reads and checks the whole document first (every problem at once);
this module writes what it planned, in one transaction, with a history reason on every row.

Importing is idempotent: a level, an actor or a referential whose slug already
exists is left exactly as it is (an editor may have changed it since).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import bulk_create_with_links, stamp

from .models import (
    Actor,
    ConformityThreshold,
    NonConformityLevel,
    Referential,
    ReferentialVersion,
    Requirement,
    Section,
)
from .services import publication_problems, publish_version

DEFAULT_REASON = "Import des données de démonstration"
SLUG_RE = re.compile(r"^[-a-z0-9_]+$")
Status = ReferentialVersion.Status
IMPORTABLE_STATUSES = {Status.DRAFT.value, Status.PUBLISHED.value, Status.SUPERSEDED.value}


from .document_reader import (
    ACTOR_FIELDS,
    LEVEL_FIELDS,
    DocumentReader,
    InvalidDocument,
    ReferentialReader,
    VersionPlan,
    list_of,
)


@dataclass
class ImportReport:
    source: str
    created: list[str] = field(default_factory=list)  # what was written, for a person to read
    skipped: list[str] = field(default_factory=list)  # what already existed and was left untouched

    @property
    def was_skipped(self) -> bool:
        return not self.created and bool(self.skipped)


def _save(instance, *, by, reason):
    stamp(instance, reason, by=by).save()
    return instance


# Levels and actors -----------------------------------------------------------------------------



def import_levels(data: dict, *, by=None, source: str = "levels.json", reason: str = DEFAULT_REASON) -> ImportReport:
    """Create the non-conformity levels of ``data["levels"]`` that do not exist yet (matched by slug)."""
    reader = DocumentReader(source)
    rows = []
    items = list_of(reader, data, "levels", allowed_top={"levels"})
    existing = {level.slug: level for level in NonConformityLevel.objects.all()}
    seen_slugs: set[str] = set()
    seen_ranks: dict[int, str] = {}
    for index, item in enumerate(items, start=1):
        where = _("niveau n° %(n)d") % {"n": index}
        obj = reader.obj(item, where, allowed=LEVEL_FIELDS, required={"slug", "label", "rank", "definition"})
        if obj is None:
            continue
        slug = reader.slug(obj, "slug", where, max_length=30)
        where = _("niveau « %(slug)s »") % {"slug": slug} if slug else where
        row = NonConformityLevel(
            slug=slug,
            label=reader.text(obj, "label", where, max_length=60),
            definition=reader.text(obj, "definition", where, lines=True),
            rank=reader.integer(obj, "rank", where, minimum=1),
            remediation_delay_days=reader.integer(obj, "remediation_delay_days", where, nullable=True),
        )
        if slug in seen_slugs:
            reader.problem(where, _("identifiant présent deux fois dans le document."))
        seen_slugs.add(slug)
        if row.rank is not None:
            if row.rank in seen_ranks:
                reader.problem(
                    where,
                    _("champ « rank » : le rang %(rank)d est déjà celui du niveau « %(other)s ».")
                    % {"rank": row.rank, "other": seen_ranks[row.rank]},
                )
            seen_ranks[row.rank] = slug
            holder = next((lv for lv in existing.values() if lv.rank == row.rank and lv.slug != slug), None)
            if holder is not None and slug not in existing:
                reader.problem(
                    where,
                    _("champ « rank » : le rang %(rank)d est déjà pris par le niveau existant « %(other)s ».")
                    % {"rank": row.rank, "other": holder.slug},
                )
        rows.append(row)
    reader.fail_if_any()
    return _create_missing(rows, existing, source=source, by=by, reason=reason)


def import_actors(data: dict, *, by=None, source: str = "actors.json", reason: str = DEFAULT_REASON) -> ImportReport:
    """Create the actors of ``data["actors"]`` that do not exist yet (matched by slug)."""
    reader = DocumentReader(source)
    rows = []
    items = list_of(reader, data, "actors", allowed_top={"actors"})
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        where = _("acteur n° %(n)d") % {"n": index}
        obj = reader.obj(item, where, allowed=ACTOR_FIELDS, required={"slug", "label"})
        if obj is None:
            continue
        slug = reader.slug(obj, "slug", where, max_length=60)
        where = _("acteur « %(slug)s »") % {"slug": slug} if slug else where
        if slug in seen:
            reader.problem(where, _("identifiant présent deux fois dans le document."))
        seen.add(slug)
        rows.append(
            Actor(
                slug=slug,
                label=reader.text(obj, "label", where, max_length=120),
                description=reader.text(obj, "description", where, required=False, lines=True),
                position=reader.integer(obj, "position", where, default=0),
            )
        )
    reader.fail_if_any()
    existing = {actor.slug: actor for actor in Actor.objects.all()}
    return _create_missing(rows, existing, source=source, by=by, reason=reason)


@transaction.atomic
def _create_missing(rows, existing: dict, *, source: str, by, reason: str) -> ImportReport:
    report = ImportReport(source)
    for row in rows:
        if row.slug in existing:
            report.skipped.append(row.slug)
        else:
            _save(row, by=by, reason=reason)
            report.created.append(row.slug)
    return report


# Referentials: writing ---------------------------------------------------------------------------


def import_referential(
    data: dict, *, by=None, source: str = "document", reason: str = DEFAULT_REASON
) -> ImportReport:
    """Import a referential and all its versions, or nothing at all.

    The whole document is checked first; any problem raises :class:`InvalidDocument`
    listing them all. A referential whose slug already exists is left untouched.
    Frozen versions are written as drafts, checked with the publication checks of
    ``services.publication_problems``, then frozen with the dates of the document.
    """
    reader = ReferentialReader(source)
    values, versions = reader.read(data)
    reader.fail_if_any()

    report = ImportReport(source)
    if Referential.objects.filter(slug=values["slug"]).exists():
        report.skipped.append(_("%(code)s (%(slug)s)") % values)
        return report
    with transaction.atomic():
        referential = _save(Referential(**values), by=by, reason=reason)
        levels = dict(NonConformityLevel.objects.values_list("slug", "pk"))
        actors = dict(Actor.objects.values_list("slug", "pk"))
        for plan in versions:
            _write_version(referential, plan, levels=levels, actors=actors, by=by, reason=reason, source=source)
            report.created.append(
                _("%(code)s v%(number)s (%(status)s, %(count)d exigences)")
                % {
                    "code": referential.code,
                    "number": plan.number,
                    "status": Status(plan.status).label,
                    "count": sum(1 for _r in plan.all_requirements()),
                }
            )
    return report


def _write_version(referential, plan: VersionPlan, *, levels, actors, by, reason, source) -> None:
    version = _save(
        ReferentialVersion(
            referential=referential,
            number=plan.number,
            status=Status.DRAFT,
            change_summary=plan.change_summary,
            based_on=plan.based_on.row if plan.based_on else None,
            conformity_rule_note=plan.rule_note,
            effective_at=plan.effective_at,
            requires_recommitment=plan.requires_recommitment,
            compliance_deadline=plan.compliance_deadline,
        ),
        by=by,
        reason=reason,
    )
    plan.row = version

    # Chapters, parents first; positions count from 1 among siblings.
    def write_chapters(chapters, parent):
        for position, chapter in enumerate(chapters, start=1):
            chapter.row = _save(
                Section(
                    version=version,
                    parent=parent,
                    origin=chapter.origin.row if chapter.origin else None,
                    position=position,
                    title=chapter.title,
                    intro=chapter.intro,
                ),
                by=by,
                reason=reason,
            )
            write_chapters(chapter.children, chapter.row)

    write_chapters(plan.chapters, None)

    # Requirements in reading order: chapter after chapter, positions 10, 20, 30…
    ordered = [(chapter, req) for chapter in plan.all_chapters() for req in chapter.requirements]
    rows = [
        Requirement(
            version=version,
            section=chapter.row,
            origin=req.origin.row if req.origin else None,
            key=req.key,
            title=req.title,
            statement=req.statement,
            level_id=levels[req.level],
            verification_method=req.verification,
            compliance_deadline=req.deadline,
            position=10 * index,
        )
        for index, (chapter, req) in enumerate(ordered, start=1)
    ]
    _create_requirements(rows, [[actors[slug] for slug in req.actors] for _c, req in ordered], by=by, reason=reason)
    for (_chapter, req), row in zip(ordered, rows, strict=True):
        req.row = row

    for slug, max_findings in (plan.thresholds or {}).items():
        _save(ConformityThreshold(version=version, level_id=levels[slug], max_findings=max_findings), by=by, reason=reason)

    if plan.status in (Status.PUBLISHED, Status.SUPERSEDED):
        # A version published elsewhere, long ago, was validated where it was written: no approval here.
        problems = publication_problems(version, published_at=plan.published_at, require_approval=False)
        if problems:
            raise InvalidDocument(source, [_("version %(number)s : %(problem)s") % {"number": plan.number, "problem": p} for p in problems])
        # Published through the service, so the version gets its PDF, with the document's date.
        version = publish_version(version=version, by=by, published_at=plan.published_at, require_approval=False)
        if plan.status == Status.SUPERSEDED:
            version.status = Status.SUPERSEDED
            _save(version, by=by, reason=reason)


def _create_requirements(rows: list[Requirement], actor_ids: list[list[int]], *, by, reason) -> None:
    """Bulk-create requirements, each with one history record that already lists its actors."""
    bulk_create_with_links(rows, m2m_field="actors", links=actor_ids, by=by, reason=reason)
