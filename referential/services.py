"""Every state change of the referential side: one function, one transaction, domain checks first.

Views, admin, API and management commands call these; none re-implements them.
"""

import logging
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history

from core.audit import bulk_create_with_links, stamp
from core.errors import DomainError, TransitionNotAllowed

from .errors import ConcurrentEdit, PublicationFailed, VersionFrozen
from .models import (
    ConformityThreshold,
    Referential,
    ReferentialVersion,
    Requirement,
    Section,
    version_sort_key,
)

Status = ReferentialVersion.Status
logger = logging.getLogger(__name__)


def _locked_version(version: ReferentialVersion) -> ReferentialVersion:
    # Lock the row so two editors cannot both move the same version at once.
    return ReferentialVersion.objects.select_for_update().select_related("referential").get(pk=version.pk)



def _require_editable(version: ReferentialVersion) -> None:
    if version.is_frozen:
        raise VersionFrozen()


def _number_key(number: str) -> tuple[int, ...]:
    # 1.2 and 1.2.0 are the same number: trailing zeros do not count.
    key = list(version_sort_key(number))
    while len(key) > 1 and key[-1] == 0:
        key.pop()
    return tuple(key)


def _check_number_is_new(referential: Referential, number: str) -> None:
    numbers = list(referential.versions.values_list("number", flat=True))
    if any(_number_key(existing) == _number_key(number) for existing in numbers):
        raise DomainError(_("La version %(number)s existe déjà pour ce référentiel.") % {"number": number})
    latest = (
        referential.versions.filter(status__in=ReferentialVersion.FROZEN_STATUSES)
        .values_list("number", flat=True)
    )
    highest = max(latest, key=version_sort_key, default=None)
    if highest and _number_key(number) <= _number_key(highest):
        raise DomainError(
            _("Le numéro %(number)s doit être supérieur à celui de la dernière version publiée (%(highest)s).")
            % {"number": number, "highest": highest}
        )


@transaction.atomic
def create_version(*, referential: Referential, number: str, change_summary: str = "", by=None) -> ReferentialVersion:
    """Create an empty draft; refuses a number already used or not above the last published one."""
    version = ReferentialVersion(referential=referential, number=number, change_summary=change_summary)
    version.full_clean(exclude=["referential"], validate_unique=False)
    _check_number_is_new(referential, number)
    stamp(version, gettext_noop("Création du brouillon"), by=by)
    version.save()
    return version


@transaction.atomic
def start_draft(*, referential: Referential, number: str, change_summary: str = "", by=None) -> ReferentialVersion:
    """Copy the current published version into a new draft: chapters, requirements (keys kept, each
    linked to the one it came from) and conformity rule. Refuses when nothing is published yet."""
    source = referential.versions.published().first()
    if source is None:
        raise TransitionNotAllowed(_("Aucune version publiée à copier : créez un brouillon vide."))
    draft = ReferentialVersion(referential=referential, number=number, change_summary=change_summary, based_on=source)
    draft.full_clean(exclude=["referential", "based_on"], validate_unique=False)
    _check_number_is_new(referential, number)
    stamp(draft, gettext_noop("Brouillon copié de la version %(number)s") % {"number": source.number}, by=by)
    draft.save()
    copy_version_content(source=source, target=draft, by=by)
    return draft


def copy_version_content(*, source: ReferentialVersion, target: ReferentialVersion, by=None) -> None:
    reason = gettext_noop("Copie de la version %(number)s") % {"number": source.number}
    section_map: dict[int, Section] = {}
    sections = list(source.sections.order_by("parent_id", "position", "id"))
    # Parents first, so each copy can point at its parent's copy.
    pending = sections
    while pending:
        next_round = []
        for section in pending:
            if section.parent_id and section.parent_id not in section_map:
                next_round.append(section)
                continue
            copy = Section(
                version=target,
                parent=section_map.get(section.parent_id),
                origin=section,
                position=section.position,
                title=section.title,
                intro=section.intro,
            )
            stamp(copy, reason, by=by)
            copy.save()
            section_map[section.pk] = copy
        if len(next_round) == len(pending):
            raise DomainError(_("La structure des chapitres de la version source est incohérente."))
        pending = next_round

    originals = list(source.requirements.prefetch_related("actors").order_by("position", "id"))
    copies = [
        Requirement(
            version=target,
            section=section_map[req.section_id],
            origin=req,
            key=req.key,
            title=req.title,
            statement=req.statement,
            level_id=req.level_id,
            verification_method=req.verification_method,
            compliance_deadline=req.compliance_deadline,
            position=req.position,
        )
        for req in originals
    ]
    bulk_create_with_links(
        copies, m2m_field="actors", links=[[a.pk for a in req.actors.all()] for req in originals], by=by, reason=reason
    )
    bulk_create_with_history(
        [
            ConformityThreshold(version=target, level_id=t.level_id, max_findings=t.max_findings)
            for t in source.thresholds.all()
        ],
        ConformityThreshold,
        default_user=by,
        default_change_reason=reason,
    )


