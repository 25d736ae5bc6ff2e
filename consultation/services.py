"""Every state change of workshops and their RIDA items: one function, one transaction, domain checks first.

Views, admin, API and management commands call these; none re-implements them. Each write sets
the history's ``_change_reason`` (and ``_history_user`` when a user is known outside a request).
"""

import json
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from referential.dates import human_date
from referential.errors import ConsultationClosed, DomainError, PermissionRefused, TransitionNotAllowed
from referential.models import Referential, ReferentialVersion
from referential.roles import is_contributor, is_editor

from .importers import check_rows
from .models import (
    AgendaItem,
    Answer,
    Comment,
    Consultation,
    Membership,
    Organisation,
    Participant,
    RidaItem,
    RidaRequirementLink,
    Workshop,
    WorkshopDocument,
)

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


def _stamp(instance, reason, by=None):
    instance._change_reason = str(reason)
    if by is not None:
        instance._history_user = by
    return instance


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
    by=None,
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
    reason = _("Compte-rendu enregistré")
    _stamp(workshop, reason, by).save()
    if referentials:
        workshop.referentials.set(referentials)
    for position, document in enumerate(documents, start=1):
        row = WorkshopDocument(workshop=workshop, position=position, **document)
        _stamp(_validated(row), reason, by).save()
    for position, point in enumerate(agenda, start=1):
        parent = AgendaItem(workshop=workshop, position=position, label=point["label"])
        _stamp(_validated(parent), reason, by).save()
        for sub_position, label in enumerate(point.get("children", ()), start=1):
            child = AgendaItem(workshop=workshop, parent=parent, position=sub_position, label=label)
            _stamp(_validated(child), reason, by).save()
    for position, person in enumerate(participants, start=1):
        row = Participant(workshop=workshop, position=position, **person)
        _stamp(_validated(row), reason, by).save()
    return workshop


def _locked(workshop: Workshop) -> Workshop:
    # Lock the row so that two editors cannot publish, or import into, the same workshop at once.
    return Workshop.objects.select_for_update().get(pk=workshop.pk)


@transaction.atomic
def publish_workshop(*, workshop: Workshop, by=None) -> Workshop:
    """Show a draft's minutes to the public; refuses minutes already published."""
    workshop = _locked(workshop)
    if workshop.status != Status.DRAFT:
        raise TransitionNotAllowed(_("Ce compte-rendu est déjà publié."))
    workshop.status = Status.PUBLISHED
    workshop.published_at = timezone.now()
    _stamp(workshop, _("Compte-rendu publié"), by).save()
    return workshop


@transaction.atomic
def unpublish_workshop(*, workshop: Workshop, by=None) -> Workshop:
    """Withdraw published minutes from the public (back to draft); refuses a draft."""
    workshop = _locked(workshop)
    if workshop.status != Status.PUBLISHED:
        raise TransitionNotAllowed(_("Ce compte-rendu n'est pas publié."))
    workshop.status = Status.DRAFT
    _stamp(workshop, _("Compte-rendu retiré de la publication"), by).save()
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
    by=None,
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
    reason = _("Item RIDA ajouté")
    _stamp(item, reason, by).save()
    for referential, key in requirements:
        _link(item, referential, key, reason, by)
    return item


@transaction.atomic
def link_requirement(*, item: RidaItem, referential: Referential, key: str, by=None) -> RidaRequirementLink:
    """Say that ``item`` concerns the requirement ``key`` of ``referential``; refuses a link already made."""
    return _link(item, referential, key, _("Exigence liée"), by)


def _link(item, referential, key, reason, by):
    link = RidaRequirementLink(rida_item=item, referential=referential, requirement_key=key)
    link.clean()
    if not link.requirement_key:
        raise DomainError(_("Indiquez la clé de l'exigence, par exemple « MSS 17 »."))
    if item.requirement_links.filter(referential=referential, requirement_key=link.requirement_key).exists():
        raise DomainError(
            _("L'item est déjà lié à l'exigence %(key)s.") % {"key": link.requirement_key}
        )
    _stamp(link, reason, by).save()
    return link


