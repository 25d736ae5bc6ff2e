"""Every state change of the referential side: one function, one transaction, domain checks first.

Views, admin, API and management commands call these; none re-implements them.
"""

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from simple_history.utils import bulk_create_with_history

from core.audit import bulk_create_with_links, stamp
from core.background import recover_abandoned_work, work_abandoned
from core.errors import DomainError, PermissionRefused, TransitionNotAllowed
from core.protection import deletion_refused
from core.roles import is_editor

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
    VersionReview,
    frozen_text_error,
    version_sort_key,
)
from .keys import key_identity, normalise_key
from .queries import ReviewStatus, review_status, version_content_fingerprint
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


# Validation before publication, beside the lifecycle: a version that may be published (a draft or a
# version in consultation) goes through rounds of review, each round moving only this way. The
# starting point ``None`` is "never submitted"; an approval voided by a later change of the text is
# submitted again (``submit_for_validation``), as are changes requested. Whether publication waits
# for an approval is ``settings.REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL`` (see ``_approval_problems``).
Review = VersionReview.State
REVIEW_TRANSITIONS: dict[str | None, set[str]] = {
    None: {Review.PENDING},
    Review.PENDING: {Review.APPROVED, Review.CHANGES_REQUESTED},
    Review.CHANGES_REQUESTED: {Review.PENDING},
    Review.APPROVED: {Review.PENDING},  # only once the text has changed since the approval
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


def publication_problems(
    version: ReferentialVersion, *, published_at: datetime | None = None, require_approval: bool | None = None
) -> list[str]:
    """Everything that keeps a version from being published, all at once, as sentences."""
    return [
        notice.message
        for notice in publication_blockers(version, published_at=published_at, require_approval=require_approval)
    ]


def publication_blockers(
    version: ReferentialVersion, *, published_at: datetime | None = None, require_approval: bool | None = None
) -> list[PublicationNotice]:
    """Everything that keeps a version from being published (on ``published_at``, now by default), all
    at once, each with the action that resolves it. ``require_approval`` defaults to the setting
    ``REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL``; an import of a version published elsewhere, long
    ago, passes ``False``: it was validated where it was written."""
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
    if require_approval is None:
        require_approval = settings.REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL
    if require_approval and not version.is_frozen:
        problems.extend(_approval_problems(version))
    for check in _publication_checks.values():
        problems.extend(_as_notice(problem) for problem in check(version))
    return problems


def review_anchor_url(version: ReferentialVersion) -> str:
    """The validation panel on the version's page."""
    return version.get_absolute_url() + "#validation"


def _approval_problems(version: ReferentialVersion) -> list[PublicationNotice]:
    """Publication waits for an approval, by an editor other than the one who submitted the version,
    given on the text as it is now."""
    state = review_status(version)
    review = state.review
    url = review_anchor_url(version)
    if state.approval_holds:
        return []
    if review is None:
        message = _(
            "Validation manquante : la version n'a pas été soumise à validation ; un éditeur autre que "
            "son auteur doit l'approuver avant sa publication."
        )
        remedy = Remedy(_("Soumettre la version à validation"), url)
    elif review.state == Review.PENDING:
        message = _(
            "Validation manquante : la version attend l'approbation d'un éditeur autre que %(author)s, "
            "qui l'a soumise le %(date)s."
        ) % {"author": _person(review.submitted_by), "date": date_format(timezone.localtime(review.submitted_at), "DATE_FORMAT")}
        remedy = Remedy(_("Voir la demande de validation"), url)
    elif review.state == Review.CHANGES_REQUESTED:
        message = _("Validation manquante : %(person)s a demandé des modifications (« %(note)s ») ; soumettez de nouveau la version une fois le texte corrigé.") % {
            "person": _person(review.decided_by),
            "note": review.note,
        }
        remedy = Remedy(_("Soumettre de nouveau la version à validation"), url)
    else:
        message = _(
            "Validation manquante : le texte a changé depuis l'approbation de %(person)s ; "
            "soumettez de nouveau la version à validation."
        ) % {"person": _person(review.decided_by)}
        remedy = Remedy(_("Soumettre de nouveau la version à validation"), url)
    return [PublicationNotice(message, remedy)]


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "—"


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


def _require_reviewer(by: User | None) -> None:
    if not is_editor(by):
        raise PermissionRefused(_("Seuls les éditeurs de l'ANS valident les versions."))


def _check_review_move(version: ReferentialVersion, state: ReviewStatus, target: str) -> None:
    if Status.PUBLISHED not in VERSION_TRANSITIONS[version.status]:
        raise TransitionNotAllowed(_("Seule une version à publier (brouillon ou en concertation) passe en validation."))
    current = state.review.state if state.review else None
    if target not in REVIEW_TRANSITIONS[current]:
        if target == Review.PENDING and current == Review.PENDING:
            raise TransitionNotAllowed(_("La version attend déjà une validation."))
        if target == Review.PENDING:
            raise TransitionNotAllowed(_("La version n'a pas été soumise à validation."))
        raise TransitionNotAllowed(_("Aucune validation n'est en attente pour cette version."))
    if target == Review.PENDING and current == Review.APPROVED and state.approval_holds:
        raise TransitionNotAllowed(_("La version est déjà approuvée et son texte n'a pas changé depuis."))


@transaction.atomic
def submit_for_validation(*, version: ReferentialVersion, by: User) -> VersionReview:
    """Ask another editor to approve ``version`` before its publication: opens a round of review,
    pending. Refuses non-editors, a version already published, a round already pending, and an
    approval that still holds (the text has not changed since)."""
    _require_reviewer(by)
    version = _locked_version(version)
    state = review_status(version)
    _check_review_move(version, state, Review.PENDING)
    review = VersionReview(
        version=version,
        state=Review.PENDING,
        submitted_by=by,
        submitted_at=timezone.now(),
        content_fingerprint=version_content_fingerprint(version),
    )
    stamp(review, gettext_noop("Soumise à validation"), by=by)
    review.save()
    return review


def _decide(*, version: ReferentialVersion, by: User, target: str, note: str, reason: str) -> VersionReview:
    _require_reviewer(by)
    _refuse_nul(note, "note")
    version = _locked_version(version)
    state = review_status(version)
    _check_review_move(version, state, target)
    review = state.review
    if review.submitted_by_id == by.pk:
        raise PermissionRefused(
            _("Vous avez soumis cette version : un autre éditeur doit la valider ou demander des modifications.")
        )
    if target == Review.APPROVED and _changed_text_since(version, by=by, since=review.submitted_at):
        raise PermissionRefused(
            _(
                "Vous avez modifié le texte depuis sa soumission : un autre éditeur doit approuver vos "
                "modifications (demandez des modifications, puis faites soumettre de nouveau la version)."
            )
        )
    review.state = target
    review.decided_by = by
    review.decided_at = timezone.now()
    review.note = note.strip()
    # What was approved is the text as the approver sees it now, even if it moved since the submission.
    review.content_fingerprint = version_content_fingerprint(version)
    stamp(review, reason, by=by)
    review.save()
    return review


def _changed_text_since(version: ReferentialVersion, *, by: User, since: datetime) -> bool:
    """Whether ``by`` wrote any of the version's text (its row, chapters, requirements, thresholds,
    deleted ones included) since ``since``: from the history rows, whatever the path (site, admin,
    API, import)."""
    recent = {"history_user": by, "history_date__gte": since}
    if (
        Section.history.filter(version_id=version.pk, **recent).exists()
        or Requirement.history.filter(version_id=version.pk, **recent).exists()
        or ConformityThreshold.history.filter(version_id=version.pk, **recent).exists()
    ):
        return True
    # The version's own row changes for other reasons too (opening its consultation): only a change
    # of what it prints counts.
    for record in ReferentialVersion.history.filter(id=version.pk, **recent):
        previous = record.prev_record
        if previous is None or any(getattr(record, name) != getattr(previous, name) for name in _PRINTED_VERSION_FIELDS):
            return True
    return False


_PRINTED_VERSION_FIELDS = (
    "number", "change_summary", "conformity_rule_note", "effective_at", "compliance_deadline", "requires_recommitment",
)


@transaction.atomic
def approve_version(*, version: ReferentialVersion, by: User, note: str = "") -> VersionReview:
    """Approve the pending round of ``version`` for publication, on its text as it is now; the approver
    is the *validateur* the PDF prints. Refuses non-editors, the editor who submitted it, an editor
    who changed its text since the submission, and a version with no round pending."""
    return _decide(version=version, by=by, target=Review.APPROVED, note=note, reason=gettext_noop("Approuvée"))


@transaction.atomic
def request_changes(*, version: ReferentialVersion, by: User, note: str) -> VersionReview:
    """Send the pending round of ``version`` back to its author with a note saying what to change.
    Refuses an empty note (field ``note``), non-editors, the editor who submitted it, and a version
    with no round pending."""
    if not note.strip():
        raise ValidationError({"note": _("Dites ce qui doit changer avant la publication.")})
    return _decide(
        version=version, by=by, target=Review.CHANGES_REQUESTED, note=note, reason=gettext_noop("Modifications demandées")
    )


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
    *,
    version: ReferentialVersion,
    by: User | None,
    published_at: datetime | None = None,
    require_approval: bool | None = None,
) -> ReferentialVersion:
    """Freeze a draft or a version out of consultation, with its PDF stored and fingerprinted; the
    previously published one is superseded. If the PDF cannot be built, nothing changes.
    ``published_at`` defaults to now; imports of historical versions pass their real date, and
    ``require_approval=False`` (see ``publication_blockers``)."""
    from .documents import build_version_pdf

    version = _locked_version(version)
    published_at = published_at or timezone.now()
    problems = publication_problems(version, published_at=published_at, require_approval=require_approval)
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
        # A worker that died leaves the marker for ever: its task is marked failed first (and the
        # marker lifted), this request being its retry, so the editor is only refused while real
        # work is pending.
        recover_abandoned_work(task_ids=[version.publication_task_id], retry=False)
        version.refresh_from_db()
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


