"""Accounts: login attempts (for the throttle) and the reasons organisations were refused.

Organisations and memberships themselves live in ``consultation.models``; this app signs people
up, confirms their address, throttles logins and carries the editors' decisions on organisations.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultation.models import Organisation


class LoginAttempt(models.Model):
    """A failed login. Kept in the database so that every web process counts the same failures.

    ``counts_for_account`` turns false when the account logs in successfully: the account's own
    counter restarts, while the failure still counts against the address it came from.
    """

    identifier = models.CharField(_("identifiant saisi"), max_length=254)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    attempted_at = models.DateTimeField(_("tentative le"), default=timezone.now)
    counts_for_account = models.BooleanField(_("compte pour l'identifiant"), default=True)

    class Meta:
        verbose_name = _("tentative de connexion échouée")
        verbose_name_plural = _("tentatives de connexion échouées")
        indexes = [
            models.Index(fields=["identifier", "attempted_at"], name="login_attempt_by_identifier"),
            models.Index(fields=["ip_address", "attempted_at"], name="login_attempt_by_ip"),
            models.Index(fields=["attempted_at"], name="login_attempt_by_date"),
        ]

    def __str__(self):
        return f"{self.identifier} ({self.ip_address or '?'}) — {self.attempted_at:%Y-%m-%d %H:%M:%S}"


class OrganisationRefusal(models.Model):
    """Why an editor refused an organisation: shown to its members and kept for the record."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="refusals", verbose_name=_("organisation")
    )
    reason = models.TextField(_("motif"), max_length=2000)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("refusée par")
    )
    refused_at = models.DateTimeField(_("refusée le"), default=timezone.now)

    class Meta:
        ordering = ["-refused_at", "-id"]
        get_latest_by = "refused_at"
        verbose_name = _("refus d'organisation")
        verbose_name_plural = _("refus d'organisations")

    def __str__(self):
        return f"{self.organisation} — {self.refused_at:%Y-%m-%d}"
