"""Domain errors become HTTP answers here, once, for the whole API."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import ConcurrentEdit, DomainError, TransitionNotAllowed, VersionFrozen

STATUS_BY_ERROR = [
    (VersionFrozen, status.HTTP_409_CONFLICT),
    (ConcurrentEdit, status.HTTP_409_CONFLICT),
    (TransitionNotAllowed, status.HTTP_409_CONFLICT),
    (DomainError, status.HTTP_409_CONFLICT),
]


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        code = next(code for cls, code in STATUS_BY_ERROR if isinstance(exc, cls))
        body = {"detail": str(exc.message)}
        if exc.problems:
            body["problems"] = [str(p) for p in exc.problems]
        return Response(body, status=code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