# Requirements ------------------------------------------------------------------------------------

REQUIREMENT_FIELDS = ("key", "title", "statement", "level", "verification_method", "compliance_deadline", "position", "section")


@transaction.atomic
def create_requirement(*, version: ReferentialVersion, data: dict[str, Any], by=None) -> Requirement:
    """Add a requirement to a draft; refuses on a frozen version or a key already used in it."""
    version = _locked_version(version)
    _require_editable(version)
    data = dict(data)  # the caller's dict stays as it was
    actors = data.pop("actors", None)
    requirement = Requirement(version=version, **{k: v for k, v in data.items() if k in REQUIREMENT_FIELDS})
    if "position" not in data:
        last = version.requirements.order_by("-position").values_list("position", flat=True).first()
        requirement.position = (last or 0) + 10
    _validate_requirement(requirement)
    stamp(requirement, gettext_noop("Création"), by=by)
    requirement.save()
    if actors is not None:
        requirement.actors.set(actors)
    return requirement


@transaction.atomic
def update_requirement(
    *, requirement: Requirement, data: dict[str, Any], by=None, expected_revision: int | None = None, reason: str = ""
) -> Requirement:
    """Change a draft requirement. With ``expected_revision``, refuses if someone saved it in between."""
    requirement = Requirement.objects.select_for_update().select_related("version").get(pk=requirement.pk)
    _require_editable(requirement.version)
    if expected_revision is not None and expected_revision != requirement.revision:
        raise ConcurrentEdit()
    data = dict(data)  # the caller's dict stays as it was
    actors = data.pop("actors", None)
    for field, value in data.items():
        if field in REQUIREMENT_FIELDS:
            setattr(requirement, field, value)
    _validate_requirement(requirement)
    requirement.revision += 1
    stamp(requirement, reason or gettext_noop("Modification"), by=by)
    if actors is not None:
        # Actors first, without their own history rows: the save below writes one row for the
        # whole edit, fields and actors together.
        requirement.skip_history_when_saving = True
        requirement.actors.set(actors)
        del requirement.skip_history_when_saving
    requirement.save()
    return requirement


@transaction.atomic
def delete_requirement(*, requirement: Requirement, by=None) -> None:
    """Remove a requirement from a draft; a frozen version keeps all of its requirements."""
    requirement = Requirement.objects.select_related("version").get(pk=requirement.pk)
    _require_editable(requirement.version)
    stamp(requirement, gettext_noop("Suppression"), by=by)
    requirement.delete()


def _validate_requirement(requirement: Requirement) -> None:
    requirement.full_clean(exclude=["version", "origin"], validate_unique=False)
    clash = Requirement.objects.filter(version_id=requirement.version_id, key=requirement.key).exclude(pk=requirement.pk)
    if clash.exists():
        from django.core.exceptions import ValidationError

        raise ValidationError({"key": _("La clé %(key)s est déjà utilisée dans cette version.") % {"key": requirement.key}})


# Transitions -------------------------------------------------------------------------------------