@transaction.atomic
def import_rida(*, workshop: Workshop, rows: list[dict], by=None) -> list[RidaItem]:
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
            default_change_reason=_("Import du tableau RIDA"),
        )
    except IntegrityError:
        # Another import took one of these numbers between our check and our write.
        raise RidaImportRefused(_("Un autre import vient d'ajouter des items : relancez l'aperçu.")) from None


@transaction.atomic
def set_action_status(*, item: RidaItem, status: str, closing_note: str = "", by=None) -> RidaItem:
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
    _stamp(item, reason, by).save()
    return item


def _status_label(status: str) -> str:
    try:
        return str(ActionStatus(status).label)
    except ValueError:
        return status


# Reference data ---------------------------------------------------------------------------------


def load_workshop_fixture(path: str | Path, *, by=None) -> tuple[Workshop, bool]:
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


def _referential_for(spec: dict, by) -> Referential:
    referential = Referential.objects.filter(slug=spec["slug"]).first()
    if referential is None:
        referential = Referential(
            slug=spec["slug"], code=spec["code"], title=spec["title"], audience=spec.get("audience", "")
        )
        _stamp(referential, _("Créé par le chargement d'un compte-rendu d'atelier"), by).save()
    return referential


# Consultations, comments and answers ---------------------------------------------------------------
#
# The consultation window is enforced here, on the server's clock, whatever a client says: a
# contributor writes only while ``opens_at <= now < closes_at`` (aware datetimes, shown in
# Europe/Paris). Editors answer, hide and publish at any time.

COMMENT_TRANSITIONS = {
    Comment.Status.SUBMITTED: {Comment.Status.WITHDRAWN, Comment.Status.HIDDEN},
    Comment.Status.WITHDRAWN: set(),
    Comment.Status.HIDDEN: {Comment.Status.SUBMITTED},
}


def _require_editor(user) -> None:
    if not is_editor(user):
        raise PermissionRefused(_("Seuls les rédacteurs de l'ANS peuvent faire cela."))


def _membership(user) -> Membership:
    membership = Membership.objects.select_related("organisation").filter(user=user).first() if user and user.is_authenticated else None
    if membership is None or not is_contributor(user):
        raise PermissionRefused(_("Seuls les contributeurs inscrits peuvent commenter."))
    if membership.email_confirmed_at is None:
        raise PermissionRefused(_("Confirmez d'abord votre adresse électronique."))
    if membership.organisation.status != Organisation.Status.APPROVED:
        raise PermissionRefused(_("Votre organisation n'a pas encore été validée par l'ANS."))
    return membership


def _require_open(consultation: Consultation, now) -> None:
    if now < consultation.opens_at:
        raise ConsultationClosed(
            _("La concertation ouvre le %(date)s : les commentaires ne sont pas encore acceptés.")
            % {"date": human_date(consultation.opens_at, "datetime")}
        )
    if now >= consultation.closes_at:
        raise ConsultationClosed(
            _("La concertation est close depuis le %(date)s : les commentaires ne sont plus acceptés.")
            % {"date": human_date(consultation.closes_at, "datetime")}
        )


def _clean_text(value: str, field: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("Ce champ est obligatoire.")})
    if len(value) > Comment.BODY_MAX_LENGTH:
        raise ValidationError(
            {field: _("%(count)s caractères au plus (ce texte en a %(length)s).") % {"count": Comment.BODY_MAX_LENGTH, "length": len(value)}}
        )
    return value


@transaction.atomic
def open_consultation(*, version: ReferentialVersion, opens_at, closes_at, by, title: str = "") -> Consultation:
    """Put a draft to public consultation over [opens_at, closes_at); the version is then readable by all."""
    _require_editor(by)
    version = ReferentialVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != ReferentialVersion.Status.DRAFT:
        raise TransitionNotAllowed(_("Seul un brouillon peut être soumis à concertation."))
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("La clôture doit suivre l'ouverture.")})
    if closes_at <= timezone.now():
        raise ValidationError({"closes_at": _("La date de clôture est déjà passée.")})
    consultation = _stamp(
        Consultation(version=version, opens_at=opens_at, closes_at=closes_at, opened_by=by, title=title),
        _("Ouverture de la concertation"),
        by,
    )
    consultation.save()
    version.status = ReferentialVersion.Status.CONSULTATION
    _stamp(version, _("Soumise à concertation"), by).save()
    return consultation


