"""File sizes as each language writes them: French says « Ko » and « Mo », with a decimal comma.
The space between number and unit is a no-break space, written as such in the messages."""

from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext


def file_size(size) -> str:
    try:
        size = int(size)
    except (TypeError, ValueError):
        return ""
    if size < 1024:
        return ngettext("%(size)d octet", "%(size)d octets", size) % {"size": size}
    if size < 1024 * 1024:
        return gettext("%(size)s Ko") % {"size": number_format(size / 1024, decimal_pos=0)}
    return gettext("%(size)s Mo") % {"size": number_format(size / (1024 * 1024), decimal_pos=1)}
