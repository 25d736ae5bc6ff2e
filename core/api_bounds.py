"""Bounded work per API request, whatever the client sends.

A page holds at most ``MAX_LIMIT`` items and starts at most ``MAX_OFFSET`` items in (an integer the
database accepts: a 20-digit ``offset`` would overflow it); a JSON body nested deeper than Python can
parse is a 400, like any malformed body.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

MAX_LIMIT = 500
MAX_OFFSET = 10_000_000


class BoundedPagination(LimitOffsetPagination):
    """``?limit=`` and ``?offset=``; a larger limit is cut to ``MAX_LIMIT``, a larger offset gives an empty page."""

    max_limit = MAX_LIMIT

    def get_offset(self, request):
        return min(super().get_offset(request), MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update(minimum=1, maximum=MAX_LIMIT)
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"].update(minimum=0)
        return parameters


class BoundedJSONParser(JSONParser):
    """DRF's parser, with a nesting too deep for the decoder answered as a parse error, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("Corps JSON refusé : imbrication trop profonde.")) from None


PARSERS = [BoundedJSONParser, FormParser, MultiPartParser]
