"""Every state change of workshops and their RIDA items: one function, one transaction, domain checks first.

Views, admin, API and management commands call these; none re-implements them. Each write sets
the history's ``_change_reason`` (and ``_history_user`` when a user is known outside a request).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from simple_history.utils import bulk_create_with_history

from core.audit import stamp
from core.errors import DomainError, TransitionNotAllowed
from referential.keys import key_identity, key_problem, normalise_key
from referential.models import Referential

from . import signals
from .importers import check_rows
from .models import (
    AgendaItem,
    Participant,
    RidaItem,
    RidaRequirementLink,
    Workshop,
    WorkshopDocument,
)
from .queries import owner_choices

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Status = Workshop.Status
ActionStatus = RidaItem.ActionStatus

# The only moves an action's status may make; anything else is refused.
ACTION_TRANSITIONS = {
    ActionStatus.OPEN: {ActionStatus.DONE, ActionStatus.DROPPED},
    ActionStatus.DONE: {ActionStatus.OPEN},
    ActionStatus.DROPPED: {ActionStatus.OPEN},
}


class RidaImportRefused(DomainError):
    """At least one row of an import has a problem: ``problems`` lists them all; nothing was created."""

    default_message = gettext_lazy("Import refusé : aucune ligne n'a été créée, corrigez le fichier.")



def _validated(instance, **kwargs):
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        problems = [f"{name} : {message}" for name, messages in error.message_dict.items() for message in messages]
        raise DomainError(_("Données invalides."), problems=problems) from None
    return instance


@transaction.atomic
def record_workshop(
    *,
    number: int,
    title: str,
    held_on: date,
    organiser: str,
    writer: str,
    kind: str = Workshop.Kind.WORKSHOP,
    writer_entity: str = "",
    agenda_intro: str = "",
    summary: str = "",
    referentials: Iterable[Referential] = (),
    documents: Iterable[dict] = (),
    agenda: Iterable[dict] = (),
    participants: Iterable[dict] = (),
    by: User | None = None,
) -> Workshop:
    """Record a workshop's minutes as a draft: header, reference documents, agenda (points with
    ``children`` sub-points) and participants. Refuses a number already used by another workshop."""
    if Workshop.objects.filter(number=number).exists():
        raise DomainError(_("L'atelier n° %(number)s existe déjà.") % {"number": number})
    workshop = Workshop(
        number=number,
        title=title,
        held_on=held_on,
        kind=kind,
        organiser=organiser,
        writer=writer,
        writer_entity=writer_entity,
        agenda_intro=agenda_intro,
        summary=summary,
    )
    _validated(workshop, validate_unique=False)
    reason = gettext_noop("Compte-rendu enregistré")
    stamp(workshop, reason, by=by).save()
    if referentials:
        workshop.referentials.set(referentials)
    for position, document in enumerate(documents, start=1):
        row = WorkshopDocument(workshop=workshop, position=position, **document)
        stamp(_validated(row), reason, by=by).save()
    for position, point in enumerate(agenda, start=1):
        parent = AgendaItem(workshop=workshop, position=position, label=point["label"])
        stamp(_validated(parent), reason, by=by).save()
        for sub_position, label in enumerate(point.get("children", ()), start=1):
            child = AgendaItem(workshop=workshop, parent=parent, position=sub_position, label=label)
            stamp(_validated(child), reason, by=by).save()
    for position, person in enumerate(participants, start=1):
        row = Participant(workshop=workshop, position=position, **person)
        stamp(_validated(row), reason, by=by).save()
    return workshop


def _locked(workshop: Workshop) -> Workshop:
    # Lock the row so that two editors cannot publish, or import into, the same workshop at once.
    return Workshop.objects.select_for_update().get(pk=workshop.pk)


@transaction.atomic
def publish_workshop(*, workshop: Workshop, by: User | None = None) -> Workshop:
    """Show a draft's minutes to the public; refuses minutes already published."""
    workshop = _locked(workshop)
    if workshop.status != Status.DRAFT:
        raise TransitionNotAllowed(_("Ce compte-rendu est déjà publié."))
    workshop.status = Status.PUBLISHED
    workshop.published_at = timezone.now()
    stamp(workshop, gettext_noop("Compte-rendu publié"), by=by).save()
    signals.workshop_published.send(sender=Workshop, workshop=workshop)
    return workshop


