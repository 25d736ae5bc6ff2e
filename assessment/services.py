"""Every state change of self-assessments: one function, one transaction, domain checks first.

Who may write: members (confirmed e-mail) of an approved organisation, on their own organisation's
assessments only; editors review. Each write sets the history's reason and user, so every change of
an answer or an evidence is in its history. A submission is frozen by its model; the services never
try to change one: a change after submitting is the next revision.
"""

import hashlib
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from accounts.models import Membership, Organisation
from core.audit import stamp
from core.errors import DomainError, PermissionRefused, TransitionNotAllowed
from core.roles import is_contributor, is_editor
from referential.errors import ConcurrentEdit
from referential.models import Actor, ReferentialVersion, Requirement

from . import signals
from .attestation import build_attestation
from .grid_io import EVIDENCE_LINK_SCHEMES, GridImportRefused, check_import, import_problems
from .models import GAP_RESULTS, Assessment, AssessmentAnswer, Evidence, PublishedAggregate, Result, ReviewComment, Submission
from .queries import assessment_grid, dashboard

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
MAX_TEXT = 10_000


class SubmissionRefused(DomainError):
    """The quality gates found problems; ``problems`` lists every one of them."""

    default_message = gettext_lazy("La soumission est refusée : corrigez les points suivants.")


class AnswerChangedMeanwhile(ConcurrentEdit):
    default_message = gettext_lazy(
        "Cette réponse a été modifiée par un autre membre de votre organisation depuis que vous l'avez ouverte. "
        "Rechargez-la avant d'enregistrer."
    )


def member_organisation(user: User) -> Organisation:
    """The approved organisation a contributor works for, as an approved member with a confirmed
    address; refuses anyone else (``Membership.refusal`` says why)."""
    membership = (
        Membership.objects.select_related("organisation").filter(user=user).first()
        if user is not None and user.is_authenticated
        else None
    )
    if membership is None or not is_contributor(user):
        raise PermissionRefused(_("Seuls les membres d'une organisation inscrite peuvent s'autoévaluer."))
    refusal = membership.refusal()
    if refusal is not None:
        raise PermissionRefused(refusal)
    return membership.organisation


def _require_member_of(assessment: Assessment, user) -> None:
    if member_organisation(user).pk != assessment.organisation_id:
        raise PermissionRefused(_("Cette autoévaluation n'est pas celle de votre organisation."))


def applicable_requirements(version: ReferentialVersion, actor: Actor):
    return Requirement.objects.filter(version=version, actors=actor).order_by("position", "id")


@transaction.atomic
def start_assessment(*, version: ReferentialVersion, actor: Actor, by: User) -> Assessment:
    """Open the organisation's assessment of a published version for one actor role, with one answer
    (*non évalué*) per requirement that applies to the actor. If the organisation assessed the same
    role on an earlier version, its answers are carried forward (see ``carry_forward``). Refuses a
    version that is not published, an actor no requirement applies to, and a second assessment."""
    organisation = member_organisation(by)
    if version.status != ReferentialVersion.Status.PUBLISHED:
        raise TransitionNotAllowed(_("Seule la version publiée en vigueur d'un référentiel peut être évaluée."))
    requirements = list(applicable_requirements(version, actor).select_related("origin"))
    if not requirements:
        raise DomainError(_("Aucune exigence de cette version ne s'applique au rôle « %(actor)s ».") % {"actor": actor})
    previous = (
        Assessment.objects.filter(organisation=organisation, actor=actor, version__referential_id=version.referential_id)
        .exclude(version=version)
        .order_by("-version__published_at", "-created_at")
        .first()
    )
    assessment = Assessment(organisation=organisation, version=version, actor=actor, created_by=by, carried_from=previous)
    try:
        with transaction.atomic():
            stamp(assessment, "Ouverture de l'autoévaluation", by=by).save()
    except IntegrityError:
        raise DomainError(_("Votre organisation a déjà une autoévaluation de cette version pour ce rôle.")) from None
    if previous is not None:
        answers = carried_answers(previous, requirements)
        reason = "Reprise de l'autoévaluation précédente"
    else:
        answers = [AssessmentAnswer(requirement=r) for r in requirements]
        reason = "Ouverture de l'autoévaluation"
    for answer in answers:
        answer.assessment = assessment
    bulk_create_with_history(answers, AssessmentAnswer, default_user=by, default_change_reason=reason)
    return assessment


