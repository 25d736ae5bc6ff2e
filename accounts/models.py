"""Accounts: organisations, people's memberships of them, the editors' decisions on organisations,
and failed logins (for the throttle).

An organisation (operator, vendor…) is pending until an editor approves it; its members write in its
name (comments, assessments) only once approved. The tables keep their original names
(``consultation_organisation``…): the models moved here from ``consultation`` without a data copy.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


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

    history = HistoricalRecords(table_name="consultation_historicalorganisation")

    class Meta:
        db_table = "consultation_organisation"  # moved from the consultation app, table kept
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


class MembershipQuerySet(models.QuerySet):
    def in_good_standing(self):
        """Memberships whose holder may act in their organisation's name: approved membership, confirmed
        address, approved organisation (``Membership.refusal`` says which is missing)."""
        return self.filter(
            status=Membership.Status.APPROVED,
            email_confirmed_at__isnull=False,
            organisation__status=Organisation.Status.APPROVED,
        )


class Membership(models.Model):
    """A person's account in the consultation space: their organisation and confirmed e-mail.

    Whoever registers an organisation is its first member, approved with it. Whoever joins an
    organisation already registered is *pending* until an editor approves them (or at once, when
    their address is in a domain the organisation declared and an editor validated): typing an
    organisation's name proves nothing about working there.

    ``email_confirmed_at`` is the date our rules read (``refusal``, ``in_good_standing``, who is
    mailed). allauth's ``EmailAddress`` is the record of verified addresses; when allauth confirms
    the account's address, its ``email_confirmed`` signal dates the membership
    (``receivers.record_email_confirmed``). Kept rather than replaced by a join on ``EmailAddress``:
    a dozen queries and the history of memberships read it, and it records *when* the member proved
    their address, which allauth does not keep.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente de validation")
        APPROVED = "approved", _("Validée")
        REFUSED = "refused", _("Refusée")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership", verbose_name=_("utilisateur")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="members", verbose_name=_("organisation")
    )
    email_confirmed_at = models.DateTimeField(_("adresse confirmée le"), null=True, blank=True)
    status = models.CharField(
        _("statut de l'appartenance"), max_length=20, choices=Status.choices, default=Status.PENDING
    )

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords(table_name="consultation_historicalmembership")

    class Meta:
        db_table = "consultation_membership"  # moved from the consultation app, table kept
        verbose_name = _("rattachement")
        verbose_name_plural = _("rattachements")

    def __str__(self):
        return f"{self.user} — {self.organisation}"

    def refusal(self) -> str | None:
        """Why this member may not write in the organisation's name yet (comment, assess, declare a
        webhook), as a sentence for them; None when they may."""
        if self.email_confirmed_at is None:
            return str(_("Confirmez d'abord votre adresse électronique."))
        if self.status == self.Status.PENDING:
            return str(_("Votre rattachement à « %(name)s » attend la validation de l'ANS.") % {"name": self.organisation.name})
        if self.status == self.Status.REFUSED:
            return str(_("Votre rattachement à « %(name)s » a été refusé par l'ANS.") % {"name": self.organisation.name})
        if self.organisation.status != Organisation.Status.APPROVED:
            return str(_("Votre organisation n'a pas encore été validée par l'ANS."))
        return None


# Domains whose addresses anyone can get (webmails, access providers) or that a whole profession
# shares (the MSSanté addresses of the professional orders): an address there proves nothing about
# working for one organisation, so no organisation may claim them.
SHARED_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com yahoo.com yahoo.fr ymail.com hotmail.com hotmail.fr outlook.com outlook.fr
    live.com live.fr msn.com icloud.com me.com mac.com aol.com aol.fr protonmail.com proton.me pm.me
    gmx.com gmx.fr mail.com orange.fr wanadoo.fr free.fr sfr.fr neuf.fr club-internet.fr bbox.fr
    laposte.net numericable.fr mailo.com tutanota.com yandex.com mssante.fr medecin.mssante.fr
    pharmacien.mssante.fr infirmier.mssante.fr sagefemme.mssante.fr chirurgien-dentiste.mssante.fr
    masseur-kinesitherapeute.mssante.fr pedicure-podologue.mssante.fr
    """.split()
)


def is_shared_mail_domain(domain: str) -> bool:
    return (domain or "").strip().rstrip(".").lower() in SHARED_MAIL_DOMAINS


class OrganisationDomain(models.Model):
    """An e-mail domain an organisation declared as its own (``hopital-nord.fr``). Once an editor has
    validated it, whoever signs up with an address in it joins the organisation without waiting."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="domains", verbose_name=_("organisation")
    )
    domain = models.CharField(
        _("domaine"), max_length=253, help_text=_("La partie après @ des adresses, par exemple hopital-nord.fr.")
    )
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("validé par")
    )
    validated_at = models.DateTimeField(_("validé le"), null=True, blank=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("domaine de l'organisation")
        verbose_name_plural = _("domaines de l'organisation")
        constraints = [
            # One domain names one organisation: otherwise an address could not tell which to join.
            models.UniqueConstraint(fields=["domain"], name="organisation_domain_unique"),
            models.CheckConstraint(
                condition=Q(validated_by__isnull=True, validated_at__isnull=True)
                | Q(validated_by__isnull=False, validated_at__isnull=False),
                name="organisation_domain_validated_by_and_at_together",
            ),
        ]

    def __str__(self):
        return self.domain

    def clean(self):
        """Stored as the bare domain in lower case (``@Hopital-Nord.fr`` → ``hopital-nord.fr``)."""
        self.domain = (self.domain or "").strip().lstrip("@").lower()
        if "." not in self.domain or "@" in self.domain or " " in self.domain:
            raise ValidationError({"domain": _("Indiquez un domaine de messagerie, par exemple hopital-nord.fr.")})
        if is_shared_mail_domain(self.domain):
            raise ValidationError({"domain": _("Ce domaine est ouvert à tous (messagerie grand public ou partagée) : il ne désigne pas une organisation.")})


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
