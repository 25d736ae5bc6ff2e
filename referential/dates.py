"""Dates as each language writes them, for pages and generated text alike.

Django's formats cannot say « 1er » (French writes the first day of a month as an ordinal) and a
format string with a literal « à » stays French in English pages; these helpers do both. PDFs,
always printed in French, get the French forms through ``translation.override("fr")``.
"""

import re
from datetime import date, datetime

from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import get_language

_FORMATS = {
    "fr": {"date": "j F Y", "datetime": "j F Y à H:i", "long_datetime": "l j F Y à H:i"},
    "en": {"date": "j F Y", "datetime": r"j F Y \a\t H:i", "long_datetime": r"l j F Y \a\t H:i"},
}
_FIRST_OF_MONTH = re.compile(r"(?<![\d])1(?= \S)")


def _language() -> str:
    language = (get_language() or "fr")[:2]
    return language if language in _FORMATS else "fr"


def human_date(value: date | datetime | None, style: str = "date") -> str:
    """``value`` as ``style`` (``date``, ``datetime``, ``long_datetime``) in the active language:
    « 1er décembre 2026 à 09:00 », "1 December 2026 at 09:00"."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    language = _language()
    text = format_date(value, _FORMATS[language].get(style, _FORMATS[language]["date"]))
    if language == "fr" and value.day == 1:
        text = _FIRST_OF_MONTH.sub("1er", text, count=1)
    return text
