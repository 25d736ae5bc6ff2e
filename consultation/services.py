"""Every state change of consultations, comments and answers: one function, one transaction, domain checks first.

Views, admin, API and management commands call these; none re-implements them. Each write says why in
its history (``core.audit.stamp``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Membership
from core.audit import create_with_history, stamp
from core.errors import DomainError, PermissionRefused, TransitionNotAllowed
from core.roles import CONTRIBUTOR_GROUP, is_editor
from referential.dates import human_date
from referential.models import ReferentialVersion
from referential.queries import requirement_lineage
from referential.services import PublicationNotice, Remedy, submit_version_to_consultation, update_requirement
from referential.text import normalise_text

from .errors import ConsultationClosed
from . import signals
from .models import Answer, Comment, Consultation, InternalNote
from .queries import consultation_for_commenting

if TYPE_CHECKING:
    from datetime import datetime

    from django.contrib.auth.models import User

    from referential.models import Requirement, Section

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
    membership = None
    if user and user.is_authenticated:
        # Whether they are a contributor comes with it: one query, not two.
        membership = (
            Membership.objects.select_related("organisation")
            .annotate(in_contributor_group=Exists(Group.objects.filter(user=OuterRef("user_id"), name=CONTRIBUTOR_GROUP)))
            .filter(user=user)
            .first()
        )
    return _in_standing(membership)


def _in_standing(membership: Membership | None) -> Membership:
    """``membership`` (loaded with its organisation and ``in_contributor_group``) when its member may
    comment in the organisation's name; PermissionRefused saying why otherwise."""
    if membership is None or not membership.in_contributor_group:
        raise PermissionRefused(_("Seuls les contributeurs inscrits peuvent commenter."))
    refusal = membership.refusal()
    if refusal is not None:
        raise PermissionRefused(refusal)
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


# What a reader cannot see: spaces of every kind, controls, format characters (zero-width spaces, joiners).
_UNSEEN_CATEGORIES = {"Zs", "Zl", "Zp", "Cc", "Cf"}


def _shows_something(value: str) -> bool:
    return any(not character.isspace() and unicodedata.category(character) not in _UNSEEN_CATEGORIES for character in value)


def _clean_text(value: str, field: str, *, required: bool) -> str:
    value = normalise_text(value)
    # A text of no-break and zero-width spaces is as empty to a reader as no text at all.
    if required and not _shows_something(value):
        raise ValidationError({field: _("Ce champ est obligatoire.")})
    if len(value) > Comment.BODY_MAX_LENGTH:
        raise ValidationError(
            {field: _("%(count)s caractères au plus (ce texte en a %(length)s).") % {"count": Comment.BODY_MAX_LENGTH, "length": len(value)}}
        )
    return value


@transaction.atomic
def open_consultation(*, version: ReferentialVersion, opens_at: datetime, closes_at: datetime, by: User, title: str = "") -> Consultation:
    """Put a draft to public consultation over [opens_at, closes_at); the version is then readable by
    all and its text is frozen. Refuses a version that is not a draft, and a window already over."""
    _require_editor(by)
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("La clôture doit suivre l'ouverture.")})
    if closes_at <= timezone.now():
        raise ValidationError({"closes_at": _("La date de clôture est déjà passée.")})
    # The version's own move (draft → consultation) is the referential's to make; it locks the row.
    version = submit_version_to_consultation(version=version, by=by)
    consultation = stamp(
        Consultation(version=version, opens_at=opens_at, closes_at=closes_at, opened_by=by, title=title),
        gettext_noop("Ouverture de la concertation"),
        by=by,
    )
    consultation.save()
    signals.consultation_opened.send(sender=Consultation, consultation=consultation)
    return consultation


@transaction.atomic
def extend_consultation(*, consultation: Consultation, closes_at: datetime, by: User) -> Consultation:
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
    stamp(consultation, gettext_noop("Prolongation de la concertation"), by=by).save()
    return consultation


@transaction.atomic
def close_consultation_now(*, consultation: Consultation, by: User) -> Consultation:
    """End the window at once (contributors' writes stop; editors go on answering)."""
    _require_editor(by)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    now = timezone.now()
    if consultation.is_closed(now):
        raise TransitionNotAllowed(_("Cette concertation est déjà close."))
    consultation.closes_at = max(now, consultation.opens_at + timedelta(seconds=1))
    stamp(consultation, gettext_noop("Clôture anticipée"), by=by).save()
    return consultation


