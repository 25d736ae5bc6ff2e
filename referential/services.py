"""Every state change of the referential side: one function, one transaction, domain checks first.

Views, admin, API and management commands call these; none re-implements them.
"""

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from simple_history.utils import bulk_create_with_history

from core.audit import bulk_create_with_links, stamp
from core.errors import DomainError, TransitionNotAllowed
from core.protection import deletion_refused

from . import fixed_labels, signals
from .errors import ConcurrentEdit, PublicationFailed
from .interchange import ImportPlan, ImportRefused, plan_import
from .models import (
    Actor,
    ConformityThreshold,
    ImportMapping,
    NonConformityLevel,
    Referential,
    ReferentialVersion,
    Requirement,
    Section,
    frozen_text_error,
    version_sort_key,
)
from .keys import key_identity, normalise_key
from .text import normalise_line, normalise_text

Status = ReferentialVersion.Status
logger = logging.getLogger(__name__)

# The version lifecycle, in one place: the only moves a version's status may make, each made by
# one service below (``submit_version_to_consultation``, ``publish_version``, ``supersede_version``).
# "In force" is not a status: it is a date (see ``effective_at``).
VERSION_TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.CONSULTATION, Status.PUBLISHED},
    Status.CONSULTATION: {Status.PUBLISHED},
    Status.PUBLISHED: {Status.SUPERSEDED},
    Status.SUPERSEDED: set(),
}


# What an editor is told when a move is not in the table, by the status it was aiming at.
_TRANSITION_REFUSALS = {
    Status.CONSULTATION: gettext_lazy("Seul un brouillon peut être soumis à concertation."),
    Status.PUBLISHED: gettext_lazy("Seul un brouillon ou une version sortie de concertation peut être publié."),
    Status.SUPERSEDED: gettext_lazy("Seule la version publiée peut être remplacée."),
}


def _check_transition(version: ReferentialVersion, target: str) -> None:
    if target not in VERSION_TRANSITIONS[version.status]:
        raise TransitionNotAllowed(_TRANSITION_REFUSALS[target])


def _locked_version(version: ReferentialVersion) -> ReferentialVersion:
    # Lock the row so two editors cannot both move the same version at once.
    return ReferentialVersion.objects.select_for_update().select_related("referential").get(pk=version.pk)



def _require_editable(version: ReferentialVersion) -> None:
    if error := frozen_text_error(version.status):
        raise error


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
def create_version(
    *, referential: Referential, number: str, change_summary: str = "", by: User | None
) -> ReferentialVersion:
    """Create an empty draft; refuses a number already used or not above the last published one."""
    version = ReferentialVersion(referential=referential, number=number, change_summary=change_summary)
    version.full_clean(exclude=["referential"], validate_unique=False)
    _check_number_is_new(referential, number)
    stamp(version, gettext_noop("Création du brouillon"), by=by)
    version.save()
    return version


@transaction.atomic
def start_draft(
    *,
    referential: Referential,
    number: str,
    change_summary: str = "",
    source: ReferentialVersion | None = None,
    by: User | None,
) -> ReferentialVersion:
    """Copy a version into a new draft: chapters, requirements (keys kept, each linked to the one it
    came from) and conformity rule. The source is the published version unless another is named: a
    version in consultation may be the source, so editors prepare the next text while this one is
    being read. Refuses a draft as source, a source of another referential, and no source at all."""
    if source is None:
        source = referential.versions.published().first()
        if source is None:
            raise TransitionNotAllowed(_("Aucune version publiée à copier : créez un brouillon vide."))
    elif source.referential_id != referential.pk:
        raise DomainError(_("La version source appartient à un autre référentiel."))
    elif source.status not in (Status.CONSULTATION, Status.PUBLISHED):
        raise TransitionNotAllowed(
            _("Un brouillon part de la version publiée ou d'une version en concertation, pas de la version %(number)s.")
            % {"number": source.number}
        )
    draft = ReferentialVersion(referential=referential, number=number, change_summary=change_summary, based_on=source)
    draft.full_clean(exclude=["referential", "based_on"], validate_unique=False)
    _check_number_is_new(referential, number)
    if _number_key(number) <= _number_key(source.number):
        raise DomainError(
            _("Le numéro %(number)s doit être supérieur à celui de la version copiée (%(source)s).")
            % {"number": number, "source": source.number}
        )
    stamp(draft, gettext_noop("Brouillon copié de la version %(number)s") % {"number": source.number}, by=by)
    draft.save()
    copy_version_content(source=source, target=draft, by=by)
    return draft


