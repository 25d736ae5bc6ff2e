"""Referentials, their versions, chapters and requirements.

A version that is published (or superseded) is frozen: its row, its chapters, its
requirements and its conformity rule refuse every change, whatever path tries it
(admin, API, service, shell). The text of a version in consultation is frozen the same
way (chapters, requirements, actors, rule), because people comment on it: only its
row moves on (to publication). The guards live here, on the rows themselves, so no
caller can forget them.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .errors import VersionFrozen
from .keys import key_problem

VERSION_NUMBER_RE = r"^\d+(\.\d+){1,2}$"
version_number_validator = RegexValidator(
    VERSION_NUMBER_RE, _("Un numéro de version s'écrit comme 1.0 ou 1.0.2.")
)


def version_sort_key(number: str) -> tuple[int, ...]:
    """Sort key so that 1.10 comes after 1.9."""
    return tuple(int(part) for part in re.findall(r"\d+", number))


class Referential(models.Model):
    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True)
    code = models.CharField(_("code"), max_length=20, unique=True, help_text=_("Par exemple « Ref#1 »."))
    title = models.CharField(_("titre"), max_length=250)
    audience = models.CharField(_("public visé"), max_length=250)
    description = models.TextField(_("présentation"), blank=True, help_text=_("Markdown."))
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("référentiel")
        verbose_name_plural = _("référentiels")

    def __str__(self):
        return f"{self.code} — {self.title}"

    def get_absolute_url(self):
        return reverse("referential:referential_detail", kwargs={"slug": self.slug})


class NonConformityLevel(models.Model):
    slug = models.SlugField(_("identifiant"), max_length=30, unique=True)
    label = models.CharField(_("libellé"), max_length=60)
    definition = models.TextField(_("définition"))
    rank = models.PositiveSmallIntegerField(
        _("rang"), unique=True, help_text=_("1 pour le niveau le plus grave.")
    )
    remediation_delay_days = models.PositiveIntegerField(
        _("délai de mise en conformité (jours)"),
        null=True,
        blank=True,
        help_text=_("Vide quand aucun délai n'est fixé : la définition du niveau dit alors ce qui s'applique."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["rank"]
        verbose_name = _("niveau de non-conformité")
        verbose_name_plural = _("niveaux de non-conformité")

    def __str__(self):
        return self.label


class Actor(models.Model):
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    label = models.CharField(_("libellé"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "label"]
        verbose_name = _("acteur")
        verbose_name_plural = _("acteurs")

    def __str__(self):
        return self.label


class VersionQuerySet(models.QuerySet):
    def public(self):
        """Versions anyone may read: in consultation, published or superseded."""
        return self.filter(status__in=ReferentialVersion.PUBLIC_STATUSES)

    def published(self):
        return self.filter(status=ReferentialVersion.Status.PUBLISHED)

    def visible_to(self, user):
        from core.roles import is_editor

        return self if is_editor(user) else self.public()

    # Bulk writes skip save(): they get the same guard. Superseding is the one
    # change a frozen row still accepts.
    def update(self, **kwargs):
        frozen = self.filter(status__in=ReferentialVersion.FROZEN_STATUSES)
        superseding = kwargs.keys() == {"status"} and kwargs["status"] == ReferentialVersion.Status.SUPERSEDED
        if frozen.exists() and not (superseding and not frozen.exclude(status="published").exists()):
            raise VersionFrozen()
        # Under consultation, the row keeps its number and rule and moves only on to publication.
        names = {self.model._meta.get_field(name).attname for name in kwargs}
        leaves_consultation = "status" in kwargs and kwargs["status"] != ReferentialVersion.Status.PUBLISHED
        if (names & ReferentialVersion.CONSULTATION_FROZEN_FIELDS or leaves_consultation) and self.filter(
            status=ReferentialVersion.Status.CONSULTATION
        ).exists():
            raise VersionFrozen.under_consultation()
        updated = super().update(**kwargs)
        # No post_save for a bulk update: the pages and rows each process keeps are told here.
        from .page_cache import bump_pages_generation

        bump_pages_generation()
        return updated

    def delete(self):
        if self.filter(status__in=ReferentialVersion.FROZEN_STATUSES).exists():
            raise VersionFrozen()
        return super().delete()


class ReferentialVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        CONSULTATION = "consultation", _("En concertation")
        PUBLISHED = "published", _("Publiée")
        SUPERSEDED = "superseded", _("Remplacée")

    FROZEN_STATUSES = (Status.PUBLISHED, Status.SUPERSEDED)
    # The text (chapters, requirements, actors, rule) stops changing once people may comment on it.
    TEXT_FROZEN_STATUSES = (Status.CONSULTATION, Status.PUBLISHED, Status.SUPERSEDED)
    # What a version in consultation keeps as it is on its own row: its number and its rule.
    CONSULTATION_FROZEN_FIELDS = {"referential_id", "number", "based_on_id", "conformity_rule_note"}
    PUBLIC_STATUSES = (Status.CONSULTATION, Status.PUBLISHED, Status.SUPERSEDED)

    referential = models.ForeignKey(
        Referential, on_delete=models.PROTECT, related_name="versions", verbose_name=_("référentiel")
    )
    number = models.CharField(_("numéro"), max_length=20, validators=[version_number_validator])
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    change_summary = models.TextField(_("résumé des changements"), blank=True)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derived_versions",
        verbose_name=_("fondée sur"),
    )
    conformity_rule_note = models.TextField(
        _("règle de conformité (commentaire)"),
        blank=True,
        help_text=_("Précisions sur la règle, en plus des seuils par niveau."),
    )
    effective_at = models.DateField(_("date d'entrée en vigueur"), null=True, blank=True)
    requires_recommitment = models.BooleanField(
        _("exige un nouvel engagement de conformité"), default=False
    )
    compliance_deadline = models.DateField(_("date limite de mise en conformité"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("publiée par"),
    )
    # The words the version printed on the day it was published (see ``fixed_labels``): relabelling a
    # level or an actor, or renaming the referential, later changes nothing it shows.
    publication_labels = models.JSONField(
        _("libellés figés à la publication"), default=dict, blank=True, editable=False
    )
    pdf = models.FileField(_("PDF"), upload_to="referentiels/", blank=True)
    pdf_sha256 = models.CharField(_("empreinte SHA-256 du PDF"), max_length=64, blank=True)
    pdf_size = models.PositiveBigIntegerField(_("taille du PDF (octets)"), null=True, blank=True)
    # Set while a background publication runs, so pages can say « publication en cours ».
    publication_task_id = models.CharField(_("tâche de publication"), max_length=64, blank=True)
    publication_error = models.TextField(_("erreur de la dernière publication"), blank=True)

    objects = VersionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["referential", "-created_at"]
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        constraints = [
            models.UniqueConstraint(fields=["referential", "number"], name="version_number_unique_in_referential"),
            models.UniqueConstraint(
                fields=["referential"],
                condition=models.Q(status="published"),
                name="one_published_version_per_referential",
            ),
        ]

    def __str__(self):
        return f"{self.referential.code} v{self.number}"

    def get_absolute_url(self):
        return reverse(
            "referential:version_detail", kwargs={"slug": self.referential.slug, "number": self.number}
        )

    @property
    def is_frozen(self) -> bool:
        return self.status in self.FROZEN_STATUSES

    @property
    def in_force_from(self):
        """The day this version applies from: its in-force date, else the day it was published
        (Europe/Paris); None until it is published."""
        if self.status not in self.FROZEN_STATUSES:
            return None
        if self.effective_at:
            return self.effective_at
        return timezone.localdate(self.published_at) if self.published_at else None

    def clean(self):
        # Dates that contradict each other would make "in force" a guess: refuse them, naming the field.
        published_on = timezone.localdate(self.published_at) if self.published_at else None
        if self.effective_at and published_on and self.effective_at < published_on:
            raise ValidationError(
                {"effective_at": _("L'entrée en vigueur ne peut pas précéder la publication (%(date)s).")
                 % {"date": date_format(published_on, "DATE_FORMAT")}}
            )
        if self.compliance_deadline and self.effective_at and self.compliance_deadline < self.effective_at:
            raise ValidationError(
                {"compliance_deadline": _("La date limite de mise en conformité ne peut pas précéder l'entrée en vigueur.")}
            )

    @property
    def is_text_frozen(self) -> bool:
        """True once the text may no longer change: in consultation, published or superseded."""
        return self.status in self.TEXT_FROZEN_STATUSES

    @property
    def is_publishing(self) -> bool:
        return bool(self.publication_task_id) and not self.is_frozen

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC_STATUSES

    # Once frozen, the only change a version may still undergo is being superseded.
    _ALLOWED_FROZEN_CHANGES = {("published", "superseded")}

    def save(self, *args, **kwargs):
        if self.pk:
            stored = ReferentialVersion.objects.filter(pk=self.pk).values().first()
            if stored and stored["status"] in self.FROZEN_STATUSES:
                self._refuse_frozen_change(stored)
            elif stored and stored["status"] == self.Status.CONSULTATION:
                if any(stored[name] != getattr(self, name) for name in self.CONSULTATION_FROZEN_FIELDS):
                    raise VersionFrozen.under_consultation()
                # Back to draft would unfreeze the text people are commenting on: it only moves on.
                if self.status not in (self.Status.CONSULTATION, self.Status.PUBLISHED):
                    raise VersionFrozen.under_consultation()
        super().save(*args, **kwargs)

    def _refuse_frozen_change(self, stored: dict):
        changed = {
            field.attname
            for field in self._meta.concrete_fields
            if stored.get(field.attname) != getattr(self, field.attname)
            and not (field.attname == "pdf" and str(stored.get("pdf") or "") == str(self.pdf or ""))
        }
        if not changed:
            return
        if changed == {"status"} and (stored["status"], self.status) in self._ALLOWED_FROZEN_CHANGES:
            return
        raise VersionFrozen()

    def delete(self, *args, **kwargs):
        if self.is_frozen:
            raise VersionFrozen()
        return super().delete(*args, **kwargs)


def frozen_text_error(status: str | None) -> VersionFrozen | None:
    """The refusal to give when the text of a version in ``status`` is about to change, or None."""
    if status == ReferentialVersion.Status.CONSULTATION:
        return VersionFrozen.under_consultation()
    if status in ReferentialVersion.FROZEN_STATUSES:
        return VersionFrozen()
    return None


def refuse_if_text_frozen(statuses) -> None:
    """Raise the refusal for the most lasting of these version statuses, if any freezes the text."""
    statuses = set(statuses)
    # A published version's refusal comes first: it is the one that never lifts.
    for status in (*ReferentialVersion.FROZEN_STATUSES, ReferentialVersion.Status.CONSULTATION):
        if status in statuses:
            raise frozen_text_error(status)


class FrozenGuardQuerySet(models.QuerySet):
    """Bulk updates and deletes refuse to touch rows of a version whose text is frozen."""

    def _refuse_frozen(self) -> None:
        refuse_if_text_frozen(
            self.filter(version__status__in=ReferentialVersion.TEXT_FROZEN_STATUSES)
            .values_list("version__status", flat=True)
            .distinct()
        )

    def update(self, **kwargs):
        self._refuse_frozen()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_frozen()
        return super().delete()

    # bulk_create skips save() too: nothing may be added to a frozen text this way either.
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        version_ids = {obj.version_id for obj in objs}
        refuse_if_text_frozen(
            ReferentialVersion.objects.filter(pk__in=version_ids).values_list("status", flat=True).distinct()
        )
        return super().bulk_create(objs, *args, **kwargs)


class VersionContent(models.Model):
    """Something that belongs to one version and freezes with it."""

    class Meta:
        abstract = True

    def _guard(self):
        version_id = self.version_id
        if version_id is None:
            return
        status = ReferentialVersion.objects.filter(pk=version_id).values_list("status", flat=True).first()
        if error := frozen_text_error(status):
            raise error
        if self.pk:
            stored_version = type(self).objects.filter(pk=self.pk).values_list("version_id", flat=True).first()
            if stored_version is not None and stored_version != version_id:
                # Moving a row into another version would change the one it left.
                status = ReferentialVersion.objects.filter(pk=stored_version).values_list("status", flat=True).first()
                if error := frozen_text_error(status):
                    raise error

    def save(self, *args, **kwargs):
        self._guard()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._guard()
        return super().delete(*args, **kwargs)


class ConformityThreshold(VersionContent):
    """Part of a version's conformity rule: more than ``max_findings`` findings of ``level`` make an actor non-conformant."""

    version = models.ForeignKey(
        ReferentialVersion, on_delete=models.CASCADE, related_name="thresholds", verbose_name=_("version")
    )
    level = models.ForeignKey(NonConformityLevel, on_delete=models.PROTECT, related_name="+", verbose_name=_("niveau"))
    max_findings = models.PositiveIntegerField(
        _("nombre maximal d'écarts tolérés"),
        help_text=_("Au-delà, l'acteur est déclaré non conforme. 0 : un seul écart suffit."),
    )

    objects = FrozenGuardQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["level__rank"]
        verbose_name = _("seuil de conformité")
        verbose_name_plural = _("règle de conformité")
        constraints = [
            models.UniqueConstraint(fields=["version", "level"], name="one_threshold_per_level_and_version"),
        ]

    def __str__(self):
        return f"{self.level} ≤ {self.max_findings}"