def record_publication_failure(*, version: ReferentialVersion, error: Exception | str) -> None:
    """Keep the reason a background publication failed, for the editor to read: a domain error's
    message and problems, any other exception named, or the sentence given."""
    if isinstance(error, DomainError):
        message = " ".join([str(error), *[str(p) for p in getattr(error, "problems", [])]])
    elif isinstance(error, Exception):
        message = _("La publication a échoué (%(error)s) : la version n'a pas été publiée.") % {
            "error": f"{type(error).__name__}: {error}"
        }
    else:
        message = error
    ReferentialVersion.objects.filter(pk=version.pk, status__in=(Status.DRAFT, Status.CONSULTATION)).update(
        publication_task_id="", publication_error=message
    )


@receiver(work_abandoned)
def publication_abandoned(sender, *, task_path: str, args: list, task_id: str, retried_as: str | None, reason: str, **kwargs):
    """A background publication whose worker died (``core.background``): nothing of it was written
    (``publish_version`` is one transaction) but perhaps its file; the file goes, and the version
    follows the retry, or says why it stopped so that the editor may publish again."""
    from .tasks import publish_version_task

    if task_path != publish_version_task.module_path or not args:
        return
    version = ReferentialVersion.objects.filter(pk=args[0]).select_related("referential").first()
    if version is None or version.is_frozen:
        return
    remove_unpublished_pdfs(version=version)
    pending = ReferentialVersion.objects.filter(pk=version.pk, publication_task_id=task_id)
    if retried_as:
        pending.update(publication_task_id=retried_as)
    elif pending.exists():
        record_publication_failure(
            version=version,
            error=_("La publication a été interrompue (%(reason)s) : la version n'a pas été publiée. Vous pouvez la publier à nouveau.")
            % {"reason": reason},
        )


