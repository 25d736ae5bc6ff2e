"""Documents people trust, read with hostile and real-world inputs (issue 16): what an editor types
must render as what they meant, never as visible Markdown syntax."""

from core.markdown import render_markdown


def test_a_list_right_after_a_line_inside_a_blockquote_is_a_list():
    html = render_markdown("> L'opérateur DOIT :\n> - chiffrer\n> - signer")
    assert "<blockquote>" in html
    assert "<li>chiffrer</li>" in html and "<li>signer</li>" in html
    assert "- chiffrer" not in html


def test_a_fenced_code_block_stays_code_even_with_list_lines_and_tags():
    html = render_markdown("Exemple :\n```\n- pas une liste\n  - ni ceci\n<NOM>\n```\nFin.")
    assert "<pre><code>" in html
    assert "- pas une liste\n  - ni ceci\n&lt;NOM&gt;" in html
    assert "<li>" not in html and "```" not in html
    assert "<p>Fin.</p>" in html


def test_a_fenced_code_block_with_tildes_and_a_language():
    html = render_markdown("~~~json\n{\"a\": [1, 2]}\n- x\n~~~")
    assert "<pre><code>" in html and "<li>" not in html and "~~~" not in html


def test_a_list_right_after_a_blockquote_is_a_list_not_more_of_the_quote():
    html = render_markdown("> Texte :\n- a\n- b")
    assert "<li>a</li>" in html and "<li>b</li>" in html and "- a" not in html


def test_an_unclosed_fence_runs_to_the_end_as_code():
    html = render_markdown("Exemple :\n```\nnon fermé\n- x")
    assert "<pre><code>non fermé\n- x" in html and "```" not in html and "<li>" not in html


def test_a_list_indented_with_tabs_right_after_a_line_is_a_list():
    html = render_markdown("Liste :\n\t- un\n\t\t- deux\n\t- trois")
    assert "<p>Liste :</p>" in html
    assert "<li>un<ul>\n<li>deux</li>" in html and "<li>trois</li>" in html and "- un" not in html


# Print: nothing runs off the page -----------------------------------------------------------------

import pytest  # noqa: E402
from weasyprint import HTML  # noqa: E402

from core.pdf import PDF_BASE_URL, StaticFilesOnlyFetcher, french_html  # noqa: E402
from core.print_text import breakable_long_words  # noqa: E402
from referential.documents import version_html  # noqa: E402
from tests.factories import LevelFactory, RequirementFactory, SectionFactory, VersionFactory  # noqa: E402


def _overflowing_boxes(html: str) -> list[str]:
    """Text boxes of the laid-out ``html`` whose right edge passes the page's right edge."""
    document = HTML(string=breakable_long_words(french_html(html)), base_url=PDF_BASE_URL, url_fetcher=StaticFilesOnlyFetcher()).render()
    found = []

    def walk(box, page_right):
        text = getattr(box, "text", None)
        if text and box.position_x + box.width > page_right + 0.5:
            found.append(text[:40])
        for child in getattr(box, "children", ()) or ():
            walk(child, page_right)

    for page in document.pages:
        walk(page._page_box, page.width)
    return found


@pytest.mark.parametrize(
    "statement",
    [
        "Jeton : " + "A1b2C3d4E5" * 30,  # 300 characters, no separator
        "Format XDM/1.0/DDM+_" + "abcdefghij" * 3 + "*<NOM>*" + "klmnopqrst" * 3 + "_0123456789" * 2,
        "| " + " | ".join(f"Colonne{n}" for n in range(12)) + " |\n|" + "---|" * 12 + "\n| "
        + " | ".join(f"ValeurLongue{n:06d}" for n in range(12)) + " |",
        "Voir `" + "code_sans_espace_" * 5 + "` et :\n```\n" + "x" * 200 + "\n```",
    ],
    ids=["300-character-token", "word-split-by-markup", "table-of-12-columns", "code-span-and-fence"],
)
def test_nothing_runs_off_the_page(db, statement):
    version = VersionFactory(number="1.0")
    section = SectionFactory(version=version, title="Chapitre", position=1)
    RequirementFactory(version=version, section=section, key="MSS 1", title="Titre", statement=statement, level=LevelFactory())
    assert _overflowing_boxes(version_html(version, preview=True)) == []