def lineage_ancestors(requirement: Requirement) -> list[int]:
    """Ids of the requirement's ancestors by lineage (``origin`` links), nearest first.
    The caller has ``select_related("origin")``; further steps cost a query each, and are rare."""
    ids, current, seen = [], requirement.origin, set()
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        ids.append(current.pk)
        current = current.origin
    return ids


def carried_answers(previous: Assessment, requirements: list[Requirement]) -> list[AssessmentAnswer]:
    """New answers for ``requirements``, each carried from the previous assessment's answer to the same
    requirement by lineage (so renamed and moved requirements keep their answer), marked *à reconfirmer*.
    Requirements with no ancestor answered start *non évalué*. The previous assessment is not touched:
    answers to removed requirements stay there, archived with it."""
    old = {a.requirement_id: a for a in previous.answers.all()}
    answers = []
    for requirement in requirements:
        source = next((old[pk] for pk in lineage_ancestors(requirement) if pk in old), None)
        if source is None or source.result == Result.NOT_EVALUATED:
            answers.append(AssessmentAnswer(requirement=requirement, carried_from=source))
            continue
        answers.append(
            AssessmentAnswer(
                requirement=requirement,
                result=source.result,
                justification=source.justification,
                owner=source.owner,
                planned_date=source.planned_date,
                found_on=source.found_on,
                to_reconfirm=True,
                carried_from=source,
            )
        )
    return answers


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise ValidationError({field: _("Texte trop long (%(max)s caractères au plus).") % {"max": MAX_TEXT}})
    return value


def _editable(assessment: Assessment, by: User) -> Assessment:
    # Lock the assessment: a submission in progress must not freeze a half-saved answer.
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_member_of(assessment, by)
    if assessment.version.status != ReferentialVersion.Status.PUBLISHED and assessment.status != Assessment.Status.CHANGES_REQUESTED:
        raise TransitionNotAllowed(
            _("Cette version a été remplacée : commencez l'autoévaluation de la version en vigueur, qui reprend vos réponses.")
        )
    return assessment


def _reopen(assessment: Assessment, by: User) -> None:
    """The first change after a submission starts the next revision."""
    if assessment.status == Assessment.Status.SUBMITTED:
        assessment.status = Assessment.Status.IN_PROGRESS
        stamp(assessment, "Nouvelle révision en préparation", by=by).save()


@transaction.atomic
def update_answer(
    *,
    answer: AssessmentAnswer,
    by: User,
    result: str,
    justification: str = "",
    owner: str = "",
    planned_date: date | None = None,
    revision: int | None = None,
    today: date | None = None,
) -> AssessmentAnswer:
    """Record a member's answer; a carried answer saved this way is reconfirmed. A gap keeps the date
    it was first declared (its deadline counts from it). Refuses another organisation's answer, an
    unknown result and a save based on a stale read (``revision``)."""
    assessment = _editable(answer.assessment, by)
    answer = AssessmentAnswer.objects.select_for_update().get(pk=answer.pk)
    answer.assessment = assessment
    if revision is not None and revision != answer.revision:
        raise AnswerChangedMeanwhile()
    return _write_answer(
        answer, by=by, result=result, justification=justification, owner=owner, planned_date=planned_date,
        to_reconfirm=False, today=today, reason="Réponse modifiée",
    )


def _write_answer(answer, *, by: User, result, justification, owner, planned_date, to_reconfirm, today, reason) -> AssessmentAnswer:
    if result not in Result.values:
        raise ValidationError({"result": _("Résultat inconnu : %(result)s.") % {"result": result}})
    was_gap = answer.is_gap
    answer.result = result
    answer.justification = _text(justification, "justification")
    answer.owner = _text(owner, "owner")[:150]
    answer.planned_date = planned_date
    if answer.is_gap and not was_gap:
        answer.found_on = today or timezone.localdate()
    elif not answer.is_gap:
        answer.found_on = None
        answer.planned_date = None
    answer.to_reconfirm = to_reconfirm
    answer.revision += 1
    stamp(answer, reason, by=by).save()
    _reopen(answer.assessment, by)
    return answer


