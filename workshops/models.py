"""Workshops (ateliers) and their minutes: header, participants, agenda and the RIDA table.

A RIDA item (Relevé d'Informations, de Décisions et d'Actions) is an Information, a Decision or
an Action; only actions carry a status, and an owner and due date. Items point at requirements
by (referential, key) as the minutes write them, and each link keeps the requirement the key named
when it was made: it follows that requirement's lineage, so a link made against version 1.0 still
resolves when the requirement is read in 1.1, under a new key if it changed, and never moves to
another requirement that took its key (see ``queries.rida_items_for_requirement``).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from referential.keys import key_problem, normalise_key
from referential.models import Referential, Requirement
from referential.queries import requirement_named


class WorkshopQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Workshop.Status.PUBLISHED)

    def visible_to(self, user):
        """Editors prepare minutes as drafts; everyone else reads published minutes only."""
        from core.roles import is_editor

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
    history = HistoricalRecords(m2m_fields=[referentials], table_name="consultation_historicalworkshop")

    class Meta:
        db_table = "consultation_workshop"  # moved from the consultation app, table kept
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
        return reverse("workshops:workshop_detail", kwargs={"pk": self.pk})

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

    history = HistoricalRecords(table_name="consultation_historicalworkshopdocument")

    class Meta:
        db_table = "consultation_workshopdocument"  # moved from the consultation app, table kept
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

    history = HistoricalRecords(table_name="consultation_historicalagendaitem")

    class Meta:
        db_table = "consultation_agendaitem"  # moved from the consultation app, table kept
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

    history = HistoricalRecords(table_name="consultation_historicalparticipant")

    class Meta:
        db_table = "consultation_participant"  # moved from the consultation app, table kept
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
    history = HistoricalRecords(table_name="consultation_historicalridaitem")

    class Meta:
        db_table = "consultation_ridaitem"  # moved from the consultation app, table kept
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
    """A requirement an item concerns, named by key as the minutes wrote it.

    The key is resolved once, when the link is made (``anchor``: the requirement it named in the version
    in force on the day of the workshop, else in the newest version holding it), and the link then
    follows that requirement's lineage: a key swapped or reused in a later version never moves it
    onto another requirement. A key that named nothing yet is resolved when read."""

    rida_item = models.ForeignKey(
        RidaItem, on_delete=models.CASCADE, related_name="requirement_links", verbose_name=_("item RIDA")
    )
    referential = models.ForeignKey(
        Referential, on_delete=models.PROTECT, related_name="rida_links", verbose_name=_("référentiel")
    )
    requirement_key = models.CharField(_("clé de l'exigence"), max_length=40, help_text=_("Par exemple « MSS 17 »."))
    anchor = models.ForeignKey(
        Requirement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rida_links",
        verbose_name=_("exigence désignée"),
        help_text=_(
            "L'exigence que la clé désignait quand le lien a été fait ; le lien suit sa filiation, même si sa clé change."
        ),
    )

    history = HistoricalRecords(table_name="consultation_historicalridarequirementlink")

    class Meta:
        db_table = "consultation_ridarequirementlink"  # moved from the consultation app, table kept
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
        self.requirement_key = normalise_key(self.requirement_key)
        if self.requirement_key and (problem := key_problem(self.requirement_key)):
            raise ValidationError({"requirement_key": problem})

    def save(self, *args, **kwargs):
        # Every path (services, admin inline, imports) stores the key clean and the requirement it names.
        self.requirement_key = normalise_key(self.requirement_key)
        if self._names_something_new():
            self.anchor = requirement_named(
                self.referential_id, self.requirement_key, on=self.rida_item.workshop.held_on
            )
        super().save(*args, **kwargs)

    def _names_something_new(self) -> bool:
        if not (self.requirement_key and self.referential_id):
            return False
        if self.pk is None or self.anchor_id is None:
            return self.anchor_id is None
        stored = type(self).objects.filter(pk=self.pk).values_list("referential_id", "requirement_key").first()
        return stored != (self.referential_id, self.requirement_key)