@transaction.atomic
def extend_consultation(*, consultation: Consultation, closes_at, by) -> Consultation:
    """Push the closing date later; refuses an earlier date and a consultation whose synthesis is out."""
    _require_editor(by)
    consultation = Consultation.objects.select_for_update(of=("self",)).select_related("version").get(pk=consultation.pk)
    if consultation.synthesis_is_published:
        raise TransitionNotAllowed(_("La synthèse est publiée : la concertation ne peut plus être prolongée."))
    if consultation.version.is_frozen:
        # Reopening the window would let people comment on a text that can no longer change.
        raise TransitionNotAllowed(_("La version est publiée : la concertation ne peut plus être prolongée."))
    if closes_at <= consultation.closes_at:
        raise ValidationError({"closes_at": _("La nouvelle date de clôture doit être postérieure à l'actuelle.")})
    consultation.closes_at = closes_at
    _stamp(consultation, _("Prolongation de la concertation"), by).save()
    return consultation


@transaction.atomic
def close_consultation_now(*, consultation: Consultation, by) -> Consultation:
    """End the window at once (contributors' writes stop; editors go on answering)."""
    _require_editor(by)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    now = timezone.now()
    if consultation.is_closed(now):
        raise TransitionNotAllowed(_("Cette concertation est déjà close."))
    consultation.closes_at = max(now, consultation.opens_at + timedelta(seconds=1))
    _stamp(consultation, _("Clôture anticipée"), by).save()
    return consultation


def comment_refusal(consultation: Consultation, user, now=None) -> DomainError | None:
    """Why ``user`` may not comment on ``consultation`` now (``PermissionRefused`` or
    ``ConsultationClosed``), or None: pages use it to offer the form or explain its absence."""
    try:
        _membership(user)
        _require_open(consultation, now or timezone.now())
    except (PermissionRefused, ConsultationClosed) as error:
        return error
    return None


def _check_target(consultation: Consultation, requirement, section) -> None:
    if requirement is not None and section is not None:
        raise ValidationError({"requirement": _("Un commentaire porte sur une exigence, un chapitre ou la version, pas plusieurs.")})
    if requirement is not None and requirement.version_id != consultation.version_id:
        raise ValidationError({"requirement": _("Cette exigence n'appartient pas à la version en concertation.")})
    if section is not None and section.version_id != consultation.version_id:
        raise ValidationError({"section": _("Ce chapitre n'appartient pas à la version en concertation.")})


def submit_comment(
    *, consultation: Consultation, author, kind: str, body: str, proposed_wording: str = "",
    requirement=None, section=None, now=None,
) -> Comment:
    """Store a contributor's comment while the consultation is open; refuses outside the window,
    a target outside the consultation's version, an empty or oversized text."""
    membership = _membership(author)
    _require_open(consultation, now or timezone.now())
    if kind not in Comment.Kind.values:
        raise ValidationError({"kind": _("Nature inconnue : %(kind)s.") % {"kind": kind}})
    _check_target(consultation, requirement, section)
    comment = Comment(
        consultation=consultation,
        requirement=requirement,
        section=section,
        kind=kind,
        body=_clean_text(body, "body", required=True),
        proposed_wording=_clean_text(proposed_wording, "proposed_wording", required=False),
        author=author,
        organisation=membership.organisation,
    )
    with transaction.atomic():
        _stamp(comment, _("Dépôt"), author).save()
    return comment


def _own_open_comment(comment: Comment, user, now) -> Comment:
    comment = Comment.objects.select_for_update().select_related("consultation").get(pk=comment.pk)
    if comment.author_id != getattr(user, "pk", None):
        raise PermissionRefused(_("Vous ne pouvez modifier que vos propres commentaires."))
    _require_open(comment.consultation, now or timezone.now())
    if comment.status != Comment.Status.SUBMITTED:
        raise TransitionNotAllowed(_("Ce commentaire a été retiré ou masqué : il ne peut plus être modifié."))
    return comment


@transaction.atomic
def edit_comment(*, comment: Comment, by, body: str | None = None, proposed_wording: str | None = None, kind: str | None = None, now=None) -> Comment:
    """The author changes their comment while the consultation is open; the old text stays in history."""
    comment = _own_open_comment(comment, by, now)
    if kind is not None:
        if kind not in Comment.Kind.values:
            raise ValidationError({"kind": _("Nature inconnue : %(kind)s.") % {"kind": kind}})
        comment.kind = kind
    if body is not None:
        comment.body = _clean_text(body, "body", required=True)
    if proposed_wording is not None:
        comment.proposed_wording = _clean_text(proposed_wording, "proposed_wording", required=False)
    _stamp(comment, _("Modification par l'auteur"), by).save()
    return comment