@transaction.atomic
def add_evidence(
    *, answer: AssessmentAnswer, by: User, effective_date: date, label: str = "", upload=None, link: str = ""
) -> Evidence:
    """Attach a file (kept with its SHA-256) or a link, not both, to an answer."""
    assessment = _editable(answer.assessment, by)
    if (upload is None) == (not link):
        raise ValidationError({"file": _("Joignez un fichier ou indiquez un lien (l'un ou l'autre).")})
    evidence = Evidence(answer=answer, label=_text(label, "label")[:250], effective_date=effective_date, added_by=by)
    if upload is not None:
        if upload.size > MAX_EVIDENCE_BYTES:
            raise ValidationError({"file": _("Fichier trop volumineux (20 Mo au plus).")})
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        evidence.sha256 = digest.hexdigest()
        evidence.filename = upload.name[-250:]
        evidence.file.save(upload.name, upload, save=False)
    else:
        evidence.link = link.strip()
        try:
            evidence.full_clean(exclude=["answer", "added_by", "file"])
            # The import accepts only these schemes: a link the page accepted must survive the grid's round trip.
            URLValidator(schemes=EVIDENCE_LINK_SCHEMES)(evidence.link)
        except ValidationError as error:
            messages = error.message_dict.get("link") if hasattr(error, "error_dict") else None
            raise ValidationError({"link": messages or [_("Lien invalide : seuls les liens http et https sont acceptés.")]}) from None
    stamp(evidence, "Preuve ajoutée", by=by).save()
    _reopen(assessment, by)
    return evidence


@transaction.atomic
def withdraw_evidence(*, evidence: Evidence, by: User) -> Evidence:
    """Withdraw a piece of evidence from the answer; it is kept (a submitted revision may cite it)."""
    assessment = _editable(evidence.answer.assessment, by)
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if evidence.withdrawn_at is None:
        evidence.withdrawn_at = timezone.now()
        stamp(evidence, "Preuve retirée", by=by).save()
        _reopen(assessment, by)
    return evidence


def submission_problems(rows) -> list[str]:
    """Every reason the grid cannot be submitted yet; ``rows`` are the grid's rows (``queries.grid_rows``)."""
    problems = []
    for row in rows:
        answer, requirement = row.answer, row.answer.requirement
        key = requirement.key
        if answer.result == Result.NOT_EVALUATED:
            problems.append(_("%(key)s : exigence non évaluée.") % {"key": key})
        elif answer.to_reconfirm:
            problems.append(_("%(key)s : réponse reprise de la version précédente, à reconfirmer.") % {"key": key})
        if answer.result in (Result.NOT_APPLICABLE, *GAP_RESULTS) and not answer.justification.strip():
            problems.append(
                _("%(key)s : justification manquante pour le résultat « %(result)s ».")
                % {"key": key, "result": answer.get_result_display()}
            )
        if (
            answer.result == Result.CONFORMANT
            and requirement.level is not None
            and requirement.level.slug == "bloquante"
            and not row.evidence
        ):
            problems.append(_("%(key)s : une exigence bloquante déclarée conforme demande au moins une preuve.") % {"key": key})
    return problems


@transaction.atomic
def submit_assessment(*, assessment: Assessment, by: User, now: datetime | None = None) -> Submission:
    """Freeze the current answers as the next revision, with its attestation PDF and SHA-256.
    Refuses, listing every problem, an incomplete grid; refuses a grid with nothing new since the last submission."""
    assessment = _editable(assessment, by)
    if assessment.status == Assessment.Status.SUBMITTED:
        raise TransitionNotAllowed(_("Cette révision est déjà soumise : rien n'a changé depuis."))
    grid = assessment_grid(assessment)
    problems = submission_problems(grid.rows)
    if problems:
        raise SubmissionRefused(problems=problems)
    now = now or timezone.now()
    number = assessment.submissions.count() + 1
    snapshot = grid.snapshot(number=number, submitted_at=now, submitted_by=by)
    content = build_attestation(snapshot)
    sha256 = hashlib.sha256(content).hexdigest()
    submission = Submission(
        assessment=assessment,
        number=number,
        submitted_by=by,
        submitted_at=now,
        verdict=snapshot["verdict"]["value"],
        snapshot=snapshot,
        attestation_sha256=sha256,
    )
    submission.attestation.save(f"attestation-{assessment.pk}-r{number}-{sha256[:12]}.pdf", ContentFile(content), save=False)
    submission.save()
    assessment.status = Assessment.Status.SUBMITTED
    stamp(assessment, "Soumission de la révision %s" % number, by=by).save()
    return submission