def remove_unpublished_pdfs(*, version: ReferentialVersion) -> list[str]:
    """Delete the PDF files an interrupted publication of ``version`` may have stored without its
    status (a version that is not published has no file). Returns the names removed."""
    from .documents import version_pdf_filename

    if version.is_frozen:
        return []
    storage = ReferentialVersion._meta.get_field("pdf").storage
    folder = f"referentiels/{version.referential.slug}"
    prefix = version_pdf_filename(version, timezone.now()).rsplit("_", 1)[0] + "_"
    try:
        names = storage.listdir(folder)[1]
    except (FileNotFoundError, NotImplementedError):
        return []
    removed = [f"{folder}/{name}" for name in names if name.startswith(prefix)]
    for name in removed:
        storage.delete(name)
    return removed


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


# The editors' workspace on the site ---------------------------------------------------------------
#
# Chapters and requirements of a draft are added, renamed, renumbered, moved and reordered here;
# positions are computed, never typed. Every function refuses a version whose text is frozen.


def _locked_editable(version: ReferentialVersion) -> ReferentialVersion:
    version = _locked_version(version)
    _require_editable(version)
    return version


def _refuse_nul(value: str, field: str) -> str:
    # PostgreSQL cannot store U+0000; forms refuse it, the fields read raw are checked here.
    if "\x00" in (value or ""):
        raise ValidationError({field: _("Caractère nul interdit.")})
    return value


