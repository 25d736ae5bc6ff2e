"""Consultations (concertations) of a draft version: their window, the comments of contributors and the
ANS's answers. Comments are never deleted: they are withdrawn or hidden, with their history.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Organisation


class ConsultationQuerySet(models.QuerySet):
    def open_at(self, moment):
        return self.filter(opens_at__lte=moment, closes_at__gt=moment)


class Consultation(models.Model):
    """The public consultation of one draft version, over a window in Europe/Paris time."""

    version = models.ForeignKey(
        "referential.ReferentialVersion", on_delete=models.PROTECT, related_name="consultations", verbose_name=_("version")
    )
    title = models.CharField(_("intitulé"), max_length=250, blank=True)
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(_("clôture"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("ouverte par")
    )
    synthesis_published_at = models.DateTimeField(_("synthèse publiée le"), null=True, blank=True)
    synthesis_intro = models.TextField(_("introduction de la synthèse"), blank=True, help_text=_("Markdown."))
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = ConsultationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = _("concertation")
        verbose_name_plural = _("concertations")
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="consultation_closes_after_opening"),
        ]

    def __str__(self):
        return self.title or _("Concertation sur %(version)s") % {"version": self.version}

    def get_absolute_url(self):
        return reverse("consultation:consultation_detail", kwargs={"pk": self.pk})

    def is_open(self, moment=None) -> bool:
        moment = moment or timezone.now()
        return self.opens_at <= moment < self.closes_at

    def is_closed(self, moment=None) -> bool:
        return (moment or timezone.now()) >= self.closes_at

    @property
    def synthesis_is_published(self) -> bool:
        return self.synthesis_published_at is not None


class Comment(models.Model):
    """What a contributor says about a requirement, a chapter or the whole version. Never deleted:
    withdrawn by its author or hidden by an editor, with every edit in its history."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Question")
        REMARK = "remark", _("Remarque")
        PROPOSAL = "proposal", _("Proposition de modification")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Déposé")
        WITHDRAWN = "withdrawn", _("Retiré par son auteur")
        HIDDEN = "hidden", _("Masqué par l'ANS")

    BODY_MAX_LENGTH = 10_000

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="comments", verbose_name=_("concertation"))
    requirement = models.ForeignKey(
        "referential.Requirement", on_delete=models.PROTECT, null=True, blank=True, related_name="comments", verbose_name=_("exigence")
    )
    section = models.ForeignKey(
        "referential.Section", on_delete=models.PROTECT, null=True, blank=True, related_name="comments", verbose_name=_("chapitre")
    )
    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices)
    body = models.TextField(_("commentaire"), max_length=BODY_MAX_LENGTH, help_text=_("Markdown."))
    proposed_wording = models.TextField(_("rédaction proposée"), max_length=BODY_MAX_LENGTH, blank=True)
    # The requirement's statement as the contributor read it: the proposed wording's redline is
    # computed against this text forever, whatever happens to the requirement afterwards.
    commented_text = models.TextField(_("texte commenté"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments", verbose_name=_("auteur"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="comments", verbose_name=_("organisation")
    )
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    hidden_reason = models.CharField(_("motif du masquage"), max_length=500, blank=True)
    # The editors' triage: who at the ANS handles the comment. Internal, like ``InternalNote``: no
    # page, export or mail meant for contributors or the public shows it.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_comments",
        verbose_name=_("attribué à"),
    )
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    # The history is read by comment (its ``id``), never by what a comment points at: those indexes
    # would only cost every comment written (six of the ten; issue 15, the comment intake).
    history = HistoricalRecords(no_db_index=["consultation", "requirement", "section", "author", "organisation", "assigned_to"])

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")
        constraints = [
            models.CheckConstraint(
                condition=Q(requirement__isnull=True) | Q(section__isnull=True), name="comment_targets_one_thing"
            ),
            models.CheckConstraint(
                condition=~Q(status="hidden") | ~Q(hidden_reason=""), name="hidden_comment_has_a_reason"
            ),
        ]

    def __str__(self):
        return _("Commentaire n° %(id)s") % {"id": self.pk}

    @property
    def target_label(self) -> str:
        if self.requirement_id:
            return self.requirement.key
        if self.section_id:
            return self.section.title
        return str(_("Version entière"))

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Answer(models.Model):
    """The ANS's official answer to a comment, with its decision."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("Acceptée")
        PARTLY_ACCEPTED = "partly_accepted", _("Partiellement acceptée")
        REJECTED = "rejected", _("Refusée")
        NOTED = "noted", _("Prise en compte pour information")
        FORWARDED = "forwarded", _("Transmise à une autre équipe")

    comment = models.OneToOneField(Comment, on_delete=models.PROTECT, related_name="answer", verbose_name=_("commentaire"))
    decision = models.CharField(_("décision"), max_length=20, choices=Decision.choices)
    body = models.TextField(_("réponse"), max_length=Comment.BODY_MAX_LENGTH, help_text=_("Markdown."))
    carried_by = models.ForeignKey(
        "referential.Requirement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answers_carried",
        verbose_name=_("exigence qui porte le changement"),
        help_text=_("L'exigence de la version suivante qui intègre la modification."),
    )
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("répondu par"))
    answered_at = models.DateTimeField(_("répondu le"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("réponse de l'ANS")
        verbose_name_plural = _("réponses de l'ANS")

    def __str__(self):
        return _("Réponse au commentaire n° %(id)s") % {"id": self.comment_id}


class InternalNote(models.Model):
    """What editors write to each other about a comment while they handle it. Internal: never shown to
    contributors, nor in any export, API resource, synthesis, public page or e-mail. Notes are only
    added, never changed, so they need no history of their own."""

    TEXT_MAX_LENGTH = 5_000

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="internal_notes", verbose_name=_("commentaire"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("auteur"))
    text = models.TextField(_("note"), max_length=TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(_("écrite le"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("note interne")
        verbose_name_plural = _("notes internes")

    def __str__(self):
        return _("Note interne sur le commentaire n° %(id)s") % {"id": self.comment_id}
