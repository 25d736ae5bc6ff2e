"""One form for text, whatever sent it.

Browsers send line breaks as CRLF, spreadsheets as CR or LF, and the same accented letter can
arrive composed (é) or decomposed (e + ◌́). Left as they came, two texts a reader sees as equal
compare as different: a proposal that changes nothing shows as a rewrite of every line. Every
service that stores text a person wrote passes it through ``normalise_text`` first, so what is
stored, compared and redlined is what the reader sees.
"""

import unicodedata


def normalise_text(value: str | None) -> str:
    """Line breaks as LF, Unicode NFC, no spaces at the end of a line, no blank lines at either end."""
    if not value:
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = unicodedata.normalize("NFC", value)
    lines = [line.rstrip() for line in value.split("\n")]
    return "\n".join(lines).strip("\n")


def normalise_line(value: str | None) -> str:
    """A one-line text (a title, a label): NFC, line breaks and runs of spaces become one space, trimmed."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value)
    return " ".join(value.split())
