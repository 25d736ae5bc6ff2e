"""Domain errors raised by services and models; mapped to HTTP once, in the API's exception handler."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule of the domain refused the operation; ``message`` says why, for a person."""

    default_message = _("Opération refusée.")

    def __init__(self, message=None, *, problems=None):
        self.message = message or self.default_message
        self.problems = list(problems or [])
        super().__init__(str(self.message))

    def __str__(self):
        return str(self.message)


class VersionFrozen(DomainError):
    """A published or superseded version, or the text of a version in consultation, was about to change."""

    default_message = _("Cette version est publiée : elle ne peut plus être modifiée.")

    @classmethod
    def under_consultation(cls) -> "VersionFrozen":
        return cls(
            _(
                "Cette version est en concertation : son texte ne change plus, pour que chacun commente le "
                "même. Préparez les changements dans un nouveau brouillon, qui peut partir de cette version."
            )
        )


class TransitionNotAllowed(DomainError):
    default_message = _("Ce changement d'état n'est pas permis.")


class ConcurrentEdit(DomainError):
    default_message = _(
        "Cette exigence a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
        "Rechargez-la pour voir ses changements avant d'enregistrer les vôtres."
    )


class PublicationFailed(DomainError):
    default_message = _("La construction du PDF a échoué : la version n'a pas été publiée.")


class PermissionRefused(DomainError):
    """The user may not do this (not their comment, not an editor…): answered with 403."""

    default_message = _("Vous n'avez pas le droit de faire cela.")


class ConsultationClosed(DomainError):
    """The consultation window does not allow a contributor's write now: answered with 409."""

    default_message = _("La concertation n'est pas ouverte : les commentaires ne sont plus acceptés.")
