from django import template

from ..dates import human_date as _human_date

register = template.Library()


@register.filter
def human_date(value, style="date"):
    """``{{ d|human_date }}``, ``{{ d|human_date:"datetime" }}``, ``{{ d|human_date:"long_datetime" }}``."""
    return _human_date(value, style)
