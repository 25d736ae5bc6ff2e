"""The two tables of the shared machinery: documents built once per content (``core.documents``)
and who runs a background task (``core.background``). Neither knows any app of the project."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredDocument(models.Model):
    """A document laid out once for a given content, kept with its SHA-256 like a version's PDF.

    ``kind`` names what it is (``workshop-minutes``, ``consultation-synthesis``…), ``key`` which one
    (usually a primary key); ``fingerprint`` is the SHA-256 of everything that determines the file
    (its print HTML and the engine's code): the same fingerprint never gets laid out twice."""

    kind = models.CharField(_("nature"), max_length=64)
    key = models.CharField(_("clé"), max_length=64)
    language = models.CharField(_("langue"), max_length=8, default="fr")
    fingerprint = models.CharField(_("empreinte du contenu"), max_length=64, blank=True)
    file = models.FileField(_("fichier"), upload_to="documents/", blank=True)
    sha256 = models.CharField(_("empreinte SHA-256 du fichier"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("taille (octets)"), null=True, blank=True)
    built_at = models.DateTimeField(_("construit le"), null=True, blank=True)

    class Meta:
        verbose_name = _("document construit")
        verbose_name_plural = _("documents construits")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "language"], name="one_stored_document_per_kind_key_language"),
        ]

    def __str__(self):
        return f"{self.kind} {self.key} ({self.language})"


class BackgroundRun(models.Model):
    """Who runs a background task, written when the task starts: the host and the process of its
    worker. A running task whose process is gone on this host, or that runs longer than
    ``BACKGROUND_STALL_SECONDS``, was abandoned (``core.background.recover_abandoned_work``)."""

    task_id = models.CharField(_("tâche"), max_length=64, primary_key=True)
    host = models.CharField(_("machine"), max_length=255)
    pid = models.PositiveIntegerField(_("processus"))
    started_at = models.DateTimeField(_("démarrée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("exécution en arrière-plan")
        verbose_name_plural = _("exécutions en arrière-plan")

    def __str__(self):
        return f"{self.task_id} ({self.host}:{self.pid})"