@transaction.atomic
def request_changes(*, submission: Submission, by: User, comments: dict[Requirement | None, str]) -> list[ReviewComment]:
    """An editor asks the organisation for changes on its latest submission, with a comment per
    requirement (``None``: on the whole assessment). The organisation answers with a new revision."""
    if not is_editor(by):
        raise PermissionRefused(_("Seule l'ANS peut demander des modifications."))
    assessment = Assessment.objects.select_for_update().get(pk=submission.assessment_id)
    latest = assessment.submissions.order_by("-number").first()
    if latest is None or latest.pk != submission.pk or assessment.status != Assessment.Status.SUBMITTED:
        raise TransitionNotAllowed(_("Seule la dernière révision soumise peut faire l'objet d'une demande de modification."))
    cleaned = {requirement: (body or "").strip() for requirement, body in comments.items()}
    cleaned = {requirement: body for requirement, body in cleaned.items() if body}
    if not cleaned:
        raise ValidationError({"comments": _("Écrivez au moins une demande.")})
    assessed = set(assessment.answers.values_list("requirement_id", flat=True))
    created = []
    for requirement, body in cleaned.items():
        if requirement is not None and requirement.pk not in assessed:
            raise ValidationError({"comments": _("Exigence hors de cette autoévaluation.")})
        comment = ReviewComment(submission=submission, requirement=requirement, body=_text(body, "comments"), author=by)
        stamp(comment, "Demande de modification", by=by).save()
        created.append(comment)
    assessment.status = Assessment.Status.CHANGES_REQUESTED
    stamp(assessment, "Modifications demandées par l'ANS", by=by).save()
    signals.changes_requested.send(sender=Submission, submission=submission, comments=created)
    return created


@transaction.atomic
def import_grid(*, assessment: Assessment, rows: list[dict], revisions: dict[str, int], by: User, today: date | None = None) -> int:
    """Write every change of an imported grid, or none: the rows are checked again, and an answer
    changed by someone else since the preview (``revisions``: key → revision seen) refuses the whole
    import. New evidence links are added with today's effective date. Returns the rows changed."""
    assessment = _editable(assessment, by)
    today = today or timezone.localdate()
    grid = assessment_grid(assessment, today=today)
    checked = check_import(assessment, grid, rows)
    problems = import_problems(checked)
    for row in checked:
        if row.answer_id is not None and revisions.get(row.key, row.revision) != row.revision:
            problems.append(
                _("Ligne %(line)s : %(key)s a été modifiée dans l'application depuis l'aperçu.") % {"line": row.line, "key": row.key}
            )
    if problems:
        raise GridImportRefused(problems=problems)
    answers = {a.pk: a for a in AssessmentAnswer.objects.select_for_update().filter(assessment=assessment)}
    changed = 0
    for row in checked:
        if not row.changes:
            continue
        changed += 1
        answer = answers[row.answer_id]
        answer.assessment = assessment
        values = row.values
        planned = date.fromisoformat(values["planned_date"]) if values["planned_date"] else None
        if (
            values["result"], values["justification"], values["owner"], planned, values["to_reconfirm"]
        ) != (answer.result, answer.justification, answer.owner, answer.planned_date, answer.to_reconfirm):
            _write_answer(
                answer, by=by, result=values["result"], justification=values["justification"], owner=values["owner"],
                planned_date=planned, to_reconfirm=values["to_reconfirm"], today=today, reason="Import de la grille",
            )
        for link in row.new_links:
            evidence = Evidence(answer=answer, link=link, effective_date=today, added_by=by)
            stamp(evidence, "Import de la grille", by=by).save()
    if changed:
        _reopen(assessment, by)
    return changed


# Anonymous published summary -------------------------------------------------------------------------

AGGREGATE_GAPS_SHOWN = 10


