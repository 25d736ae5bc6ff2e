"""Errors of the referential: a frozen version, a concurrent edit, a publication that failed."""

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, RecordFrozen


class VersionFrozen(RecordFrozen):
    """A published or superseded version, or something inside it, was about to change."""

    default_message = _("Cette version est publiée : elle ne peut plus être modifiée.")


class ConcurrentEdit(DomainError):
    default_message = _(
        "Cette exigence a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
        "Rechargez-la pour voir ses changements avant d'enregistrer les vôtres."
    )


class PublicationFailed(DomainError):
    default_message = _("La construction du PDF a échoué : la version n'a pas été publiée.")