def _check_same_version(version: ReferentialVersion, *items) -> None:
    for item in items:
        if item is not None and item.version_id != version.pk:
            raise DomainError(_("Ce chapitre ou cette exigence appartient à une autre version."))


@transaction.atomic
def create_section(
    *, version: ReferentialVersion, title: str, parent: Section | None = None, intro: str = "", by: User | None
) -> Section:
    """Add a chapter to a draft, after the last chapter of ``parent`` (top level when None)."""
    version = _locked_editable(version)
    _check_same_version(version, parent)
    siblings = version.sections.filter(parent=parent)
    last = siblings.order_by("-position").values_list("position", flat=True).first()
    section = Section(
        version=version,
        parent=parent,
        title=normalise_line(_refuse_nul(title, "title")),
        intro=normalise_text(_refuse_nul(intro, "intro")),
        position=(last or 0) + 1,
    )
    section.full_clean(exclude=["version", "parent", "origin"])
    stamp(section, gettext_noop("Création"), by=by)
    section.save()
    return section


@transaction.atomic
def rename_section(*, section: Section, title: str, by: User | None) -> Section:
    """Give a draft's chapter a new title; its lineage (``origin``) is kept, so nothing is *moved*."""
    section = Section.objects.select_for_update().get(pk=section.pk)
    _locked_editable(section.version)
    section.title = normalise_line(_refuse_nul(title, "title"))
    section.full_clean(exclude=["version", "parent", "origin"])
    stamp(section, gettext_noop("Renommage"), by=by)
    section.save()
    return section


@transaction.atomic
def shift_section(*, section: Section, offset: int, by: User | None) -> Section:
    """Move a chapter ``offset`` places among its siblings (-1: up one, 1: down one), clamped to
    the first and last place; the siblings' positions become 1, 2, 3…"""
    version = _locked_editable(section.version)
    siblings = list(version.sections.filter(parent_id=section.parent_id).order_by("position", "id"))
    index = next(i for i, s in enumerate(siblings) if s.pk == section.pk)
    moved = siblings.pop(index)
    siblings.insert(max(0, min(len(siblings), index + offset)), moved)
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            sibling.position = position
            stamp(sibling, gettext_noop("Réordonnancement des chapitres"), by=by)
            sibling.save(update_fields=["position"])
    return moved


@transaction.atomic
def delete_section(*, section: Section, by: User | None) -> None:
    """Remove an empty chapter of a draft; one that still holds requirements or chapters is kept."""
    section = Section.objects.select_related("version").get(pk=section.pk)
    _locked_editable(section.version)
    if section.requirements.exists() or section.children.exists():
        raise DomainError(
            _("Le chapitre « %(title)s » contient encore des exigences ou des chapitres : videz-le d'abord.")
            % {"title": section.title}
        )
    stamp(section, gettext_noop("Suppression"), by=by)
    section.delete()