@transaction.atomic
def withdraw_comment(*, comment: Comment, by, now=None) -> Comment:
    """The author withdraws their comment while the consultation is open; it stays stored, marked withdrawn."""
    comment = _own_open_comment(comment, by, now)
    comment.status = Comment.Status.WITHDRAWN
    _stamp(comment, _("Retrait par l'auteur"), by).save()
    return comment


@transaction.atomic
def hide_comment(*, comment: Comment, by, reason: str) -> Comment:
    """An editor hides an abusive comment, with a reason; it is never deleted."""
    _require_editor(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif du masquage.")})
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if Comment.Status.HIDDEN not in COMMENT_TRANSITIONS[comment.status]:
        raise TransitionNotAllowed(_("Ce commentaire ne peut pas être masqué dans son état actuel."))
    comment.status = Comment.Status.HIDDEN
    comment.hidden_reason = reason[:500]
    _stamp(comment, _("Masqué par l'ANS"), by).save()
    return comment


@transaction.atomic
def unhide_comment(*, comment: Comment, by) -> Comment:
    _require_editor(by)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.status != Comment.Status.HIDDEN:
        raise TransitionNotAllowed(_("Ce commentaire n'est pas masqué."))
    comment.status = Comment.Status.SUBMITTED
    comment.hidden_reason = ""
    _stamp(comment, _("Rétabli par l'ANS"), by).save()
    return comment


@transaction.atomic
def answer_comment(*, comment: Comment, by, decision: str, body: str, carried_by=None) -> Answer:
    """Record (or revise) the ANS's answer; allowed after closing too. The author is told by e-mail
    once the answer is committed."""
    _require_editor(by)
    if decision not in Answer.Decision.values:
        raise ValidationError({"decision": _("Décision inconnue : %(decision)s.") % {"decision": decision}})
    body = _clean_text(body, "body", required=True)
    comment = Comment.objects.select_for_update().select_related("consultation__version").get(pk=comment.pk)
    if carried_by is not None and carried_by.version.referential_id != comment.consultation.version.referential_id:
        raise ValidationError({"carried_by": _("Cette exigence appartient à un autre référentiel.")})
    answer = Answer.objects.filter(comment=comment).first()
    is_new = answer is None
    if is_new:
        answer = Answer(comment=comment)
    changed = is_new or (answer.decision, answer.body, answer.carried_by_id) != (decision, body, getattr(carried_by, "pk", None))
    if not changed:
        return answer
    answer.decision, answer.body, answer.carried_by = decision, body, carried_by
    answer.answered_by, answer.answered_at = by, timezone.now()
    _stamp(answer, _("Réponse de l'ANS") if is_new else _("Réponse révisée"), by).save()
    from .tasks import notify_comment_answered

    comment_id = comment.pk
    transaction.on_commit(lambda: notify_comment_answered.enqueue(comment_id))
    return answer


@transaction.atomic
def publish_synthesis(*, consultation: Consultation, by, intro: str | None = None) -> Consultation:
    """Make the consultation's synthesis public; refuses while the consultation is still open."""
    _require_editor(by)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if not consultation.is_closed():
        raise TransitionNotAllowed(_("La synthèse ne peut être publiée qu'après la clôture de la concertation."))
    if consultation.synthesis_is_published:
        raise TransitionNotAllowed(_("La synthèse est déjà publiée."))
    if intro is not None:
        consultation.synthesis_intro = intro
    consultation.synthesis_published_at = timezone.now()
    _stamp(consultation, _("Publication de la synthèse"), by).save()
    return consultation


def no_open_consultation(version: ReferentialVersion) -> list[str]:
    """Publication check: a version whose consultation is still open cannot be published."""
    open_ones = version.consultations.filter(closes_at__gt=timezone.now())
    if open_ones.exists():
        return [_("Une concertation sur cette version est encore ouverte : attendez sa clôture ou clôturez-la.")]
    return []