def aggregate_min_organisations() -> int:
    """Fewest organisations with a submitted assessment for a summary to be published (setting
    ``ASSESSMENT_AGGREGATE_MIN_ORGANISATIONS``, default 3): below it, counts without names would
    still point at someone (two operators, one non-conformant: each knows who the other is)."""
    return getattr(settings, "ASSESSMENT_AGGREGATE_MIN_ORGANISATIONS", 3)


def aggregate_figures(version: ReferentialVersion) -> tuple[int, dict]:
    """(number of organisations, figures) from each assessment's latest submission: verdicts as
    ``{"conforme": n, "non_conforme": n}`` and the requirements most often in gap as
    ``[{"key", "title", "count"}]`` (count = submitted assessments declaring a gap), never a name.

    A requirement answered by fewer organisations than ``aggregate_min_organisations()`` (one that
    applies only to an actor role few organisations hold, e.g. the one proxy vendor) is left out of
    the gaps: its count would point at its author."""
    board = dashboard(version)
    submitted = [a for a in board.assessments if a.pk in board.latest]
    verdicts = {value: 0 for value in Submission.Verdict.values}
    answered_by: dict[str, set[int]] = {}
    gap_counts: dict[str, list] = {}
    for assessment in submitted:
        latest = board.latest[assessment.pk]
        verdicts[latest.verdict] += 1
        for answer in latest.snapshot["answers"]:
            answered_by.setdefault(answer["key"], set()).add(assessment.organisation_id)
            if answer["result"] in GAP_RESULTS:
                gap_counts.setdefault(answer["key"], [answer["title"], 0])[1] += 1
    minimum = aggregate_min_organisations()
    shown = sorted(
        ((key, title, count) for key, (title, count) in gap_counts.items() if len(answered_by[key]) >= minimum),
        key=lambda item: (-item[2], item[0]),
    )
    gaps = [{"key": key, "title": title, "count": count} for key, title, count in shown[:AGGREGATE_GAPS_SHOWN]]
    return len({a.organisation_id for a in submitted}), {"assessments": len(submitted), "verdicts": verdicts, "gaps": gaps}


@transaction.atomic
def publish_aggregate(*, version: ReferentialVersion, by: User, now: datetime | None = None) -> PublishedAggregate:
    """Publish (or refresh) the anonymous summary of ``version``'s self-assessments.

    Raises ``PermissionRefused`` for anyone but an editor, ``TransitionNotAllowed`` for a version not
    published, and ``DomainError`` while fewer organisations than ``aggregate_min_organisations()``
    have submitted."""
    if not is_editor(by):
        raise PermissionRefused(_("Seule l'ANS peut publier la synthèse des autoévaluations."))
    version = ReferentialVersion.objects.select_for_update().get(pk=version.pk)
    if version.status not in ReferentialVersion.FROZEN_STATUSES:
        raise TransitionNotAllowed(_("Seule une version publiée a une synthèse des autoévaluations."))
    organisations, figures = aggregate_figures(version)
    minimum = aggregate_min_organisations()
    if organisations < minimum:
        raise DomainError(
            _(
                "Au moins %(minimum)s organisations doivent avoir soumis leur autoévaluation pour que la synthèse "
                "ne désigne personne ; aujourd'hui : %(count)s."
            )
            % {"minimum": minimum, "count": organisations}
        )
    aggregate = PublishedAggregate.objects.filter(version=version).first() or PublishedAggregate(version=version)
    aggregate.organisations = organisations
    aggregate.figures = figures
    aggregate.published_at = now or timezone.now()
    aggregate.published_by = by
    stamp(aggregate, "Publication de la synthèse des autoévaluations", by=by).save()
    return aggregate


@transaction.atomic
def withdraw_aggregate(*, version: ReferentialVersion, by: User) -> None:
    """Take the published summary of ``version`` offline; its history keeps what was shown."""
    if not is_editor(by):
        raise PermissionRefused(_("Seule l'ANS peut retirer la synthèse des autoévaluations."))
    aggregate = PublishedAggregate.objects.filter(version=version).first()
    if aggregate is None:
        raise TransitionNotAllowed(_("Cette synthèse n'est pas publiée."))
    stamp(aggregate, "Retrait de la synthèse des autoévaluations", by=by)
    aggregate.delete()