@transaction.atomic
def unpublish_workshop(*, workshop: Workshop, by: User | None = None) -> Workshop:
    """Withdraw published minutes from the public (back to draft); refuses a draft."""
    workshop = _locked(workshop)
    if workshop.status != Status.PUBLISHED:
        raise TransitionNotAllowed(_("Ce compte-rendu n'est pas publié."))
    workshop.status = Status.DRAFT
    stamp(workshop, gettext_noop("Compte-rendu retiré de la publication"), by=by).save()
    return workshop


@transaction.atomic
def add_rida_item(
    *,
    workshop: Workshop,
    number: int,
    nature: str,
    object: str,  # noqa: A002 — the minutes call this column « Objet »
    question: str = "",
    answer: str = "",
    owner: str = "",
    due_on: date | None = None,
    action_status: str = "",
    closing_note: str = "",
    requirements: Iterable[tuple[Referential, str]] = (),
    by: User | None = None,
) -> RidaItem:

    """Add one item to the RIDA table, with the requirements it concerns; an action starts open.
    Refuses a number already used in the workshop, and action fields on an information or decision."""
    if workshop.rida_items.filter(number=number).exists():
        raise DomainError(_("L'item n° %(number)s existe déjà dans cet atelier.") % {"number": number})
    item = RidaItem(
        workshop=workshop,
        number=number,
        nature=nature,
        object=object,
        question=question,
        answer=answer,
        owner=owner,
        due_on=due_on,
        action_status=action_status,
        closing_note=closing_note,
    )
    _validated(item, exclude=["workshop"], validate_unique=False)
    reason = gettext_noop("Item RIDA ajouté")
    stamp(item, reason, by=by).save()
    for referential, key in requirements:
        _link(item, referential, key, reason, by)
    return item


@transaction.atomic
def link_requirement(*, item: RidaItem, referential: Referential, key: str, by: User | None = None) -> RidaRequirementLink:
    """Say that ``item`` concerns the requirement ``key`` of ``referential``; refuses a link already made."""
    return _link(item, referential, key, _("Exigence liée"), by)


def _link(item, referential, key, reason, by):
    """Link ``item`` to the requirement ``key`` names (normalised as keys are): the link keeps that
    requirement and follows its lineage (``RidaRequirementLink.anchor``)."""
    link = RidaRequirementLink(rida_item=item, referential=referential, requirement_key=normalise_key(key))
    if not link.requirement_key:
        raise DomainError(_("Indiquez la clé de l'exigence, par exemple « MSS 17 »."))
    if problem := key_problem(link.requirement_key):
        raise DomainError(problem)
    # Keys a reader cannot tell apart (case, no-break spaces) are one key: one link.
    existing = item.requirement_links.filter(referential=referential).values_list("requirement_key", flat=True)
    if any(key_identity(other) == key_identity(link.requirement_key) for other in existing):
        raise DomainError(
            _("L'item est déjà lié à l'exigence %(key)s.") % {"key": link.requirement_key}
        )
    stamp(link, reason, by=by).save()
    return link


@transaction.atomic
def import_rida(*, workshop: Workshop, rows: list[dict], by: User | None = None) -> list[RidaItem]:
    """Create one RIDA item per row, or none at all: a single problem in any row refuses the whole import.
    ``rows`` are raw rows as read by ``importers.read_rida_file``; they are checked again here, against
    the workshop as it stands now."""
    workshop = _locked(workshop)
    checked = check_rows(workshop, rows)
    problems = [
        _("Ligne %(line)s : %(problem)s") % {"line": row.line, "problem": problem}
        for row in checked
        for problem in row.problems
    ]
    if not checked:
        problems.append(_("Le fichier ne contient aucune ligne à importer."))
    if problems:
        raise RidaImportRefused(problems=problems)
    items = [
        RidaItem(
            workshop=workshop,
            number=row.number,
            nature=row.nature,
            object=row.object,
            question=row.question,
            answer=row.answer,
            owner=row.owner,
            due_on=row.due_on,
            action_status=ActionStatus.OPEN if row.nature == RidaItem.Nature.ACTION else "",
        )
        for row in checked
    ]
    try:
        return bulk_create_with_history(
            items,
            RidaItem,
            default_user=by,
            default_change_reason=gettext_noop("Import du tableau RIDA"),
        )
    except IntegrityError:
        # Another import took one of these numbers between our check and our write.
        raise RidaImportRefused(_("Un autre import vient d'ajouter des items : relancez l'aperçu.")) from None


