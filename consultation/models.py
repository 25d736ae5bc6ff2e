"""Workshops (ateliers) and their minutes: header, participants, agenda and the RIDA table.

A RIDA item (Relevé d'Informations, de Décisions et d'Actions) is an Information, a Decision or
an Action; only actions carry a status, and an owner and due date. Items point at requirements
by (referential, key) rather than by row, so a link made against version 1.0 still resolves
when the requirement is read in 1.1 (see ``queries.rida_items_for_requirement``).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from referential.models import Referential


class WorkshopQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Workshop.Status.PUBLISHED)

    def visible_to(self, user):
        """Editors prepare minutes as drafts; everyone else reads published minutes only."""
        from referential.roles import is_editor

        return self if is_editor(user) else self.published()


class Workshop(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publié")

    class Kind(models.TextChoices):
        WORKSHOP = "atelier", _("Atelier")
        MEETING = "reunion", _("Réunion")
        WEBINAR = "webinaire", _("Webinaire")
        OTHER = "autre", _("Autre")

    number = models.PositiveIntegerField(
        _("numéro"), help_text=_("Numéro de l'atelier dans la série, par exemple 4 pour « Atelier technique #4 ».")
    )
    title = models.CharField(_("objet"), max_length=250, help_text=_("Par exemple « TF MSSanté – Atelier technique #4 »."))
    held_on = models.DateField(_("date de la réunion"))
    kind = models.CharField(_("type de réunion"), max_length=20, choices=Kind.choices, default=Kind.WORKSHOP)
    organiser = models.CharField(
        _("organisateur"), max_length=150, help_text=_("Personne à l'origine de la réunion, qui en assure l'animation.")
    )
    writer = models.CharField(
        _("rédacteur"), max_length=150, help_text=_("Personne en charge de la rédaction du compte-rendu.")
    )
    writer_entity = models.CharField(_("entité du rédacteur"), max_length=150, blank=True)
    agenda_intro = models.CharField(
        _("introduction de l'ordre du jour"),
        max_length=500,
        blank=True,
        help_text=_("Phrase qui précède la liste des points abordés."),
    )
    summary = models.TextField(_("compte-rendu synthétique"), blank=True, help_text=_("Markdown."))
    referentials = models.ManyToManyField(
        Referential, related_name="workshops", blank=True, verbose_name=_("référentiels concernés")
    )
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = WorkshopQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[referentials])

    class Meta:
        ordering = ["-held_on", "-number"]
        verbose_name = _("atelier")
        verbose_name_plural = _("ateliers")
        constraints = [
            # Workshops are known by their number (« l'atelier #4 »): two with the same number would be ambiguous.
            models.UniqueConstraint(fields=["number"], name="workshop_number_unique"),
        ]

    def __str__(self):
        return f"#{self.number} — {self.title}"

    def get_absolute_url(self):
        return reverse("consultation:workshop_detail", kwargs={"pk": self.pk})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class WorkshopDocument(models.Model):
    """A reference document of the minutes, e.g. the slides shown during the workshop."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="documents", verbose_name=_("atelier"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("intitulé"), max_length=250, help_text=_("Par exemple « Support de présentation »."))
    reference = models.CharField(
        _("référence"), max_length=250, blank=True, help_text=_("Nom du fichier ou identifiant du document.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["workshop", "position", "id"]
        verbose_name = _("document de référence")
        verbose_name_plural = _("documents de référence")

    def __str__(self):
        return f"{self.title} «{self.reference}»" if self.reference else self.title


class AgendaItem(models.Model):
    """A point of the agenda; sub-points hang under a top-level point (two levels, as in the minutes)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("atelier"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("point parent"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label = models.CharField(_("libellé"), max_length=300)

    history = HistoricalRecords()

    class Meta:
        ordering = ["workshop", "parent_id", "position", "id"]
        verbose_name = _("point de l'ordre du jour")
        verbose_name_plural = _("ordre du jour")

    def __str__(self):
        return self.label

    def clean(self):
        if self.parent_id is None:
            return
        if self.parent.workshop_id != self.workshop_id:
            raise ValidationError({"parent": _("Le point parent doit appartenir au même atelier.")})
        if self.parent.parent_id is not None or (self.pk and self.parent_id == self.pk):
            raise ValidationError({"parent": _("Un sous-point se rattache à un point de premier niveau.")})


class Participant(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="participants", verbose_name=_("atelier"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    last_name = models.CharField(_("nom"), max_length=100)
    first_name = models.CharField(_("prénom"), max_length=100, blank=True)
    entity = models.CharField(_("entité"), max_length=150, blank=True)
    function = models.CharField(_("fonction"), max_length=250, blank=True)
    is_organiser = models.BooleanField(
        _("organisateur"), default=False, help_text=_("Marqué d'un renvoi dans la liste des intervenants.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["workshop", "position", "id"]
        verbose_name = _("intervenant")
        verbose_name_plural = _("intervenants")

    def __str__(self):
        return f"{self.last_name} {self.first_name}".strip()


class RidaItemQuerySet(models.QuerySet):
    def actions(self):
        return self.filter(nature=RidaItem.Nature.ACTION)

    def open_actions(self):
        return self.actions().filter(action_status=RidaItem.ActionStatus.OPEN)


class RidaItem(models.Model):
    class Nature(models.TextChoices):
        INFORMATION = "I", _("Information")
        DECISION = "D", _("Décision")
        ACTION = "A", _("Action")

    class ActionStatus(models.TextChoices):
        OPEN = "open", _("Ouverte")
        DONE = "done", _("Réalisée")
        DROPPED = "dropped", _("Abandonnée")

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="rida_items", verbose_name=_("atelier"))
    number = models.PositiveIntegerField(_("numéro"))
    nature = models.CharField(_("nature"), max_length=1, choices=Nature.choices)
    object = models.CharField(_("objet"), max_length=250)
    question = models.TextField(_("question / remarque"), blank=True, help_text=_("Markdown."))
    answer = models.TextField(_("réponse"), blank=True, help_text=_("Markdown."))
    owner = models.CharField(_("responsable"), max_length=150, blank=True, help_text=_("Actions seulement."))
    due_on = models.DateField(_("échéance"), null=True, blank=True, help_text=_("Actions seulement."))
    action_status = models.CharField(
        _("statut de l'action"),
        max_length=10,
        choices=ActionStatus.choices,
        blank=True,
        help_text=_("Actions seulement : ouverte, réalisée ou abandonnée."),
    )
    closing_note = models.TextField(_("note de clôture"), blank=True, help_text=_("Actions seulement."))
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = RidaItemQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["workshop", "number"]
        verbose_name = _("item RIDA")
        verbose_name_plural = _("items RIDA")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "number"], name="rida_number_unique_in_workshop"),
            # An action always has a status; information and decisions never have one.
            models.CheckConstraint(
                condition=Q(nature="A", action_status__in=["open", "done", "dropped"])
                | (~Q(nature="A") & Q(action_status="")),
                name="rida_status_only_on_actions",
            ),
        ]

    def __str__(self):
        return f"{self.number} ({self.nature}) — {self.object}"

    def get_absolute_url(self):
        return f"{self.workshop.get_absolute_url()}#rida-{self.number}"

    @property
    def is_action(self) -> bool:
        return self.nature == self.Nature.ACTION

    @property
    def is_open_action(self) -> bool:
        return self.is_action and self.action_status == self.ActionStatus.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open_action and self.due_on is not None and self.due_on < timezone.localdate()

    def clean(self):
        if self.is_action:
            if not self.action_status:
                # A new action starts open; the admin form need not ask.
                self.action_status = self.ActionStatus.OPEN
            return
        errors = {}
        message = _("Seule une action (nature A) porte ce champ.")
        for name in ("action_status", "owner", "due_on", "closing_note"):
            if getattr(self, name):
                errors[name] = message
        if errors:
            raise ValidationError(errors)


class RidaRequirementLink(models.Model):
    """A requirement an item concerns, named by key so that the link holds in every version."""

    rida_item = models.ForeignKey(
        RidaItem, on_delete=models.CASCADE, related_name="requirement_links", verbose_name=_("item RIDA")
    )
    referential = models.ForeignKey(
        Referential, on_delete=models.PROTECT, related_name="rida_links", verbose_name=_("référentiel")
    )
    requirement_key = models.CharField(_("clé de l'exigence"), max_length=40, help_text=_("Par exemple « MSS 17 »."))

    history = HistoricalRecords()

    class Meta:
        ordering = ["rida_item", "referential", "requirement_key"]
        verbose_name = _("exigence concernée")
        verbose_name_plural = _("exigences concernées")
        constraints = [
            models.UniqueConstraint(
                fields=["rida_item", "referential", "requirement_key"], name="rida_link_unique"
            ),
        ]
        indexes = [models.Index(fields=["referential", "requirement_key"], name="rida_link_by_key")]

    def __str__(self):
        return self.requirement_key

    def clean(self):
        self.requirement_key = " ".join((self.requirement_key or "").split())


# Organisations and consultations ------------------------------------------------------------------


class Organisation(models.Model):
    """A company or institution whose people take part in consultations (operators, vendors…)."""

    class Kind(models.TextChoices):
        OPERATOR = "operator", _("Opérateur MSSanté")
        VENDOR = "vendor", _("Éditeur de logiciel")
        PROXY_VENDOR = "proxy_vendor", _("Éditeur de proxy")
        INSTITUTION = "institution", _("Institution")
        OTHER = "other", _("Autre")

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente de validation")
        APPROVED = "approved", _("Validée")
        REFUSED = "refused", _("Refusée")
        MERGED = "merged", _("Fusionnée")

    # How the public synthesis names an organisation that did not agree to be named.
    ANONYMOUS_LABELS = {
        Kind.OPERATOR: _("Un opérateur"),
        Kind.VENDOR: _("Un éditeur"),
        Kind.PROXY_VENDOR: _("Un éditeur de proxy"),
        Kind.INSTITUTION: _("Une institution"),
        Kind.OTHER: _("Un autre contributeur"),
    }

    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.PENDING)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged", verbose_name=_("fusionnée dans")
    )
    agrees_to_be_named = models.BooleanField(
        _("accepte d'être nommée dans les synthèses"),
        default=False,
        help_text=_("Sinon, ses commentaires publiés sont attribués à son seul type (« Un opérateur »)."),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False) | (~Q(status="merged") & Q(merged_into__isnull=True)),
                name="organisation_merged_iff_target",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def public_label(self) -> str:
        """The name the public synthesis shows."""
        return self.name if self.agrees_to_be_named else str(self.ANONYMOUS_LABELS[self.kind])


class Membership(models.Model):
    """A person's account in the consultation space: their organisation and confirmed e-mail."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership", verbose_name=_("utilisateur")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="members", verbose_name=_("organisation")
    )
    email_confirmed_at = models.DateTimeField(_("adresse confirmée le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appartenance")
        verbose_name_plural = _("appartenances")

    def __str__(self):
        return f"{self.user} — {self.organisation}"


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
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    history = HistoricalRecords()

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
