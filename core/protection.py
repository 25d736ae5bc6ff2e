"""A delete refused by a protected foreign key becomes a domain error that says what still points at
the row, so every path (service, API, page) answers 409 with a reason, never a 500."""

from collections import Counter

from django.db.models import ProtectedError, RestrictedError
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .errors import DeletionRefused


def deletion_refused(error: ProtectedError | RestrictedError, *, what: str) -> DeletionRefused:
    """``what`` (« Cette exigence ») cannot be deleted: the refusal counts the referring records by kind."""
    objects = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
    counts = Counter(str(capfirst(obj._meta.verbose_name_plural)) for obj in objects)
    referring = ", ".join(f"{label} : {count}" for label, count in sorted(counts.items()))
    return DeletionRefused(
        _("%(what)s ne peut pas être supprimé(e) : d'autres enregistrements y renvoient (%(referring)s).")
        % {"what": what, "referring": referring}
    )