class Section(VersionContent):
    version = models.ForeignKey(
        ReferentialVersion, on_delete=models.CASCADE, related_name="sections", verbose_name=_("version")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("chapitre parent"),
    )
    origin = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("copié de"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("titre"), max_length=250)
    intro = models.TextField(_("introduction"), blank=True, help_text=_("Markdown."))

    objects = FrozenGuardQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "parent_id", "position", "id"]
        verbose_name = _("chapitre")
        verbose_name_plural = _("chapitres")

    def __str__(self):
        return self.title

    def clean(self):
        if self.parent_id and self.parent.version_id != self.version_id:
            raise ValidationError({"parent": _("Le chapitre parent doit appartenir à la même version.")})
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("Un chapitre ne peut pas être son propre ancêtre.")})
            ancestor = ancestor.parent


class Requirement(VersionContent):
    version = models.ForeignKey(
        ReferentialVersion, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("version")
    )
    section = models.ForeignKey(
        Section, on_delete=models.PROTECT, related_name="requirements", verbose_name=_("chapitre")
    )
    origin = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("copiée de"),
        help_text=_("L'exigence de la version précédente dont celle-ci descend, même si sa clé a changé."),
    )
    key = models.CharField(_("clé"), max_length=40, help_text=_("Stable d'une version à l'autre, par exemple « MSS 17 »."))
    title = models.CharField(_("titre"), max_length=250)
    statement = models.TextField(_("énoncé"), help_text=_("Markdown. Employez DOIT, NE DOIT PAS, DEVRAIT, PEUT."))
    actors = models.ManyToManyField(Actor, related_name="requirements", blank=True, verbose_name=_("acteurs"))
    level = models.ForeignKey(
        NonConformityLevel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requirements",
        verbose_name=_("niveau de non-conformité"),
    )
    verification_method = models.CharField(_("méthode de vérification"), max_length=250, blank=True)
    compliance_deadline = models.DateField(_("échéance de mise en conformité"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    revision = models.PositiveIntegerField(
        _("révision"), default=1, help_text=_("Augmente à chaque enregistrement ; détecte les modifications concurrentes.")
    )
    exchange_id = models.CharField(
        _("identifiant d'échange"),
        max_length=120,
        blank=True,
        help_text=_(
            "Identifiant ReqIF reçu à l'import, repris à l'export de toute la lignée ; vide : "
            "l'identifiant est dérivé du référentiel et de la première exigence de la lignée."
        ),
    )

    objects = FrozenGuardQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[actors])

    class Meta:
        ordering = ["version", "position", "id"]
        verbose_name = _("exigence")
        verbose_name_plural = _("exigences")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="requirement_key_unique_in_version"),
        ]

    def __str__(self):
        return f"{self.key} — {self.title}"

    def get_absolute_url(self):
        return reverse(
            "referential:requirement_detail",
            kwargs={"slug": self.version.referential.slug, "number": self.version.number, "key": self.key},
        )

    def clean(self):
        if problem := key_problem(self.key):
            raise ValidationError({"key": problem})
        if self.section_id and self.version_id and self.section.version_id != self.version_id:
            raise ValidationError({"section": _("Le chapitre doit appartenir à la même version que l'exigence.")})


