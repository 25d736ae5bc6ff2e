"""Every character prints: the shipped fonts cover French technical writing, and what they do not
cover is a publication warning naming the requirement and the character."""

import io

import pdfplumber
import pytest

from core.pdf import html_to_pdf
from referential.printable import is_printable, publication_warnings, unprintable_characters
from tests.factories import ActorFactory, LevelFactory, RequirementFactory, SectionFactory, VersionFactory

FRENCH_TECHNICAL = "≤ ≥ → ← ↔ ⇒ ≠ ≈ « » œ Œ æ ç É À ß α β γ δ Δ λ µ π σ Σ Ω € £ © ® ™ ° ± × ÷ ‰ … – — ‘ ’ “ ” • √ ∞ ✓ ✔ ✗ ☐ ⚠ ½ ² ³ № §"
SHIPPED = ("LiberationSans", "LiberationMono", "DejaVuSans", "DejaVuSansMono")


@pytest.mark.parametrize("character", FRENCH_TECHNICAL.split())
def test_shipped_fonts_cover_what_french_technical_writing_uses(character):
    assert is_printable(character)


def test_those_characters_print_with_the_shipped_fonts_in_text_and_in_code():
    html = (
        '<html lang="fr"><head><link rel="stylesheet" href="/static/pdf/document.css"></head><body>'
        f"<p>{FRENCH_TECHNICAL}</p><p><strong>{FRENCH_TECHNICAL}</strong></p><p><code>{FRENCH_TECHNICAL}</code></p></body></html>"
    )
    with pdfplumber.open(io.BytesIO(html_to_pdf(html))) as pdf:
        chars = [char for page in pdf.pages for char in page.chars if not char["text"].isspace()]
    expected = FRENCH_TECHNICAL.replace(" ", "") * 3
    assert "".join(char["text"] for char in chars).startswith(expected)  # then the running footer
    # A subset font is named « ABCDEF+LiberationSans-Bold »: its family comes after the « + ».
    foreign = {
        (char["text"], char["fontname"])
        for char in chars
        if not char["fontname"].split("+")[-1].replace("-", "").startswith(SHIPPED)
    }
    assert not foreign


def test_ideograms_are_beyond_the_shipped_fonts_and_spaces_need_no_glyph():
    assert not is_printable("中")
    assert is_printable("\u00a0") and is_printable("\u202f") and is_printable("\u200b")


def test_a_character_no_font_prints_is_a_warning_naming_the_requirement_and_the_character(db):
    version = VersionFactory()
    section = SectionFactory(version=version, title="Sécurité")
    RequirementFactory(version=version, section=section, key="MSS 17", statement="Le sujet est « 中文 » ≤ 3.", actors=[ActorFactory()])
    RequirementFactory(version=version, section=section, key="MSS 18", title="Titre 中", level=LevelFactory(definition="Niveau"))
    found = unprintable_characters(version)
    assert [(item.where, item.character) for item in found] == [("MSS 17", "中"), ("MSS 17", "文"), ("MSS 18", "中")]
    warnings = publication_warnings(version)
    assert len(warnings) == 3
    assert warnings[0].startswith("MSS 17, énoncé : le caractère « 中 » (U+4E2D) ne peut pas être imprimé")


def test_a_version_in_plain_french_has_no_warning(db):
    version = VersionFactory(change_summary="Prise en compte des retours de concertation (≥ 2 semaines).")
    RequirementFactory(version=version, statement="L'opérateur **DOIT** publier l'œuvre « telle quelle » → α, β.")
    assert unprintable_characters(version) == []