def _checked_membership(membership: Membership | None, author: User) -> bool:
    """Whether ``membership`` is one ``_membership`` returned for ``author`` (it carries the role) and
    still in good standing: any other is looked up again, so no caller gets a comment through with a
    membership it loaded itself (refused, pending, another person's). No query."""
    return (
        membership is not None
        and membership.user_id == author.pk
        and getattr(membership, "in_contributor_group", False) is True
        and Membership.organisation.is_cached(membership)
        and membership.refusal() is None
    )


def commenting_membership(consultation: Consultation, user: User | None, now: datetime | None = None) -> Membership:
    """The membership in whose name ``user`` may comment on ``consultation`` now. Raises
    ``PermissionRefused`` (not a contributor, or their membership or organisation not approved) or
    ``ConsultationClosed`` (outside the window)."""
    membership = _membership(user)
    _require_open(consultation, now or timezone.now())
    return membership


def consultation_to_comment(user: User, pk: int, now: datetime | None = None) -> tuple[Consultation, Membership]:
    """The consultation ``pk`` and the membership in whose name the signed-in ``user`` may comment on
    it now, in one query (``queries.consultation_for_commenting``). Raises, in this order, Http404
    (``user`` may not read it), ``PermissionRefused`` (as ``commenting_membership``) and
    ``ConsultationClosed`` (outside the window)."""
    consultation, membership = consultation_for_commenting(user, pk)
    membership = _in_standing(membership)
    _require_open(consultation, now or timezone.now())
    return consultation, membership


def comment_refusal(consultation: Consultation, user: User | None, now: datetime | None = None) -> DomainError | None:
    """Why ``user`` may not comment on ``consultation`` now (``PermissionRefused`` or
    ``ConsultationClosed``), or None: pages use it to offer the form or explain its absence."""
    try:
        commenting_membership(consultation, user, now)
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
    *, consultation: Consultation, author: User, kind: str, body: str, proposed_wording: str = "",
    requirement: Requirement | None = None, section: Section | None = None, now: datetime | None = None,
    membership: Membership | None = None,
) -> Comment:
    """Store a contributor's comment while the consultation is open; refuses outside the window,
    a target outside the consultation's version, an empty or oversized text.

    ``membership``: what ``commenting_membership`` has just returned for ``author`` in the same
    request, which spares looking it up again; the window is checked all the same."""
    if not _checked_membership(membership, author):
        membership = _membership(author)
    _require_open(consultation, now or timezone.now())
    if kind not in Comment.Kind.values:
        raise ValidationError({"kind": _("Nature inconnue : %(kind)s.") % {"kind": kind}})
    _check_target(consultation, requirement, section)
    commented_text = requirement.statement if requirement is not None else ""
    comment = Comment(
        consultation=consultation,
        requirement=requirement,
        section=section,
        kind=kind,
        body=_clean_text(body, "body", required=True),
        proposed_wording=_proposal(proposed_wording, commented_text, on_requirement=requirement is not None),
        commented_text=commented_text,
        author=author,
        organisation=membership.organisation,
    )
    # The comment and its history row in one statement: the intake's hot path (issue 15).
    return create_with_history(comment, reason=gettext_noop("Dépôt"), by=author)


def _proposal(wording: str, commented_text: str, *, on_requirement: bool) -> str:
    """The proposed wording as stored: only what the contributor changed. Left equal to the text
    it was written on (the form starts filled with it), it proposes nothing."""
    wording = _clean_text(wording, "proposed_wording", required=False)
    if wording and not on_requirement:
        raise ValidationError(
            {"proposed_wording": _("Une rédaction proposée porte sur l'énoncé d'une exigence, pas sur un chapitre ou la version.")}
        )
    return "" if wording == normalise_text(commented_text) else wording


def _own_open_comment(comment: Comment, user: User | None, now) -> Comment:
    comment = Comment.objects.select_for_update().select_related("consultation").get(pk=comment.pk)
    if comment.author_id != getattr(user, "pk", None):
        raise PermissionRefused(_("Vous ne pouvez modifier que vos propres commentaires."))
    _require_open(comment.consultation, now or timezone.now())
    if comment.status != Comment.Status.SUBMITTED:
        raise TransitionNotAllowed(_("Ce commentaire a été retiré ou masqué : il ne peut plus être modifié."))
    return comment