class ImportMapping(models.Model):
    """How the attributes of files from one source tool map to our fields, remembered for its next file."""

    source_tool = models.CharField(_("outil source"), max_length=250, unique=True)
    mapping = models.JSONField(_("correspondance"), default=dict)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modifiée par"),
    )

    class Meta:
        verbose_name = _("correspondance d'import")
        verbose_name_plural = _("correspondances d'import")

    def __str__(self):
        return self.source_tool


class VersionReview(models.Model):
    """One round of validation of a version before publication: an editor submits it, another one
    approves it or asks for changes with a note. The latest round of a version is its review state.
    An approval holds for the text it was given on (``content_fingerprint``): any change to the
    version's content afterwards voids it, whatever path made the change."""

    class State(models.TextChoices):
        PENDING = "pending", _("En attente de validation")
        APPROVED = "approved", _("Approuvée")
        CHANGES_REQUESTED = "changes_requested", _("Modifications demandées")

    version = models.ForeignKey(
        ReferentialVersion, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("version")
    )
    state = models.CharField(_("état"), max_length=20, choices=State.choices, default=State.PENDING)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("soumise par")
    )
    submitted_at = models.DateTimeField(_("soumise le"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidée par"),
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # The version's content as the decision saw it (``queries.version_content_fingerprint``).
    content_fingerprint = models.CharField(_("empreinte du contenu"), max_length=64, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("validation de version")
        verbose_name_plural = _("validations de version")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="pending") | models.Q(decided_by__isnull=False),
                name="version_review_decided_has_decider",
            ),
        ]

    def __str__(self):
        return _("Validation de %(version)s (%(state)s)") % {"version": self.version, "state": self.get_state_display()}
