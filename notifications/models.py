"""Who follows what, what happened, and what was sent to whom.

An *event* is recorded once, in the transaction of the action that caused it, under a unique
``key``: the same publication, the same "closing in 7 days" or the same day's digest never makes
two events. Each recipient of an event gets one *delivery* row, unique per (event, address): a
retried or re-run dispatch finds the row already sent and sends nothing twice. Webhook calls
follow the same rule with one row per (webhook, event).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from referential.models import Referential


class Topic(models.TextChoices):
    """What a subscriber to a referential may choose to hear about."""

    VERSION_PUBLISHED = "version_published", _("Une nouvelle version est publiée")
    VERSION_IN_FORCE = "version_in_force", _("Une version entre en vigueur (le jour même)")
    CONSULTATION_OPENED = "consultation_opened", _("Une concertation s'ouvre")
    CONSULTATION_CLOSING = "consultation_closing", _("Une concertation se termine (7 jours avant et le dernier jour)")
    SYNTHESIS_PUBLISHED = "synthesis_published", _("La synthèse d'une concertation est publiée")
    MINUTES_PUBLISHED = "minutes_published", _("Le compte-rendu d'un atelier est publié")


ALL_TOPICS = [value for value, _label in Topic.choices]


class EventKind(models.TextChoices):
    VERSION_PUBLISHED = "version_published", _("Version publiée")
    VERSION_IN_FORCE = "version_in_force", _("Version entrée en vigueur")
    CONSULTATION_OPENED = "consultation_opened", _("Concertation ouverte")
    CONSULTATION_CLOSING_SOON = "consultation_closing_soon", _("Concertation close dans 7 jours")
    CONSULTATION_LAST_DAY = "consultation_last_day", _("Dernier jour de la concertation")
    CONSULTATION_CLOSED = "consultation_closed", _("Concertation close")
    SYNTHESIS_PUBLISHED = "synthesis_published", _("Synthèse publiée")
    MINUTES_PUBLISHED = "minutes_published", _("Compte-rendu d'atelier publié")
    COMMENT_HIDDEN = "comment_hidden", _("Commentaire masqué")
    ORGANISATION_PENDING = "organisation_pending", _("Organisation en attente de validation")
    MEMBERSHIP_PENDING = "membership_pending", _("Rattachement à une organisation en attente de validation")
    COMMENTS_DIGEST = "comments_digest", _("Nouveaux commentaires du jour")
    ASSESSMENT_CHANGES_REQUESTED = "assessment_changes_requested", _("Modifications demandées sur une autoévaluation")


# Which subscription topic an event speaks to (events absent from here go to named people only).
TOPIC_OF_EVENT = {
    EventKind.VERSION_PUBLISHED: Topic.VERSION_PUBLISHED,
    EventKind.VERSION_IN_FORCE: Topic.VERSION_IN_FORCE,
    EventKind.CONSULTATION_OPENED: Topic.CONSULTATION_OPENED,
    EventKind.CONSULTATION_CLOSING_SOON: Topic.CONSULTATION_CLOSING,
    EventKind.CONSULTATION_LAST_DAY: Topic.CONSULTATION_CLOSING,
    EventKind.SYNTHESIS_PUBLISHED: Topic.SYNTHESIS_PUBLISHED,
    EventKind.MINUTES_PUBLISHED: Topic.MINUTES_PUBLISHED,
}

# What tools hear about through webhooks.
WEBHOOK_EVENTS = (
    EventKind.VERSION_PUBLISHED,
    EventKind.CONSULTATION_OPENED,
    EventKind.CONSULTATION_CLOSED,
    EventKind.SYNTHESIS_PUBLISHED,
)

# Events sent to named people, which each of them may mute from the mail itself.
PERSONAL_EVENTS = (
    EventKind.COMMENT_HIDDEN,
    EventKind.ORGANISATION_PENDING,
    EventKind.MEMBERSHIP_PENDING,
    EventKind.COMMENTS_DIGEST,
    EventKind.ASSESSMENT_CHANGES_REQUESTED,
)


class Subscription(models.Model):
    """A person following a referential: a signed-in user, or an e-mail address confirmed by a link."""

    referential = models.ForeignKey(
        Referential, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("référentiel")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
        verbose_name=_("utilisateur"),
    )
    email = models.EmailField(_("adresse électronique"), blank=True, help_text=_("Pour un abonné sans compte."))
    topics = models.JSONField(_("sujets suivis"), default=list)
    language = models.CharField(_("langue des courriels"), max_length=10, choices=settings.LANGUAGES, default="fr")
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    confirmed_at = models.DateTimeField(
        _("confirmé le"), null=True, blank=True, help_text=_("Vide tant qu'un abonné sans compte n'a pas confirmé son adresse.")
    )
    confirmation_sent_at = models.DateTimeField(_("lien envoyé le"), null=True, blank=True)

    class Meta:
        ordering = ["referential", "created_at"]
        verbose_name = _("abonnement")
        verbose_name_plural = _("abonnements")
        constraints = [
            models.UniqueConstraint(
                fields=["referential", "user"], condition=Q(user__isnull=False), name="subscription_unique_user"
            ),
            models.UniqueConstraint(
                fields=["referential", "email"], condition=Q(user__isnull=True), name="subscription_unique_email"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""), name="subscription_has_recipient"
            ),
        ]

    def __str__(self):
        return f"{self.recipient_email} → {self.referential.code}"

    @property
    def recipient_email(self) -> str:
        return self.user.email if self.user_id else self.email

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None

    def wants(self, topic: str) -> bool:
        return topic in (self.topics or [])


class NotificationPreference(models.Model):
    """A signed-in user's choices for mails that name them: their language, and the kinds they muted."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference", verbose_name=_("utilisateur")
    )
    language = models.CharField(_("langue des courriels"), max_length=10, choices=settings.LANGUAGES, default="fr")
    muted = models.JSONField(_("notifications désactivées"), default=list, blank=True)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")

    def __str__(self):
        return str(self.user)


