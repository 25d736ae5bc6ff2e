"""What HTML views share: breadcrumbs, signed import previews, and one way to show a domain error.

A service refuses with a ``DomainError`` (a rule) or a ``ValidationError`` (a field). Views show it
in one of three places, each through one function here: on the form that was posted
(``add_errors_to_form``), as messages on the page the user is sent back to (``add_error_messages``),
or as the status of a refusal page (``error_status``).
"""

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from .errors import DomainError, PermissionRefused
from .roles import is_editor

# An import preview (RIDA table, answer register…) carries its parsed rows to the confirmation
# signed, in the form itself: nothing is kept on the server between the two requests, and a
# tampered or stale payload is refused.
PREVIEW_MAX_AGE = 60 * 60


def require_editor(request) -> None:
    """Editors' pages: anyone else gets 403 (Django's ``PermissionDenied``)."""
    if not is_editor(request.user):
        raise PermissionDenied(_("Réservé aux éditeurs de l'ANS."))


def breadcrumb(current, *links: tuple[str, str]) -> dict:
    """The DSFR breadcrumb of a page: ``links`` are ``(url, title)`` pairs from the top, ``current`` the page."""
    return {"links": [{"url": url, "title": title} for url, title in links], "current": current}


def error_lines(error: Exception) -> list[tuple[str | None, list[str]]]:
    """``(field, messages)`` pairs of a service refusal; field ``None`` for the form as a whole."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return [(field, list(messages_)) for field, messages_ in error.message_dict.items()]
        return [(None, list(error.messages))]
    if isinstance(error, DomainError):
        return [(None, [str(error.message), *[str(p) for p in error.problems]])]
    return [(None, [str(error)])]


def add_errors_to_form(form, error: Exception) -> None:
    """Put a service's refusal on the fields it names, and on the form as a whole otherwise."""
    for field, messages_ in error_lines(error):
        form.add_error(field if field in form.fields else None, messages_)


def add_error_messages(request, error: Exception, *, field_labels: dict | None = None) -> None:
    """Show a service's refusal as error messages, a field's message prefixed by its label."""
    for field, messages_ in error_lines(error):
        for message in messages_:
            if field and field != "__all__":
                label = (field_labels or {}).get(field, field)
                message = _("%(field)s : %(message)s") % {"field": label, "message": message}
            messages.error(request, message)


def error_status(error: DomainError) -> int:
    """The HTTP status of a refusal page, as in the API: 403 for a right, 409 for the state."""
    return 403 if isinstance(error, PermissionRefused) else 409


def sign_preview(payload: dict, *, salt: str) -> str:
    """The parsed rows of an import preview, signed for its confirmation form."""
    return signing.dumps(payload, salt=salt, compress=True)


def read_signed_preview(request, *, salt: str, scope: str, pk: int) -> dict | None:
    """The rows a preview signed into its form, if intact, recent and for this ``scope`` object."""
    try:
        data = signing.loads(request.POST.get("payload", ""), salt=salt, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) and data.get(scope) == pk else None