def _section_order(version: ReferentialVersion) -> list[int]:
    """The ids of a version's chapters in reading order (depth first, by position)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in version.sections.order_by("position", "id").values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    order: list[int] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        pk = stack.pop()
        order.append(pk)
        stack.extend(reversed(children.get(pk, [])))
    return order


def _write_positions(version: ReferentialVersion, by_section: dict[int, list[Requirement]]) -> None:
    """Number the requirements 10, 20, 30… in reading order, so exports and copies keep the order shown."""
    changed = []
    position = 0
    for section_id in _section_order(version):
        for requirement in by_section.get(section_id, []):
            position += 10
            if requirement.position != position:
                requirement.position = position
                changed.append(requirement)
    Requirement.objects.bulk_update(changed, ["position"])


@transaction.atomic
def place_requirement(
    *,
    requirement: Requirement,
    section: Section,
    before: Requirement | None = None,
    by: User | None,
    expected_revision: int | None = None,
) -> Requirement:
    """Put a draft's requirement into ``section``, just before ``before`` (which must be in that
    chapter), or last when ``before`` is None. A change of chapter is an edit of the requirement
    (revision checked with ``expected_revision``, history kept); the positions of all the
    version's requirements are then renumbered in reading order."""
    version = _locked_editable(requirement.version)
    _check_same_version(version, requirement, section, before)
    if before is not None and before.section_id != section.pk:
        raise DomainError(_("L'exigence de référence n'est pas dans ce chapitre."))
    if before is not None and before.pk == requirement.pk:
        return requirement
    if requirement.section_id != section.pk:
        requirement = update_requirement(
            requirement=requirement,
            section=section,
            expected_revision=expected_revision,
            reason=gettext_noop("Déplacement vers le chapitre « %(title)s »") % {"title": section.title},
            by=by,
        )
    rows = list(version.requirements.order_by("position", "id"))
    by_section: dict[int, list[Requirement]] = {}
    moved = next(r for r in rows if r.pk == requirement.pk)
    for row in rows:
        if row.pk != moved.pk:
            by_section.setdefault(row.section_id, []).append(row)
    target = by_section.setdefault(section.pk, [])
    index = next((i for i, r in enumerate(target) if before is not None and r.pk == before.pk), len(target))
    target.insert(index, moved)
    _write_positions(version, by_section)
    moved.refresh_from_db()
    return moved


@transaction.atomic
def shift_requirement(*, requirement: Requirement, offset: int, by: User | None) -> Requirement:
    """Move a draft's requirement ``offset`` places inside its chapter (-1: up one, 1: down one),
    clamped to the chapter's first and last place."""
    version = _locked_editable(requirement.version)
    requirement = Requirement.objects.get(pk=requirement.pk)
    siblings = list(version.requirements.filter(section_id=requirement.section_id).order_by("position", "id"))
    index = next(i for i, r in enumerate(siblings) if r.pk == requirement.pk)
    siblings.pop(index)
    target = max(0, min(len(siblings), index + offset))
    before = siblings[target] if target < len(siblings) else None
    return place_requirement(requirement=requirement, section=requirement.section, before=before, by=by)


@transaction.atomic
def renumber_requirement(
    *, requirement: Requirement, key: str, by: User | None, expected_revision: int | None = None
) -> Requirement:
    """Give a draft's requirement a new key. It stays the same row, with its lineage (``origin``):
    the comparison with the previous version lists it as *renamed*, not as removed and added."""
    old_key = requirement.key
    return update_requirement(
        requirement=requirement,
        key=key,
        expected_revision=expected_revision,
        reason=gettext_noop("Renumérotation de %(old)s en %(new)s") % {"old": old_key, "new": normalise_key(key)},
        by=by,
    )


@transaction.atomic
def bulk_change_requirements(
    *,
    requirements: Iterable[Requirement],
    by: User | None,
    level: NonConformityLevel | None | _Unchanged = UNCHANGED,
    actors: Iterable[Actor] | _Unchanged = UNCHANGED,
    section: Section | _Unchanged = UNCHANGED,
) -> list[Requirement]:
    """Apply the same change to a selection of a draft's requirements, each through
    ``update_requirement`` (one history row each); all or nothing. Moved requirements go last in
    their new chapter, in their present order."""
    requirements = sorted(requirements, key=lambda r: (r.position, r.pk))
    if actors is not UNCHANGED:
        actors = list(actors)
    changed = []
    for requirement in requirements:
        changed.append(
            update_requirement(
                requirement=requirement,
                level=level,
                actors=actors,
                reason=gettext_noop("Modification groupée"),
                by=by,
            )
            if level is not UNCHANGED or actors is not UNCHANGED
            else requirement
        )
    if section is not UNCHANGED:
        changed = [place_requirement(requirement=r, section=section, by=by) for r in changed]
    return changed


@transaction.atomic
def delete_requirements(*, requirements: Iterable[Requirement], by: User | None) -> int:
    """Remove a selection of a draft's requirements, all or nothing (see ``delete_requirement``);
    returns how many were removed."""
    count = 0
    for requirement in requirements:
        delete_requirement(requirement=requirement, by=by)
        count += 1
    return count
