"""Template filters of the shared machinery."""

from django import template

from ..audit import shown_reason as _shown_reason

register = template.Library()


@register.filter
def shown_reason(stored):
    """A history reason (stored in French) in the reader's language: ``{{ record.history_change_reason|shown_reason }}``."""
    return _shown_reason(stored)
