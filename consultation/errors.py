"""Errors of consultations."""

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError


class ConsultationClosed(DomainError):
    """The consultation window does not allow a contributor's write now: answered with 409."""

    default_message = _("La concertation n'est pas ouverte : les commentaires ne sont plus acceptés.")
