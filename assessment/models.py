"""Conformity self-assessments: an organisation checks itself against a published version, for one actor role.

An ``Assessment`` holds the answers being worked on (one per requirement that applies to the actor).
Submitting freezes a ``Submission``: a self-contained snapshot (results, texts, evidence hashes,
the requirement wording answered, the rule applied, the verdict) and its attestation PDF. A
submission refuses every change and deletion, whatever path tries it; a later change of the
answers is the next revision.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.errors import DomainError


class SubmissionFrozen(DomainError):
    default_message = _("Une révision soumise ne peut plus être modifiée : modifiez l'autoévaluation pour en préparer une nouvelle.")


class Result(models.TextChoices):
    CONFORMANT = "conforme", _("Conforme")
    PARTIAL = "partiel", _("Partiellement conforme")
    NON_CONFORMANT = "non_conforme", _("Non conforme")
    NOT_APPLICABLE = "non_applicable", _("Non applicable")
    NOT_EVALUATED = "non_evalue", _("Non évalué")


# Results that are a finding (écart): their level comes from the requirement.
GAP_RESULTS = frozenset({Result.PARTIAL, Result.NON_CONFORMANT})


class Assessment(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("En cours")
        SUBMITTED = "submitted", _("Soumise")
        CHANGES_REQUESTED = "changes_requested", _("Modifications demandées")

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="assessments", verbose_name=_("organisation")
    )
    version = models.ForeignKey(
        "referential.ReferentialVersion", on_delete=models.PROTECT, related_name="assessments", verbose_name=_("version")
    )
    actor = models.ForeignKey(
        "referential.Actor", on_delete=models.PROTECT, related_name="assessments", verbose_name=_("rôle évalué")
    )
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    carried_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="carried_to",
        verbose_name=_("reprise de"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("créée par")
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation__name", "version__referential__code", "-created_at"]
        verbose_name = _("autoévaluation")
        verbose_name_plural = _("autoévaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "version", "actor"], name="one_assessment_per_organisation_version_actor"
            ),
        ]

    def __str__(self):
        return f"{self.organisation} — {self.version} — {self.actor}"

    def get_absolute_url(self):
        return reverse("assessment:detail", kwargs={"pk": self.pk})


class AssessmentAnswer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="answers", verbose_name=_("autoévaluation"))
    requirement = models.ForeignKey(
        "referential.Requirement", on_delete=models.PROTECT, related_name="assessment_answers", verbose_name=_("exigence")
    )
    result = models.CharField(_("résultat"), max_length=20, choices=Result.choices, default=Result.NOT_EVALUATED)
    justification = models.TextField(_("justification"), blank=True)
    owner = models.CharField(_("responsable"), max_length=150, blank=True)
    planned_date = models.DateField(_("date de mise en conformité prévue"), null=True, blank=True)
    found_on = models.DateField(
        _("écart constaté le"), null=True, blank=True,
        help_text=_("Date à laquelle l'écart a été déclaré ; son échéance se compte à partir d'elle ou de l'entrée en vigueur."),
    )
    to_reconfirm = models.BooleanField(
        _("à reconfirmer"), default=False, help_text=_("Réponse reprise d'une version précédente, pas encore revue.")
    )
    carried_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("reprise de")
    )
    revision = models.PositiveIntegerField(
        _("révision"), default=1, help_text=_("Augmente à chaque enregistrement ; détecte les modifications concurrentes.")
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "requirement__position", "requirement_id"]
        verbose_name = _("réponse d'autoévaluation")
        verbose_name_plural = _("réponses d'autoévaluation")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "requirement"], name="one_answer_per_requirement"),
        ]

    def __str__(self):
        return f"{self.requirement.key} — {self.get_result_display()}"

    @property
    def is_gap(self) -> bool:
        return self.result in GAP_RESULTS


def evidence_path(instance, filename):
    return f"assessments/{instance.answer.assessment_id}/evidence/{filename}"


class Evidence(models.Model):
    """A file (kept with its SHA-256) or a link that supports an answer, effective from a date.
    Withdrawn, never deleted: a submitted revision may cite it."""

    answer = models.ForeignKey(AssessmentAnswer, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("réponse"))
    label = models.CharField(_("intitulé"), max_length=250, blank=True)
    file = models.FileField(_("fichier"), upload_to=evidence_path, blank=True, max_length=300)
    filename = models.CharField(_("nom du fichier"), max_length=250, blank=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    link = models.URLField(_("lien"), max_length=500, blank=True)
    effective_date = models.DateField(_("date d'effet"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ajoutée par"))
    added_at = models.DateTimeField(_("ajoutée le"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("retirée le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["answer", "added_at", "id"]
        verbose_name = _("preuve")
        verbose_name_plural = _("preuves")
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(link="")) | (~Q(file="") & Q(link="") & ~Q(sha256="")),
                name="evidence_is_a_fingerprinted_file_or_a_link",
            ),
        ]

    def __str__(self):
        return self.label or self.filename or self.link


class SubmissionQuerySet(models.QuerySet):
    # Bulk writes skip save(): a submission refuses them too.
    def update(self, **kwargs):
        raise SubmissionFrozen()

    def delete(self):
        raise SubmissionFrozen()


class Submission(models.Model):
    """A frozen revision of an assessment: what was declared, against which text and rule, with which verdict."""

    class Verdict(models.TextChoices):
        CONFORMANT = "conforme", _("Conforme")
        NON_CONFORMANT = "non_conforme", _("Non conforme")

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("autoévaluation"))
    number = models.PositiveIntegerField(_("révision"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("soumise par"))
    submitted_at = models.DateTimeField(_("soumise le"))
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    snapshot = models.JSONField(_("contenu figé"))
    attestation = models.FileField(_("attestation"), upload_to="assessments/attestations/", max_length=300)
    attestation_sha256 = models.CharField(_("empreinte SHA-256 de l'attestation"), max_length=64, unique=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "number"]
        verbose_name = _("révision soumise")
        verbose_name_plural = _("révisions soumises")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "number"], name="one_submission_per_revision_number"),
        ]

    def __str__(self):
        return _("%(assessment)s — révision %(number)s") % {"assessment": self.assessment, "number": self.number}

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise SubmissionFrozen()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SubmissionFrozen()


class ReviewComment(models.Model):
    """An ANS reviewer's request for a change on one requirement of a submission."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="review_comments", verbose_name=_("révision"))
    requirement = models.ForeignKey(
        "referential.Requirement", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("exigence")
    )
    body = models.TextField(_("demande"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("auteur"))
    created_at = models.DateTimeField(_("demandée le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["submission", "created_at", "id"]
        verbose_name = _("demande de modification")
        verbose_name_plural = _("demandes de modification")

    def __str__(self):
        return self.body[:80]


class PublishedAggregate(models.Model):
    """An anonymous summary of one version's submitted self-assessments, published by an editor:
    counts only, never an organisation's name. Its figures are frozen when published (what the ANS
    chose to show), refreshed only by publishing again; withdrawing deletes it (its history stays)."""

    version = models.OneToOneField(
        "referential.ReferentialVersion", on_delete=models.PROTECT, related_name="assessment_aggregate", verbose_name=_("version")
    )
    organisations = models.PositiveIntegerField(_("organisations ayant soumis"))
    figures = models.JSONField(_("chiffres publiés"))
    published_at = models.DateTimeField(_("publiée le"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("publiée par"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("synthèse publique des autoévaluations")
        verbose_name_plural = _("synthèses publiques des autoévaluations")

    def __str__(self):
        return _("Synthèse des autoévaluations de %(version)s") % {"version": self.version}

    def get_absolute_url(self):
        return reverse("assessment:aggregate", kwargs={"version_pk": self.version_id})