# Search: what readers (and robots) type -------------------------------------------------------------

from referential.search import highlight  # noqa: E402
from tests.referential.test_search import page_keys, version  # noqa: E402, F401 — the shared fixture
from tests.referential.test_reqif_export import reqif_schema  # noqa: E402, F401 — the shared fixture

ALL = ["MSS 17", "MSS 18", "MSS 170", "MSS 2"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "q, expected",
    [
        ("œuvre", ["MSS 2"]),
        ("l’opérateur", ["MSS 17", "MSS 2"]),
        ("MSS-17", ["MSS 17", "MSS 170"]),
        ("mss 017", ["MSS 17", "MSS 170"]),  # a key typed with a leading zero
        ("MSS 0017", ["MSS 17", "MSS 170"]),
        ("  boîte  ", ["MSS 17"]),
        ("", ALL),
        ("%", []),
        ("_", []),
        ("(", []),
        ("*", ["MSS 17"]),  # known: the search reads the Markdown source (**DOIT**), not the rendered text
        ("\\", []),
        ("' OR 1=1 --", []),
        (".*", []),
        ("a" * 1000, []),
        ("boi\x00te", ["MSS 17"]),  # a NUL byte: PostgreSQL refuses it in a query (a 500)
        ("\x00", ALL),
        ("MEDE\x1bCIN\x7f", ["MSS 18"]),
    ],
)
def test_hostile_searches_answer_sensibly(anonymous, version, q, expected):  # noqa: F811
    assert page_keys(anonymous, version, q) == expected


@pytest.mark.django_db
def test_an_elided_article_before_a_word_never_errs(anonymous, version):  # noqa: F811
    """« L’ŒUVRE » against the title « Œuvre commune »: PostgreSQL's French full-text search drops the
    elided article and finds it; the embedded search (SQLite) matches the typed text as a whole and does
    not. Either answer is sensible; neither is an error."""
    from django.db import connection

    expected = ["MSS 2"] if connection.vendor == "postgresql" else []
    assert page_keys(anonymous, version, "L’ŒUVRE") == expected


@pytest.mark.parametrize("q", ["<b>", "amp", "lt", "mark", "href", "class"])
def test_highlighting_never_breaks_the_html(q):
    html = render_markdown("Tom &amp; Jerry <b> [lien](https://a.fr/amp?class=lt) mark href")
    marked = highlight(html, q)
    assert marked.count("<a ") == 1 and 'href="https://a.fr/amp?class=lt"' in marked
    assert "&<mark>" not in marked and "&amp;<mark>" not in marked.replace("&amp; ", "")
    assert marked.count("<mark>") == marked.count("</mark>")


# Redlines read as formatted text --------------------------------------------------------------------

from referential.markdown_redline import markdown_redline  # noqa: E402

SYNTAX = ("**", "~~", "- ", "[", "](", "```")


def _visible_text(html: str) -> str:
    import re

    # Code is shown as typed: what it holds is not syntax.
    return re.sub(r"<[^>]+>", "", re.sub(r"<code>.*?</code>", "", str(html), flags=re.DOTALL))


def test_struck_text_renders_struck_not_as_tildes():
    html = render_markdown("Le service ~~DEVRAIT~~ **DOIT** chiffrer ; `a~~b~~c` reste du code.")
    assert "<s>DEVRAIT</s>" in html and "<code>a~~b~~c</code>" in html
    assert "~~DEVRAIT" not in html


@pytest.mark.parametrize(
    "old, new",
    [
        ("Liste :\n- a\n- b", "Liste :\n- a\n- b\n- c"),
        ("Liste :\n- a\n- b\n- c", "Liste :\n- a\n- c"),
        ("Le service **DOIT** chiffrer.", "Le service DOIT chiffrer."),
        ("Voir [la doc](https://a.fr).", "Voir [la documentation](https://a.fr)."),
        ("Le service ~~DEVRAIT~~ chiffrer.", "Le service chiffrer."),
        ("Exemple :\n```\n- a\n```", "Exemple :\n```\n- b\n```"),
        ("> Note :\n> - a", "> Note :\n> - a\n> - b"),
    ],
)
def test_a_redline_shows_no_markdown_syntax(old, new):
    text = _visible_text(markdown_redline(old, new))
    assert not [token for token in SYNTAX if token in text], text