def publication_problems(version: ReferentialVersion) -> list[str]:
    """Everything that keeps a version from being published, all at once."""
    problems: list[str] = []
    if version.status not in (Status.DRAFT, Status.CONSULTATION):
        problems.append(_("Seul un brouillon ou une version sortie de concertation peut être publié."))
    requirements = list(version.requirements.prefetch_related("actors").order_by("position"))
    if not requirements:
        problems.append(_("La version ne contient aucune exigence."))
    for req in requirements:
        if req.level_id is None:
            problems.append(_("%(key)s : aucun niveau de non-conformité.") % {"key": req.key})
        if not req.actors.all():
            problems.append(_("%(key)s : aucun acteur concerné.") % {"key": req.key})
    sections = list(version.sections.values_list("parent_id", "position", "title"))
    seen = set()
    for parent_id, position, title in sections:
        if (parent_id, position) in seen:
            problems.append(
                _("Chapitre « %(title)s » : deux chapitres ont la même position, la numérotation serait ambiguë.")
                % {"title": title}
            )
        seen.add((parent_id, position))
    for hook in PUBLICATION_CHECKS:
        problems.extend(hook(version))
    return problems


# Other apps add their own checks (for instance: no consultation still open).
PUBLICATION_CHECKS: list = []


@transaction.atomic
def publish_version(*, version: ReferentialVersion, by, published_at=None) -> ReferentialVersion:
    """Freeze a draft or a version out of consultation, with its PDF stored and fingerprinted; the
    previously published one is superseded. If the PDF cannot be built, nothing changes.
    ``published_at`` defaults to now; imports of historical versions pass their real date."""
    from .documents import build_version_pdf

    version = _locked_version(version)
    problems = publication_problems(version)
    if problems:
        raise TransitionNotAllowed(_("La version ne peut pas être publiée."), problems=problems)
    published_at = published_at or timezone.now()
    try:
        built = build_version_pdf(version, preview=False, published_at=published_at)
    except Exception as exc:  # the engine's errors are many; the editor needs one clear message
        logger.exception("PDF build failed for %s", version)
        raise PublicationFailed(
            _("La construction du PDF a échoué (%(error)s) : la version n'a pas été publiée.") % {"error": exc}
        ) from exc
    previous = version.referential.versions.select_for_update().filter(status=Status.PUBLISHED).exclude(pk=version.pk)
    for old in previous:
        old.status = Status.SUPERSEDED
        stamp(old, gettext_noop("Remplacée par la version %(number)s") % {"number": version.number}, by=by)
        old.save()
    version.pdf.save(f"{version.referential.slug}/{built.filename}", ContentFile(built.content), save=False)
    try:
        version.pdf_sha256 = built.sha256
        version.pdf_size = len(built.content)
        version.status = Status.PUBLISHED
        version.published_at = published_at
        version.published_by = by
        version.publication_task_id = ""
        version.publication_error = ""
        stamp(version, gettext_noop("Publication"), by=by)
        version.save()
    except Exception:
        # The row was not written: the stored file must not outlive the failed publication.
        version.pdf.storage.delete(version.pdf.name)
        raise
    return version


def request_publication(*, version: ReferentialVersion, by) -> ReferentialVersion:
    """Check the version now (every problem at once), then publish it through the task backend:
    inline by default, so the caller gets the result or the error; queued with a worker, in which
    case the version is marked *publication en cours* until the worker is done."""
    from .tasks import publish_version_task

    problems = publication_problems(version)
    if problems:
        raise TransitionNotAllowed(_("La version ne peut pas être publiée."), problems=problems)
    if version.is_publishing:
        raise TransitionNotAllowed(_("Une publication de cette version est déjà en cours."))
    result = publish_version_task.enqueue(version.pk, getattr(by, "pk", None))
    if not result.is_finished:
        # Only a row still unpublished takes the marker: the worker may already be done.
        ReferentialVersion.objects.filter(pk=version.pk, status__in=(Status.DRAFT, Status.CONSULTATION)).update(
            publication_task_id=result.id, publication_error=""
        )
    version.refresh_from_db()
    if result.is_finished and version.status != Status.PUBLISHED:
        raise PublicationFailed(version.publication_error or None)
    return version


def record_publication_failure(*, version: ReferentialVersion, error: Exception) -> None:
    """Keep the reason a background publication failed, for the editor to read."""
    message = " ".join([str(error), *[str(p) for p in getattr(error, "problems", [])]])
    ReferentialVersion.objects.filter(pk=version.pk, status__in=(Status.DRAFT, Status.CONSULTATION)).update(
        publication_task_id="", publication_error=message
    )