def copy_version_content(*, source: ReferentialVersion, target: ReferentialVersion, by: User | None) -> None:
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

class _Unchanged:
    """Marks a field ``update_requirement`` leaves as it is (None is a value some fields take)."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged()


@transaction.atomic
def create_requirement(
    *,
    version: ReferentialVersion,
    section: Section,
    key: str,
    title: str,
    statement: str,
    level: NonConformityLevel | None = None,
    actors: Iterable[Actor] = (),
    verification_method: str = "",
    compliance_deadline: date | None = None,
    position: int | None = None,
    by: User | None,
) -> Requirement:
    """Add a requirement to a draft, after the last one unless a position is given; refuses on a
    version whose text is frozen (in consultation or published) or a key already used in it."""
    version = _locked_version(version)
    _require_editable(version)
    if position is None:
        last = version.requirements.order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 10
    requirement = Requirement(
        version=version,
        section=section,
        key=key,
        title=normalise_line(title),
        statement=normalise_text(statement),
        level=level,
        verification_method=normalise_line(verification_method),
        compliance_deadline=compliance_deadline,
        position=position,
    )
    _validate_requirement(requirement)
    stamp(requirement, gettext_noop("Création"), by=by)
    requirement.save()
    actors = list(actors)
    if actors:
        requirement.actors.set(actors)
    return requirement


@transaction.atomic
def update_requirement(
    *,
    requirement: Requirement,
    by: User | None,
    expected_revision: int | None = None,
    reason: str = "",
    section: Section | _Unchanged = UNCHANGED,
    key: str | _Unchanged = UNCHANGED,
    title: str | _Unchanged = UNCHANGED,
    statement: str | _Unchanged = UNCHANGED,
    level: NonConformityLevel | None | _Unchanged = UNCHANGED,
    actors: Iterable[Actor] | _Unchanged = UNCHANGED,
    verification_method: str | _Unchanged = UNCHANGED,
    compliance_deadline: date | None | _Unchanged = UNCHANGED,
    position: int | _Unchanged = UNCHANGED,
) -> Requirement:
    """Change the named fields of a draft requirement (the others stay as they are). With
    ``expected_revision``, refuses if someone saved it in between; refuses on a frozen text."""
    requirement = Requirement.objects.select_for_update().select_related("version").get(pk=requirement.pk)
    _require_editable(requirement.version)
    if expected_revision is not None and expected_revision != requirement.revision:
        raise ConcurrentEdit()
    changes = {
        "section": section,
        "key": key,
        "title": title if title is UNCHANGED else normalise_line(title),
        "statement": statement if statement is UNCHANGED else normalise_text(statement),
        "level": level,
        "verification_method": (
            verification_method if verification_method is UNCHANGED else normalise_line(verification_method)
        ),
        "compliance_deadline": compliance_deadline,
        "position": position,
    }
    for field, value in changes.items():
        if value is not UNCHANGED:
            setattr(requirement, field, value)
    _validate_requirement(requirement)
    requirement.revision += 1
    stamp(requirement, reason or gettext_noop("Modification"), by=by)
    if actors is not UNCHANGED:
        # Actors first, without their own history rows: the save below writes one row for the
        # whole edit, fields and actors together.
        requirement.skip_history_when_saving = True
        requirement.actors.set(list(actors))
        del requirement.skip_history_when_saving
    requirement.save()
    return requirement


@transaction.atomic
def delete_requirement(*, requirement: Requirement, by: User | None) -> None:
    """Remove a requirement from a draft; a frozen text keeps all of its requirements, and one that
    comments (or a later copy) point at is kept too (``DeletionRefused``, nothing written)."""
    requirement = Requirement.objects.select_related("version").get(pk=requirement.pk)
    _require_editable(requirement.version)
    stamp(requirement, gettext_noop("Suppression"), by=by)
    try:
        # A savepoint of its own: the refused delete must leave the outer transaction usable (PostgreSQL).
        with transaction.atomic():
            requirement.delete()
    except (ProtectedError, RestrictedError) as error:
        raise deletion_refused(error, what=_("L'exigence %(key)s") % {"key": requirement.key}) from error


def _validate_requirement(requirement: Requirement) -> None:
    requirement.key = normalise_key(requirement.key)
    requirement.full_clean(exclude=["version", "origin"], validate_unique=False)
    # Keys a reader cannot tell apart (case, no-break spaces) are the same key.
    identity = key_identity(requirement.key)
    others = Requirement.objects.filter(version_id=requirement.version_id).exclude(pk=requirement.pk)
    for other in others.values_list("key", flat=True):
        if key_identity(other) == identity:
            if other == requirement.key:
                message = _("La clé %(key)s est déjà utilisée dans cette version.") % {"key": requirement.key}
            else:
                message = _(
                    "La clé %(key)s ne se distingue pas de la clé %(other)s, déjà utilisée dans cette version."
                ) % {"key": requirement.key, "other": other}
            raise ValidationError({"key": message})


# Transitions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Remedy:
    """The action that resolves a publication problem: what to do, and the page where it is done."""

    label: str
    url: str


@dataclass(frozen=True)
class PublicationNotice:
    """One blocking problem or one warning of a publication, in words for the editor, with the action
    that resolves it when there is one. Reads as its message."""

    message: str
    remedy: Remedy | None = None

    def __str__(self) -> str:
        return str(self.message)


def _as_notice(item) -> PublicationNotice:
    return item if isinstance(item, PublicationNotice) else PublicationNotice(str(item))


def _admin_url(name: str, *args, query: str = "") -> str:
    return reverse(f"admin:{name}", args=args) + (f"?{query}" if query else "")


def publish_page_url(version: ReferentialVersion) -> str:
    """The page where an editor reviews and confirms the publication of ``version``."""
    return reverse("referential:version_publish", kwargs={"slug": version.referential.slug, "number": version.number})


def start_draft_remedy(source: ReferentialVersion) -> Remedy:
    return Remedy(
        _("Démarrer un brouillon à partir de la version %(number)s") % {"number": source.number},
        _admin_url("referential_referentialversion_start_draft", source.pk),
    )


def publication_problems(version: ReferentialVersion, *, published_at: datetime | None = None) -> list[str]:
    """Everything that keeps a version from being published, all at once, as sentences."""
    return [notice.message for notice in publication_blockers(version, published_at=published_at)]


def publication_blockers(version: ReferentialVersion, *, published_at: datetime | None = None) -> list[PublicationNotice]:
    """Everything that keeps a version from being published (on ``published_at``, now by default), all
    at once, each with the action that resolves it."""
    problems: list[PublicationNotice] = []
    if Status.PUBLISHED not in VERSION_TRANSITIONS[version.status]:
        remedy = start_draft_remedy(version) if version.status == Status.PUBLISHED else None
        problems.append(PublicationNotice(str(_TRANSITION_REFUSALS[Status.PUBLISHED]), remedy))

    def fix(label: str, url: str) -> Remedy | None:
        # A frozen text cannot be fixed in place: what is wrong with it is fixed in the next draft.
        if not version.is_text_frozen:
            return Remedy(label, url)
        return start_draft_remedy(version) if version.status in (Status.CONSULTATION, Status.PUBLISHED) else None

    requirements = list(version.requirements.prefetch_related("actors").order_by("position"))
    if not requirements:
        problems.append(
            PublicationNotice(
                _("La version ne contient aucune exigence."),
                fix(_("Ajouter une exigence"), _admin_url("referential_requirement_add", query=f"version={version.pk}")),
            )
        )
    for req in requirements:
        remedy = fix(_("Compléter l'exigence %(key)s") % {"key": req.key}, _admin_url("referential_requirement_change", req.pk))
        if req.level_id is None:
            problems.append(PublicationNotice(_("%(key)s : aucun niveau de non-conformité.") % {"key": req.key}, remedy))
        if not req.actors.all():
            problems.append(PublicationNotice(_("%(key)s : aucun acteur concerné.") % {"key": req.key}, remedy))
    sections = list(version.sections.values_list("pk", "parent_id", "position", "title"))
    seen = set()
    for pk, parent_id, position, title in sections:
        if (parent_id, position) in seen:
            problems.append(
                PublicationNotice(
                    _("Chapitre « %(title)s » : deux chapitres ont la même position, la numérotation serait ambiguë.")
                    % {"title": title},
                    fix(
                        _("Changer la position du chapitre « %(title)s »") % {"title": title},
                        _admin_url("referential_section_change", pk),
                    ),
                )
            )
        seen.add((parent_id, position))
    problems.extend(_lineage_problems(version))
    problems.extend(_date_problems(version, published_at or timezone.now()))
    for check in _publication_checks.values():
        problems.extend(_as_notice(problem) for problem in check(version))
    return problems


def _date_problems(version: ReferentialVersion, published_at: datetime) -> list[PublicationNotice]:
    published_on = timezone.localdate(published_at)
    if version.effective_at and version.effective_at < published_on:
        return [
            PublicationNotice(
                _("Date d'entrée en vigueur (effective_at) : le %(date)s précède la publication ; choisissez le jour de la publication ou plus tard.")
                % {"date": date_format(version.effective_at, "DATE_FORMAT")},
                Remedy(_("Corriger la date d'entrée en vigueur"), _admin_url("referential_referentialversion_change", version.pk)),
            )
        ]
    # Without an in-force date, the version applies from its publication: a deadline before is incoherent.
    applies_on = version.effective_at or published_on
    if version.compliance_deadline and version.compliance_deadline < applies_on:
        return [
            PublicationNotice(
                _("Date limite de mise en conformité (compliance_deadline) : le %(date)s précède l'entrée en vigueur (%(applies)s) ; choisissez ce jour ou plus tard.")
                % {
                    "date": date_format(version.compliance_deadline, "DATE_FORMAT"),
                    "applies": date_format(applies_on, "DATE_FORMAT"),
                },
                Remedy(_("Corriger la date limite de mise en conformité"), _admin_url("referential_referentialversion_change", version.pk)),
            )
        ]
    return []


def _lineage_problems(version: ReferentialVersion) -> list[PublicationNotice]:
    """A version replaces the one in force only if it carries its changes: it must be based on the
    version published now, and no other version of the referential may be in consultation (its
    readers would be commenting on a text already overtaken)."""
    problems: list[PublicationNotice] = []
    others = version.referential.versions.exclude(pk=version.pk).select_related("referential")
    for other in others.filter(status=Status.CONSULTATION).order_by("number"):
        problems.append(
            PublicationNotice(
                _(
                    "La version %(other)s est en concertation : publiez-la d'abord (après la clôture de sa "
                    "concertation), puis démarrez le brouillon suivant à partir d'elle."
                )
                % {"other": other.number},
                Remedy(_("Publier d'abord la version %(number)s") % {"number": other.number}, publish_page_url(other)),
            )
        )
    published = others.filter(status=Status.PUBLISHED).first()
    if published is not None and version.based_on_id != published.pk:
        based_on = version.based_on.number if version.based_on_id else None
        if based_on:
            message = _(
                "La version %(number)s est fondée sur la version %(based_on)s, mais la version publiée est "
                "la %(published)s : ses changements seraient perdus. Démarrez un nouveau brouillon à partir "
                "de la version %(published)s et reportez-y vos modifications."
            )
        else:
            message = _(
                "La version %(number)s n'est fondée sur aucune version, mais la version %(published)s est "
                "publiée : démarrez un nouveau brouillon à partir de la version %(published)s."
            )
        problems.append(
            PublicationNotice(
                message % {"number": version.number, "based_on": based_on, "published": published.number},
                start_draft_remedy(published),
            )
        )
    return problems


def publication_warnings(version: ReferentialVersion) -> list[PublicationNotice]:
    """What the editor should know before publishing, without it blocking: characters the PDF fonts
    cannot print, and keys that named another requirement in the previous version (*clé réutilisée*)."""
    from .compare import compare_versions
    from .documents import previous_version
    from .printable import unprintable_characters, warning_text

    warnings: list[PublicationNotice] = []
    for item in unprintable_characters(version):
        remedy = None
        if item.requirement_id and not version.is_text_frozen:
            remedy = Remedy(_("Corriger l'exigence %(key)s") % {"key": item.where}, _admin_url("referential_requirement_change", item.requirement_id))
        warnings.append(PublicationNotice(warning_text(item), remedy))
    previous = previous_version(version)
    if previous is not None:
        comparison = compare_versions(previous, version)
        url = reverse(
            "referential:compare", kwargs={"slug": version.referential.slug, "a": previous.number, "b": version.number}
        )
        for old, new in comparison.reused_keys:
            warnings.append(
                PublicationNotice(
                    _(
                        "Clé réutilisée : %(key)s désignait dans la version %(old_version)s l'exigence « %(old_title)s », "
                        "qui n'a pas de suite dans cette version ; elle désigne ici une autre exigence, « %(new_title)s ». "
                        "Qui cite %(key)s parlera de deux exigences différentes selon la version : une clé nouvelle évite "
                        "la confusion."
                    )
                    % {"key": new.key, "old_version": previous.number, "old_title": old.title, "new_title": new.title},
                    Remedy(_("Voir la comparaison avec la version %(number)s") % {"number": previous.number}, url),
                )
            )
    return warnings


@dataclass
class PublicationReview:
    """What publishing ``version`` today would do, as the confirmation page shows it: the day it
    applies from, the version in force today that it replaces (and its last day), every blocking
    problem and every warning."""

    version: ReferentialVersion
    today: date
    in_force_from: date
    blockers: list[PublicationNotice] = field(default_factory=list)
    warnings: list[PublicationNotice] = field(default_factory=list)
    # The version in force today, which stops being in force (None when none is).
    replaced: ReferentialVersion | None = None
    # Its last day in force; None when it stops on publication, the new version applying at once.
    replaced_until: date | None = None
    # A version published for later, not yet in force, superseded before it ever applies.
    overtaken: ReferentialVersion | None = None
    # A digest of what would be printed (see ``content_digest``): a text changed since is another review.
    content: str = ""

    @property
    def can_publish(self) -> bool:
        return not self.blockers

    @property
    def applies_at_once(self) -> bool:
        return self.in_force_from <= self.today

    @property
    def fingerprint(self) -> str:
        """Changes when anything the editor was shown changes: a confirmation of another review is stale."""
        parts = [
            str(self.version.pk),
            self.version.status,
            self.in_force_from.isoformat(),
            str(self.replaced.pk if self.replaced else ""),
            self.content,
            *(notice.message for notice in self.blockers),
            *(notice.message for notice in self.warnings),
        ]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def review_publication(version: ReferentialVersion, *, today: date | None = None) -> PublicationReview:
    """Everything the editor must see before publishing ``version`` today (see ``PublicationReview``)."""
    from .queries import version_in_force

    today = today or timezone.localdate()
    in_force_from = max(version.effective_at or today, today)
    others = [
        v for v in version.referential.versions.filter(status__in=ReferentialVersion.FROZEN_STATUSES) if v.pk != version.pk
    ]
    replaced = version_in_force(others, today)
    pending = next(
        (v for v in others if v.status == Status.PUBLISHED and v.in_force_from and v.in_force_from > today), None
    )
    # A version published for later is overtaken only if this one takes effect on or before it; else
    # it applies in between, and the version in force today stops the day before it does.
    overtaken = pending if pending and in_force_from <= pending.in_force_from else None
    stops_on = pending.in_force_from if pending and not overtaken else in_force_from
    return PublicationReview(
        version=version,
        today=today,
        in_force_from=in_force_from,
        blockers=publication_blockers(version),
        warnings=publication_warnings(version) if not version.is_frozen else [],
        replaced=replaced,
        replaced_until=stops_on - timedelta(days=1) if replaced and stops_on > today else None,
        overtaken=overtaken,
        content=content_digest(version),
    )


def content_digest(version: ReferentialVersion) -> str:
    """A digest of everything ``version`` would print: its row's dates, summary and rule, its chapters,
    requirements (with their actors) and thresholds. Four queries."""
    row = ReferentialVersion.objects.filter(pk=version.pk).values_list(
        "number", "change_summary", "conformity_rule_note", "effective_at", "compliance_deadline", "requires_recommitment"
    )
    parts = [
        list(row),
        list(version.sections.order_by("pk").values_list("pk", "parent_id", "position", "title", "intro")),
        list(
            version.requirements.order_by("pk").values_list(
                "pk", "section_id", "key", "title", "statement", "level_id", "verification_method",
                "compliance_deadline", "position",
            )
        ),
        sorted(
            Requirement.actors.through.objects.filter(requirement__version=version).values_list("requirement_id", "actor_id")
        ),
        list(version.thresholds.order_by("level_id").values_list("level_id", "max_findings")),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


# Checks other apps add to publication ------------------------------------------------------------
#
# The referential cannot import the apps built on it (consultation, workshops…), yet some of their
# rules bear on publication. Each such app registers its check here from its ``AppConfig.ready()``.
# Registered today:
#   - consultation: a version whose consultation is still open is not published.

PublicationCheck = Callable[[ReferentialVersion], "list[str | PublicationNotice]"]
_publication_checks: dict[str, PublicationCheck] = {}


def register_publication_check(name: str, check: PublicationCheck) -> None:
    """Make ``publication_problems`` also run ``check`` (a version → the blocking problems it finds,
    as sentences for the editor, or as ``PublicationNotice`` naming the action that resolves each).
    Registering a name again replaces its check."""
    _publication_checks[name] = check


def registered_publication_checks() -> dict[str, PublicationCheck]:
    """The checks other apps registered, by name (for the record and for tests)."""
    return dict(_publication_checks)


@transaction.atomic
def submit_version_to_consultation(*, version: ReferentialVersion, by: User | None) -> ReferentialVersion:
    """Draft → consultation: the version becomes readable by all and its text freezes (comments are
    written on it). Refuses any other status. The consultation itself (its window) is recorded by
    ``consultation.services.open_consultation``, which calls this."""
    version = _locked_version(version)
    _check_transition(version, Status.CONSULTATION)
    # Two texts of one referential in consultation would each wait for the other to be published
    # first (see ``_lineage_problems``), and neither can go back to draft.
    other = (
        version.referential.versions.select_for_update().filter(status=Status.CONSULTATION).exclude(pk=version.pk).first()
    )
    if other is not None:
        raise TransitionNotAllowed(
            _(
                "La version %(other)s de ce référentiel est déjà en concertation : publiez-la (après la clôture "
                "de sa concertation) avant d'en soumettre une autre."
            )
            % {"other": other.number}
        )
    version.status = Status.CONSULTATION
    stamp(version, gettext_noop("Soumise à concertation"), by=by)
    version.save()
    return version


@transaction.atomic
def supersede_version(*, version: ReferentialVersion, successor: ReferentialVersion, by: User | None) -> ReferentialVersion:
    """Published → superseded, when ``successor`` is published in its place; refuses any other status."""
    version = _locked_version(version)
    _check_transition(version, Status.SUPERSEDED)
    version.status = Status.SUPERSEDED
    stamp(version, gettext_noop("Remplacée par la version %(number)s") % {"number": successor.number}, by=by)
    version.save()
    return version


@transaction.atomic
def publish_version(
    *, version: ReferentialVersion, by: User | None, published_at: datetime | None = None
) -> ReferentialVersion:
    """Freeze a draft or a version out of consultation, with its PDF stored and fingerprinted; the
    previously published one is superseded. If the PDF cannot be built, nothing changes.
    ``published_at`` defaults to now; imports of historical versions pass their real date."""
    from .documents import build_version_pdf

    version = _locked_version(version)
    published_at = published_at or timezone.now()
    problems = publication_problems(version, published_at=published_at)
    if problems:
        raise TransitionNotAllowed(_("La version ne peut pas être publiée."), problems=problems)
    # What the version prints is fixed now: relabelling a level or an actor later changes none of it.
    version.publication_labels = fixed_labels.capture(version)
    try:
        built = build_version_pdf(version, preview=False, published_at=published_at, published_by=by)
    except Exception as exc:  # the engine's errors are many; the editor needs one clear message
        logger.exception("PDF build failed for %s", version)
        raise PublicationFailed(
            _("La construction du PDF a échoué (%(error)s) : la version n'a pas été publiée.") % {"error": exc}
        ) from exc
    for old in version.referential.versions.filter(status=Status.PUBLISHED).exclude(pk=version.pk):
        supersede_version(version=old, successor=version, by=by)
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
    signals.version_published.send(sender=ReferentialVersion, version=version)
    return version


def request_publication(*, version: ReferentialVersion, by: User | None) -> ReferentialVersion:
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


# Imports from other tools ------------------------------------------------------------------------


@transaction.atomic
def import_into_draft(*, version: ReferentialVersion, document: dict, mapping: dict, by) -> ImportPlan:
    """Make a draft hold exactly the requirements and chapters of an imported document (ReqIF or
    spreadsheet, see ``interchange``): requirements are matched by identifier, then by key, and
    added, changed or removed; chapters are matched by their titles. All or nothing: refuses a
    version that is not a draft and any problem of the plan, writing nothing. The mapping is
    remembered for the document's source tool."""
    version = _locked_version(version)
    _require_editable(version)
    if version.status != Status.DRAFT:
        raise TransitionNotAllowed(_("Seul un brouillon peut recevoir un import : cette version n'en est plus un."))
    plan = plan_import(version, document, mapping)
    if plan.problems:
        raise ImportRefused(
            _("Le fichier « %(name)s » n'a pas été importé : %(count)d problème(s).")
            % {"name": document.get("filename", ""), "count": len(plan.problems)},
            problems=plan.problems,
        )
    reason = gettext_noop("Import de « %(name)s »") % {"name": document.get("filename", "")}

    # Chapters: the file's tree, in its order; existing chapters are matched by their title path.
    sections = {s.pk: s for s in version.sections.all()}
    by_path: dict[tuple[str, ...], Section] = {}
    for section in sections.values():
        path, current, guard = [], section, 0
        while current is not None and guard < 100:
            path.insert(0, current.title)
            current = sections.get(current.parent_id)
            guard += 1
        by_path[tuple(path)] = section
    sibling_count: dict[tuple[str, ...], int] = {}
    kept: set[int] = set()
    for path, intro in plan.chapters:
        parent = by_path[path[:-1]] if len(path) > 1 else None
        sibling_count[path[:-1]] = position = sibling_count.get(path[:-1], 0) + 1
        section = by_path.get(path)
        if intro is None:  # the file says nothing of it (a spreadsheet): keep what the draft has
            intro = section.intro if section is not None else ""
        if section is None:
            section = Section(version=version, parent=parent, title=path[-1], intro=intro, position=position)
            stamp(section, reason, by=by)
            section.save()
            by_path[path] = section
        elif (section.intro, section.position, section.parent_id) != (intro, position, parent.pk if parent else None):
            section.intro, section.position, section.parent = intro, position, parent
            stamp(section, reason, by=by)
            section.save()
        kept.add(section.pk)

    # Requirements the file no longer holds go first, so that their keys are free.
    for requirement in plan.removed:
        delete_requirement(requirement=requirement, by=by)
    # A key may move from one requirement to another (a swap): park the changing keys first.
    renamed = [r.existing.pk for r in plan.changed if "key" in r.changes]
    for pk in renamed:
        Requirement.objects.filter(pk=pk).update(key=f"~{pk}")
    reorder = []
    levels = NonConformityLevel.objects.in_bulk()
    for index, planned in enumerate(plan.requirements, start=1):
        position = 10 * index
        if planned.existing is None:
            continue
        if planned.changes:
            update_requirement(
                requirement=planned.existing,
                key=planned.key,
                title=planned.title,
                statement=planned.statement,
                level=levels.get(planned.level_id),
                verification_method=planned.verification_method,
                compliance_deadline=planned.compliance_deadline,
                section=by_path[planned.chapter],
                position=position,
                actors=list(Actor.objects.filter(pk__in=planned.actor_ids)),
                by=by,
                reason=reason,
            )
        elif planned.existing.position != position:
            planned.existing.position = position
            reorder.append(planned.existing)
    Requirement.objects.bulk_update(reorder, ["position"])
    added = [(index, p) for index, p in enumerate(plan.requirements, start=1) if p.existing is None]
    rows = [
        Requirement(
            version=version,
            section=by_path[p.chapter],
            key=p.key,
            title=p.title,
            statement=p.statement,
            level_id=p.level_id,
            verification_method=p.verification_method,
            compliance_deadline=p.compliance_deadline,
            position=10 * index,
            exchange_id=p.identifier,
        )
        for index, p in added
    ]
    for row in rows:
        row.full_clean(exclude=["version", "section", "origin", "level"], validate_unique=False)
    bulk_create_with_links(rows, m2m_field="actors", links=[p.actor_ids for _i, p in added], by=by, reason=reason)

    # Chapters the file does not hold any more, now empty: the deepest first.
    obsolete = [s for s in version.sections.all() if s.pk not in kept]
    depth = {s.pk: len(next(p for p, sec in by_path.items() if sec.pk == s.pk)) for s in obsolete}
    for section in sorted(obsolete, key=lambda s: -depth[s.pk]):
        if section.requirements.exists():
            raise ImportRefused(_("Le chapitre « %(title)s » contient encore des exigences.") % {"title": section.title})
        stamp(section, reason, by=by)
        section.delete()

    if document.get("tool"):
        ImportMapping.objects.update_or_create(
            source_tool=document["tool"][:250], defaults={"mapping": mapping, "updated_by": by}
        )
    return plan