@transaction.atomic
def set_action_status(*, item: RidaItem, status: str, closing_note: str = "", by: User | None = None) -> RidaItem:
    """Close an open action (done, or dropped with a reason) or reopen a closed one. Refuses an item
    that is not an action and any other move."""
    item = RidaItem.objects.select_for_update().get(pk=item.pk)
    if not item.is_action:
        raise TransitionNotAllowed(_("Seule une action (nature A) a un statut."))
    if status not in ACTION_TRANSITIONS.get(item.action_status, set()):
        raise TransitionNotAllowed(
            _("Une action « %(current)s » ne peut pas passer à « %(target)s ».")
            % {"current": item.get_action_status_display(), "target": _status_label(status)}
        )
    closing_note = (closing_note or "").strip()
    if status == ActionStatus.DROPPED and not closing_note:
        raise DomainError(_("Dites pourquoi l'action est abandonnée (note de clôture)."))
    item.action_status = status
    item.closing_note = closing_note
    reason = {
        ActionStatus.DONE: _("Action réalisée"),
        ActionStatus.DROPPED: _("Action abandonnée"),
        ActionStatus.OPEN: _("Action rouverte"),
    }[status]
    stamp(item, reason, by=by).save()
    return item


@transaction.atomic
def assign_action(*, item: RidaItem, owner: str, due_on: date | None, by: User | None = None) -> RidaItem:
    """Set who carries an action and by when. The owner is one of the workshop's participants (by
    name) or of their entities (« ANS »), or nobody; the action's owner as it stands may be kept.
    Refuses an item that is not an action and any other owner (field ``owner``)."""
    item = RidaItem.objects.select_for_update().select_related("workshop").get(pk=item.pk)
    if not item.is_action:
        raise TransitionNotAllowed(_("Seule une action (nature A) a un responsable et une échéance."))
    owner = " ".join((owner or "").split())
    if owner and owner not in owner_choices(item.workshop.participants.all(), current=item.owner):
        raise ValidationError({"owner": _("Choisissez le responsable parmi les participants de l'atelier.")})
    if (owner, due_on) == (item.owner, item.due_on):
        return item
    item.owner = owner
    item.due_on = due_on
    stamp(item, gettext_noop("Responsable ou échéance de l'action modifiés"), by=by).save()
    return item


def _status_label(status: str) -> str:
    try:
        return str(ActionStatus(status).label)
    except ValueError:
        return status


# Reference data ---------------------------------------------------------------------------------


def load_workshop_fixture(path: str | Path, *, by: User | None = None) -> tuple[Workshop, bool]:
    """Load a workshop's minutes from one of our JSON fixtures (``fixtures/workshop-*.json``).

    Idempotent: a workshop whose number is already recorded is left exactly as it is (editors may have
    closed its actions since), and ``(workshop, False)`` is returned. Referentials the minutes concern
    are found by slug, and created from the fixture's description only when absent.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    existing = Workshop.objects.filter(number=data["number"]).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        referentials = {spec["slug"]: _referential_for(spec, by) for spec in data.get("referentials", [])}
        workshop = record_workshop(
            number=data["number"],
            title=data["title"],
            held_on=parse_date(data["held_on"]),
            kind=data.get("kind", Workshop.Kind.WORKSHOP),
            organiser=data["organiser"],
            writer=data["writer"],
            writer_entity=data.get("writer_entity", ""),
            agenda_intro=data.get("agenda_intro", ""),
            summary=data.get("summary", ""),
            referentials=list(referentials.values()),
            documents=data.get("documents", []),
            agenda=data.get("agenda", []),
            participants=data.get("participants", []),
            by=by,
        )
        for entry in data.get("rida", []):
            add_rida_item(
                workshop=workshop,
                number=entry["number"],
                nature=entry["nature"],
                object=entry["object"],
                question=entry.get("question", ""),
                answer=entry.get("answer", ""),
                owner=entry.get("owner", ""),
                due_on=parse_date(entry["due_on"]) if entry.get("due_on") else None,
                action_status=entry.get("action_status", ""),
                closing_note=entry.get("closing_note", ""),
                requirements=[(referentials[link["referential"]], link["key"]) for link in entry.get("requirements", [])],
                by=by,
            )
        if data.get("status") == Status.PUBLISHED:
            workshop = publish_workshop(workshop=workshop, by=by)
    return workshop, True


def _referential_for(spec: dict, by: User) -> Referential:
    referential = Referential.objects.filter(slug=spec["slug"]).first()
    if referential is None:
        referential = Referential(
            slug=spec["slug"], code=spec["code"], title=spec["title"], audience=spec.get("audience", "")
        )
        stamp(referential, gettext_noop("Créé par le chargement d'un compte-rendu d'atelier"), by=by).save()
    return referential
