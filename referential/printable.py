"""Which characters of a version no shipped font can print.

The PDF embeds only the fonts of ``static/fonts/`` (see ``static/pdf/fonts.css``): Liberation for the
text, DejaVu for what Liberation lacks. A character none of them has (a CJK ideogram, most emoji) would
print as an empty box, frozen into the published PDF. ``unprintable_characters`` finds them before
publication, naming where each one is; ``publication_warnings`` words them for the editor. They warn,
they do not block: the editor may accept a box, or rewrite the text.
"""

import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.utils.translation import gettext as _
from fontTools.ttLib import TTFont

from .models import NonConformityLevel, ReferentialVersion

# The fonts the print stylesheets name, in static files (regular faces: bold ones cover the same).
PRINT_FONTS = ("fonts/LiberationSans-Regular.ttf", "fonts/LiberationMono-Regular.ttf", "fonts/DejaVuSans.ttf", "fonts/DejaVuSansMono.ttf")


@cache
def printable_code_points() -> frozenset[int]:
    """Every code point at least one shipped print font has a glyph for."""
    points: set[int] = set()
    for name in PRINT_FONTS:
        path = finders.find(name)
        if path:
            points.update(TTFont(Path(path), lazy=True).getBestCmap())
    return frozenset(points)


def is_printable(character: str) -> bool:
    if ord(character) in printable_code_points():
        return True
    # Spaces, line breaks, joiners and variation selectors draw nothing: they need no glyph.
    return character.isspace() or unicodedata.category(character) in ("Cc", "Cf") or 0xFE00 <= ord(character) <= 0xFE0F


@dataclass(frozen=True)
class UnprintableCharacter:
    where: str  # what a reader recognises: « MSS 17 », « chapitre Sécurité », « résumé des changements »
    field: str  # the field's name, in French
    character: str
    requirement_id: int | None = None  # when it is in a requirement: where to correct it

    @property
    def code_point(self) -> str:
        return f"U+{ord(self.character):04X}"


def _unprintable(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for character in text or "":
        if not is_printable(character):
            seen.setdefault(character)
    return list(seen)


def unprintable_characters(version: ReferentialVersion) -> list[UnprintableCharacter]:
    """Every character of what the version's PDF prints that no shipped font has, where it is, once per
    field; in document order (version, chapters, requirements, then labels of levels and actors)."""
    found: list[UnprintableCharacter] = []

    def check(where: str, field: str, text: str, requirement_id: int | None = None) -> None:
        found.extend(UnprintableCharacter(where, field, character, requirement_id) for character in _unprintable(text))

    referential = version.referential
    label = _("la version")
    check(label, _("titre du référentiel"), referential.title)
    check(label, _("public visé"), referential.audience)
    check(label, _("résumé des changements"), version.change_summary)
    check(label, _("règle de conformité"), version.conformity_rule_note)
    for section in version.sections.order_by("position", "id"):
        where = _("chapitre « %(title)s »") % {"title": section.title}
        check(where, _("titre"), section.title)
        check(where, _("introduction"), section.intro)
    actors = {}
    for requirement in version.requirements.prefetch_related("actors").order_by("position", "id"):
        for name, text in (
            (_("clé"), requirement.key),
            (_("titre"), requirement.title),
            (_("énoncé"), requirement.statement),
            (_("méthode de vérification"), requirement.verification_method),
        ):
            check(requirement.key, name, text, requirement.pk)
        actors.update((actor.pk, actor) for actor in requirement.actors.all())
    for level in NonConformityLevel.objects.all():  # the PDF's first annex lists every level
        where = _("niveau « %(label)s »") % {"label": level.label}
        check(where, _("libellé"), level.label)
        check(where, _("définition"), level.definition)
    for actor in actors.values():
        check(_("acteur « %(label)s »") % {"label": actor.label}, _("libellé"), actor.label)
    return found


def warning_text(item: UnprintableCharacter) -> str:
    return _(
        "%(where)s, %(field)s : le caractère « %(character)s » (%(code_point)s) ne peut pas être imprimé dans le PDF, il y apparaîtrait comme un carré vide."
    ) % {"where": item.where, "field": item.field, "character": item.character, "code_point": item.code_point}


def publication_warnings(version: ReferentialVersion) -> list[str]:
    """Characters that would print as boxes, in words for the editor (``services.publication_warnings``
    adds them to the other warnings of a publication)."""
    return [warning_text(item) for item in unprintable_characters(version)]