@transaction.atomic
def edit_comment(*, comment: Comment, by: User, body: str | None = None, proposed_wording: str | None = None, kind: str | None = None, now: datetime | None = None) -> Comment:
    """The author changes their comment while the consultation is open and they may still comment (their
    membership stands, their organisation is approved); the old text stays in history. Withdrawing
    needs no such right: an author can always take back what they wrote."""
    comment = _own_open_comment(comment, by, now)
    _membership(by)
    if kind is not None:
        if kind not in Comment.Kind.values:
            raise ValidationError({"kind": _("Nature inconnue : %(kind)s.") % {"kind": kind}})
        comment.kind = kind
    if body is not None:
        comment.body = _clean_text(body, "body", required=True)
    if proposed_wording is not None:
        comment.proposed_wording = _proposal(
            proposed_wording, comment.commented_text, on_requirement=comment.requirement_id is not None
        )
    stamp(comment, gettext_noop("Modification par l'auteur"), by=by).save()
    return comment


@transaction.atomic
def withdraw_comment(*, comment: Comment, by: User, now: datetime | None = None) -> Comment:
    """The author withdraws their comment while the consultation is open; it stays stored, marked withdrawn."""
    comment = _own_open_comment(comment, by, now)
    comment.status = Comment.Status.WITHDRAWN
    stamp(comment, gettext_noop("Retrait par l'auteur"), by=by).save()
    return comment


@transaction.atomic
def hide_comment(*, comment: Comment, by: User, reason: str) -> Comment:
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
    stamp(comment, gettext_noop("Masqué par l'ANS"), by=by).save()
    signals.comment_hidden.send(sender=Comment, comment=comment)
    return comment


@transaction.atomic
def unhide_comment(*, comment: Comment, by: User) -> Comment:
    _require_editor(by)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.status != Comment.Status.HIDDEN:
        raise TransitionNotAllowed(_("Ce commentaire n'est pas masqué."))
    comment.status = Comment.Status.SUBMITTED
    comment.hidden_reason = ""
    stamp(comment, gettext_noop("Rétabli par l'ANS"), by=by).save()
    return comment


@transaction.atomic
def answer_comment(*, comment: Comment, by: User, decision: str, body: str, carried_by: Requirement | None = None) -> Answer:
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
    stamp(answer, gettext_noop("Réponse de l'ANS") if is_new else gettext_noop("Réponse révisée"), by=by).save()
    from .tasks import notify_comment_answered

    comment_id = comment.pk
    transaction.on_commit(lambda: notify_comment_answered.enqueue(comment_id))
    return answer


# The editors' triage: assignment, internal notes, answers in bulk, and carrying a proposed wording
# into the next draft. Editors only; contributors never see assignments nor notes.


def _user_label(user) -> str:
    return user.get_full_name() or user.get_username()


@transaction.atomic
def assign_comment(*, comment: Comment, assignee: User | None, by: User) -> Comment:
    """Give the comment to an editor to handle (``assignee``), or take it back from them (None).
    Refuses an assignee who is not an editor. The comment's text and dates do not change."""
    _require_editor(by)
    # A former editor (account deactivated) is no longer offered on the dashboard: not here either.
    if assignee is not None and not (assignee.is_active and is_editor(assignee)):
        raise ValidationError({"assignee": _("Un commentaire ne peut être attribué qu'à un rédacteur de l'ANS.")})
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.assigned_to_id == getattr(assignee, "pk", None):
        return comment
    comment.assigned_to = assignee
    if assignee is None:
        reason = gettext_noop("Attribution retirée")
    else:
        reason = gettext_noop("Attribué à %(name)s") % {"name": _user_label(assignee)}
    # Only the assignment is written: « modifié le », which authors read, stays the date of their own edit.
    stamp(comment, reason, by=by).save(update_fields=["assigned_to"])
    return comment


@transaction.atomic
def add_internal_note(*, comment: Comment, text: str, by: User) -> InternalNote:
    """Add an editors-only note to a comment; refuses an empty or too long text."""
    _require_editor(by)
    text = normalise_text(text)
    if not text:
        raise ValidationError({"text": _("Ce champ est obligatoire.")})
    if len(text) > InternalNote.TEXT_MAX_LENGTH:
        raise ValidationError(
            {"text": _("%(count)s caractères au plus (ce texte en a %(length)s).") % {"count": InternalNote.TEXT_MAX_LENGTH, "length": len(text)}}
        )
    comment = Comment.objects.get(pk=comment.pk)
    return InternalNote.objects.create(comment=comment, author=by, text=text)