class NotificationEvent(models.Model):
    """Something that happened and that people or tools are told about, recorded once per ``key``."""

    kind = models.CharField(_("type"), max_length=40, choices=EventKind.choices)
    key = models.CharField(_("clé"), max_length=200, unique=True)
    referential = models.ForeignKey(
        Referential, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("référentiel")
    )
    payload = models.JSONField(_("données"), default=dict)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("destinataires établis le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("événement")
        verbose_name_plural = _("événements")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.key})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    SENDING = "sending", _("En cours d'envoi")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec, nouvel essai prévu")
    ABANDONED = "abandoned", _("Abandonné")


class MailDelivery(models.Model):
    """One mail of one event to one address: the row that makes sending idempotent."""

    event = models.ForeignKey(NotificationEvent, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("événement"))
    email = models.EmailField(_("destinataire"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("utilisateur")
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries", verbose_name=_("abonnement")
    )
    language = models.CharField(_("langue"), max_length=10, default="fr")
    status = models.CharField(_("statut"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    # Set by the worker that takes a batch of rows for sending: it sends only the rows it holds.
    claimed_by = models.CharField(_("pris par"), max_length=32, blank=True)
    claimed_at = models.DateTimeField(_("pris le"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochain essai"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)

    class Meta:
        ordering = ["event", "id"]
        verbose_name = _("envoi de courriel")
        verbose_name_plural = _("envois de courriels")
        constraints = [models.UniqueConstraint(fields=["event", "email"], name="mail_delivery_once_per_event")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="mail_delivery_due")]

    def __str__(self):
        return f"{self.event} → {self.email}"


class Webhook(models.Model):
    """An organisation's endpoint that receives the public events as signed JSON."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("organisation"))
    url = models.URLField(_("adresse (URL)"), max_length=500)
    secret = models.CharField(
        _("secret"), max_length=200, help_text=_("Sert à signer chaque envoi (HMAC-SHA256) : votre outil vérifie la signature.")
    )
    is_active = models.BooleanField(_("actif"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("créé par"))
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        ordering = ["organisation", "created_at"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self):
        return f"{self.organisation} → {self.url}"


class WebhookDelivery(models.Model):
    """One call of one webhook for one event, with what the endpoint answered: the delivery log."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook"))
    event = models.ForeignKey(NotificationEvent, on_delete=models.CASCADE, related_name="webhook_deliveries", verbose_name=_("événement"))
    status = models.CharField(_("statut"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochain essai"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("pris le"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("code de réponse"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    delivered_at = models.DateTimeField(_("remis le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("appel de webhook")
        verbose_name_plural = _("appels de webhooks")
        constraints = [models.UniqueConstraint(fields=["webhook", "event"], name="webhook_delivery_once_per_event")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self):
        return f"{self.webhook} ← {self.event}"