def test_struck_text_and_fenced_code_export_as_valid_reqif(db, reqif_schema, tmp_path):  # noqa: F811
    from referential.reqif import build_reqif
    from tests.factories import filled_version

    version = filled_version()
    requirement = version.requirements.get(key="MSS 1")
    requirement.statement = "Le service ~~DEVRAIT~~ **DOIT** :\n- chiffrer\n\n```\n- code <brut>\n```"
    requirement.save()
    path = tmp_path / "export.reqif"
    path.write_bytes(build_reqif(version))
    assert list(reqif_schema.iter_errors(str(path))) == []


def test_the_published_change_annex_shows_no_markdown_syntax(editor):
    import io

    from pypdf import PdfReader

    from referential import services
    from tests.factories import ActorFactory, ThresholdFactory

    level = LevelFactory()
    version = VersionFactory(number="1.0")
    section = SectionFactory(version=version, title="Chapitre", position=1)
    RequirementFactory(
        version=version, section=section, key="MSS 1", title="Titre", level=level, actors=[ActorFactory()],
        statement="Le service ~~PEUT~~ **DOIT** :\n- chiffrer\n- signer\n\nVoir [la doc](https://esante.gouv.fr).",
    )
    ThresholdFactory(version=version, level=level, max_findings=0)
    services.publish_version(version=version, by=editor)
    draft = services.start_draft(referential=version.referential, number="1.1", by=editor)
    services.update_requirement(
        requirement=draft.requirements.get(key="MSS 1"), by=None,
        statement="Le service DOIT :\n- chiffrer\n- signer\n- journaliser\n\nVoir [la documentation](https://esante.gouv.fr).",
    )
    published = services.publish_version(version=draft, by=editor)
    reader = PdfReader(io.BytesIO(published.pdf.read()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "journaliser" in text and "PEUT" in text and "documentation" in text
    assert not [token for token in ("**", "~~", "](", "[la", "- chiffrer", "- journaliser") if token in text], text


def test_control_characters_never_reach_the_database():
    from referential.search import clean_query

    assert clean_query("boi\x00te\x1b \tx\x7f") == "boite \tx"


# Typography: never inside what is not prose ----------------------------------------------------------

from core.typography import NNBSP, french_html, french_text  # noqa: E402


@pytest.mark.parametrize(
    "text",
    [
        "Écouter sur ::1 ou [::1]:8443",
        "Voir https://x.fr/a:b?c=1;d=2 et mailto:a@b.fr",
        "Rendez-vous à 10:30 ; urn:oid:1.2.250",
        "Ratio 3:1",
    ],
)
def test_no_narrow_space_inside_addresses_times_or_identifiers(text):
    typeset = french_text(text)
    for token in ("::1", "[::1]:8443", "https://x.fr/a:b?c=1;d=2", "mailto:a@b.fr", "10:30", "urn:oid:1.2.250", "3:1"):
        if token in text:
            assert token in typeset and f"{NNBSP}{token}" not in typeset, typeset


def test_code_keeps_its_spaces_in_a_french_page():
    html = french_html("<p>Note : <code>a ; b</code></p><pre><code>x = 1 ; y ?</code></pre>")
    assert "<code>a ; b</code>" in html and "x = 1 ; y ?" in html and f"Note{NNBSP}:" in html


def test_top_level_headings_render_as_headings_and_their_changes_show_in_the_redline():
    html = render_markdown("# Titre\n\n## Sous-titre\n\nTexte\n---\n\nFin")
    assert "<h3>Titre</h3>" in html and "<h3>Sous-titre</h3>" in html and "<h3>Texte</h3>" in html
    redline = markdown_redline("# Ancien titre\n\nx", "# Nouveau titre\n\nx")
    assert "<del>Ancien</del>" in redline and "<ins>Nouveau</ins>" in redline


def test_an_image_is_never_fetched_but_its_words_stay_as_a_link():
    html = render_markdown("Voir ![schéma des flux](https://x.fr/y.png) et ![](javascript:alert(1)) ici")
    assert "<img" not in html and "javascript" not in html
    assert '<a href="https://x.fr/y.png" rel="noopener noreferrer nofollow">schéma des flux</a>' in html