@transaction.atomic
def answer_comments_in_bulk(*, comments: Iterable[Comment], decision: str, body: str, by: User) -> list[Answer]:
    """Give the same decision and answer to each comment of a selection: one ``answer_comment`` per
    comment, so each answer is its own record, with its history and its e-mail to the author. All or
    nothing: one refusal leaves every comment as it was. Refuses an empty selection."""
    _require_editor(by)
    comments = sorted({comment.pk: comment for comment in comments}.values(), key=lambda comment: comment.pk)
    if not comments:
        raise ValidationError({"comments": _("Sélectionnez au moins un commentaire.")})
    return [answer_comment(comment=comment, by=by, decision=decision, body=body) for comment in comments]


APPLIED_WORDING_REASON = gettext_noop("Rédaction proposée par le commentaire n° %(id)s appliquée")


@transaction.atomic
def apply_proposed_wording(
    *,
    comment: Comment,
    requirement: Requirement,
    by: User,
    expected_revision: int | None = None,
    decision: str | None = None,
    body: str | None = None,
) -> Answer:
    """Make a comment's proposed wording the statement of ``requirement``, a requirement of a later
    draft in the commented requirement's lineage, through ``update_requirement`` (same revision check,
    the history naming the comment); then the comment's answer records that ``requirement`` carries
    the change. The answer keeps its decision and text unless new ones are given; a comment not yet
    answered gets « accepted » and a standard text. Refuses a comment without a proposed wording, a
    withdrawn or hidden one, a requirement outside the lineage or in the consulted version itself,
    a frozen text and a stale revision (``ConcurrentEdit``)."""
    _require_editor(by)
    comment = Comment.objects.select_related("requirement__version", "consultation__version").get(pk=comment.pk)
    if not comment.proposed_wording or comment.requirement_id is None:
        raise TransitionNotAllowed(_("Ce commentaire ne propose pas de rédaction."))
    if comment.status != Comment.Status.SUBMITTED:
        raise TransitionNotAllowed(_("Ce commentaire a été retiré ou masqué : sa rédaction ne peut pas être appliquée."))
    lineage = {member.pk: member for member in requirement_lineage(comment.requirement)}
    target = lineage.get(requirement.pk)
    # The lineage holds the whole family from its root; only a descendant of the commented
    # requirement (following ``origin`` upwards) carries the comment, not a cousin on another branch.
    ancestor, seen = target, set()
    while ancestor is not None and ancestor.pk != comment.requirement_id and ancestor.pk not in seen:
        seen.add(ancestor.pk)
        ancestor = lineage.get(ancestor.origin_id)
    if target is None or ancestor is None or target.version_id == comment.consultation.version_id:
        raise ValidationError(
            {"requirement": _("Cette exigence ne descend pas de l'exigence commentée dans une version suivante.")}
        )
    update_requirement(
        requirement=requirement,
        by=by,
        expected_revision=expected_revision,
        statement=comment.proposed_wording,
        reason=APPLIED_WORDING_REASON % {"id": comment.pk},
    )
    current = Answer.objects.filter(comment=comment).first()
    if decision is None:
        decision = current.decision if current else Answer.Decision.ACCEPTED
    if not body:
        if current:
            body = current.body
        else:
            # The ANS's answer is an official French text, whatever the language of the editor's session.
            with translation.override("fr"):
                body = _("Rédaction proposée reprise dans l'exigence %(key)s de la version %(number)s.") % {
                    "key": requirement.key,
                    "number": target.version.number,
                }
    return answer_comment(comment=comment, by=by, decision=decision, body=body, carried_by=target)


@transaction.atomic
def publish_synthesis(*, consultation: Consultation, by: User, intro: str | None = None) -> Consultation:
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
    stamp(consultation, gettext_noop("Publication de la synthèse"), by=by).save()
    signals.synthesis_published.send(sender=Consultation, consultation=consultation)
    return consultation


def no_open_consultation(version: ReferentialVersion) -> list[PublicationNotice]:
    """Publication check: a version whose consultation is still open cannot be published; the remedy
    is the consultation's « Clore maintenant » in the admin."""
    open_ones = list(version.consultations.filter(closes_at__gt=timezone.now()).order_by("closes_at")[:1])
    if open_ones:
        url = reverse("admin:consultation_consultation_changelist") + f"?id__exact={open_ones[0].pk}"
        return [
            PublicationNotice(
                _("Une concertation sur cette version est encore ouverte : attendez sa clôture ou clôturez-la."),
                Remedy(_("Clore la concertation (action « Clore maintenant »)"), url),
            )
        ]
    return []
