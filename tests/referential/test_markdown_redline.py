"""Redlines show formatting, not markup: computed word by word, rendered as formatted text."""

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from core.markdown import render_markdown
from referential.markdown_redline import markdown_redline


class _WellFormed(HTMLParser):
    VOID = {"br", "hr"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "a" and "a" in self.stack:
            self.errors.append("link inside a link")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def well_formed(html: str) -> bool:
    parser = _WellFormed()
    parser.feed(html)
    return not parser.errors and not parser.stack


def test_a_changed_normative_word_reads_in_bold_without_asterisks():
    html = markdown_redline("L'opérateur **DEVRAIT** chiffrer.", "L'opérateur **DOIT** chiffrer.")
    assert html == "<p>L'opérateur <del><strong>DEVRAIT</strong></del><strong><ins>DOIT</ins></strong> chiffrer.</p>"
    assert "**" not in html and "~~" not in html


def test_a_list_after_its_lead_in_stays_a_list_in_the_redline():
    html = markdown_redline("L'opérateur **DOIT** :\n- chiffrer\n- signer", "L'opérateur **DOIT** :\n- chiffrer\n- tracer")
    assert html.startswith("<p>L'opérateur <strong>DOIT</strong> :</p>\n<ul>\n<li>chiffrer</li>\n<li>")
    assert "<del>signer</del><ins>tracer</ins>" in html
    assert "- " not in html


def test_code_spans_and_links_keep_their_formatting():
    html = markdown_redline("En-tête `X-MSS-A` et [guide](https://a.example).", "En-tête `X-MSS-B` et [guide](https://b.example).")
    assert "<code><ins>B</ins></code>" in html or "<ins>B</ins>" in html
    assert "`" not in html and "](" not in html
    assert '<del><a href="https://a.example"' in html and '<a href="https://b.example"' in html
    assert well_formed(html)


def test_bolding_a_word_is_a_change():
    html = markdown_redline("Il DOIT le faire.", "Il **DOIT** le faire.")
    assert "<del>DOIT</del><strong><ins>DOIT</ins></strong>" in html


def test_identical_texts_give_the_rendered_text_without_marks():
    text = "L'opérateur **DOIT** :\n- a\n- b\n\n| x | y |\n|---|---|\n| `1` | 2 |"
    html = markdown_redline(text, text)
    assert "<ins>" not in html and "<del>" not in html and "<table>" in html


def test_a_text_emptied_shows_what_was_removed():
    assert markdown_redline("**Tout** part.", "") == "<p><del><strong>Tout</strong> part.</del></p>"


markdownish = st.lists(
    st.sampled_from(["DOIT", "**DOIT**", "`code`", "[lien](https://x.example)", "<NOM>", "mot", "\n- item", "\n\n", " ", ":", "*PEUT*"]),
    max_size=12,
).map("".join)


@settings(max_examples=60, deadline=None)
@given(markdownish, markdownish)
def test_every_redline_is_well_formed_html_without_markdown_markers(old, new):
    html = str(markdown_redline(old, new))
    assert well_formed(html), html
    rendered = str(render_markdown(old)) + str(render_markdown(new))
    # Markers show only where the texts themselves show them once rendered (``a``b`` is code containing ``).
    assert not [marker for marker in ("**", "`", "](") if marker in html and marker not in rendered]
