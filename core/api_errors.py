"""Domain errors become HTTP answers here, once, for the whole API.

Every error body carries a human-readable ``detail`` in the request's language. Invalid input
(400) also keeps DRF's per-field lists next to it, so a client can point at the field:
``{"detail": "title : Ce champ ne peut être vide.", "title": ["Ce champ ne peut être vide."]}``.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError, PermissionRefused

# The one table from domain error to HTTP status, most specific first. Every app's own errors
# (a frozen version, a closed consultation, a concurrent edit…) are conflicts with the state.
STATUS_BY_ERROR = [
    (PermissionRefused, status.HTTP_403_FORBIDDEN),
    (DomainError, status.HTTP_409_CONFLICT),
]


# The body of every error answer, for the OpenAPI schema.
class ErrorSerializer(serializers.Serializer):

    detail = serializers.CharField(help_text="Message lisible, dans la langue de la requête.")
    problems = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Tous les motifs, quand il y en a plusieurs."
    )


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        code = next(code for cls, code in STATUS_BY_ERROR if isinstance(exc, cls))
        body = {"detail": str(exc.message)}
        if exc.problems:
            body["problems"] = [str(p) for p in exc.problems]
        return Response(body, status=code)
    if isinstance(exc, DjangoValidationError):
        # Model and service validation (full_clean, a key already used…) answer like a serializer would.
        exc = ValidationError(_django_errors(exc))
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        response.data = _with_detail(response.data)
    return response


def _django_errors(exc: DjangoValidationError):
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
        for field, messages in exc.message_dict.items()
    }


def _with_detail(data):
    if not isinstance(data, dict):
        data = {api_settings.NON_FIELD_ERRORS_KEY: data}
    if "detail" in data:
        return data
    parts = []
    for field, errors in data.items():
        message = _first_message(errors)
        if field == api_settings.NON_FIELD_ERRORS_KEY:
            parts.append(message)
        else:
            parts.append(_("%(field)s : %(message)s") % {"field": field, "message": message})
    return {"detail": " ; ".join(parts), **data}


def _first_message(errors) -> str:
    if isinstance(errors, dict):
        errors = list(errors.values())
    if isinstance(errors, (list, tuple)):
        for item in errors:
            message = _first_message(item)
            if message:
                return message
        return ""
    return str(errors)
