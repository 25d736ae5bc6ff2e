"""Domain errors raised by services and models, and their kinds.

Every app raises a ``DomainError`` (or a subclass of its own) with a message for a person. They are
turned into HTTP answers once: ``core.api_errors`` for the API, ``core.web`` for pages and forms.
``PermissionRefused`` answers 403; every other domain error is a conflict with the state (409).
"""

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


class TransitionNotAllowed(DomainError):
    default_message = _("Ce changement d'état n'est pas permis.")


class RecordFrozen(DomainError):
    """Something of the official record (a published version, a text under consultation, a
    submitted revision) was about to change. Forms show it as a message, not as a field error."""

    default_message = _("Cet élément est figé : il ne peut plus être modifié.")


class PermissionRefused(DomainError):
    """The user may not do this (not their comment, not an editor…): answered with 403."""

    default_message = _("Vous n'avez pas le droit de faire cela.")
