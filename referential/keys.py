"""Requirement keys are identifiers people read, type and put in URLs.

A key is stored in one form (Unicode NFC, spaces collapsed and trimmed, a no-break space counting as
a space) and refused when it holds a character a reader cannot see (controls, zero-width and other
format characters) or one that cannot live as a URL path segment. Two keys a reader cannot tell
apart are the same key: ``QA 17``, ``qa 17`` and ``QA\\u00a017`` share one ``key_identity``, so they
cannot coexist in a version, and every lookup by key compares identities.
"""

import re
import unicodedata

from django.utils.translation import gettext as _

# A path segment cannot carry these without being cut or read as something else.
URL_UNSAFE = set('/\\?#%"<>`{}|^[]')
# Controls, format characters (zero-width spaces, joiners, direction marks), private use, unassigned,
# line and paragraph separators: invisible or unprintable in a key.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Co", "Cn", "Zl", "Zp"}


def normalise_key(raw: str | None) -> str:
    """The stored form of a key: NFC, runs of spaces (no-break ones included) as one space, trimmed."""
    if not raw:
        return ""
    value = unicodedata.normalize("NFC", raw)
    # Every space separator (no-break, thin, ideographic…) is a space to a reader.
    value = "".join(" " if unicodedata.category(c) == "Zs" else c for c in value)
    return re.sub(" +", " ", value).strip(" ")


def key_problem(key: str) -> str | None:
    """Why ``key`` (already normalised) cannot be a requirement key, or None."""
    if not key:
        return _("La clé est obligatoire.")
    invisible = [c for c in key if unicodedata.category(c) in INVISIBLE_CATEGORIES]
    if invisible:
        return _("La clé contient un caractère invisible ou de contrôle (%(code)s) : retapez-la.") % {
            "code": ", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(invisible))
        }
    if key in (".", ".."):
        # A URL reads these as « this folder » and « the parent folder »: the page would be another one.
        return _("La clé ne peut pas être « %(key)s » : elle sert d'adresse de page.") % {"key": key}
    unsafe = [c for c in key if c in URL_UNSAFE]
    if unsafe:
        return _("La clé ne peut pas contenir « %(chars)s » : elle sert d'adresse de page.") % {
            "chars": " ".join(dict.fromkeys(unsafe))
        }
    return None


def key_identity(key: str) -> str:
    """What a reader sees of a key: two keys with the same identity cannot be told apart."""
    return normalise_key(key).casefold()
