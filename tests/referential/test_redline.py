import html
import re
import unicodedata

import pytest
from django.template import Context, Template
from django.utils.safestring import SafeString
from hypothesis import given
from hypothesis import strategies as st

from referential.compare import redline


def without(tag, marked):
    """The text a reader sees once every <tag>…</tag> is dropped and the rest unescaped."""
    kept = re.sub(rf"<{tag}>.*?</{tag}>", "", str(marked), flags=re.S)
    return html.unescape(re.sub(r"</?(del|ins)>", "", kept))


def test_a_replaced_word_is_deleted_then_inserted():
    assert redline("L'opérateur DOIT chiffrer", "L'opérateur DEVRAIT chiffrer") == (
        "L&#x27;opérateur <del>DOIT</del><ins>DEVRAIT</ins> chiffrer"
    )


def test_an_added_word_is_only_inserted():
    assert redline("chiffrer les échanges", "chiffrer tous les échanges") == "chiffrer <ins>tous </ins>les échanges"


def test_a_removed_word_is_only_deleted():
    assert redline("chiffrer tous les échanges", "chiffrer les échanges") == "chiffrer <del>tous </del>les échanges"


def test_neighbouring_changed_words_read_as_one_change():
    assert redline("le client lourd doit", "le webmail léger doit") == "le <del>client lourd</del><ins>webmail léger</ins> doit"


@pytest.mark.parametrize(
    "text",
    ["", "Identique.", "L'exigence **DOIT** être respectée à l'échéance.", "Déjà élevé, où ça ? Ñandú, Ærø, œuvre", "<NOM>"],
)
def test_identical_text_has_no_marker(text):
    marked = redline(text, text)
    assert "<del>" not in marked and "<ins>" not in marked
    assert html.unescape(marked) == text


def test_markup_in_the_text_comes_out_escaped():
    marked = redline(
        "Format XDM/1.0/DDM+<libellé> <NOM> & co",
        'Format XDM/1.0/DDM+<libellé> <NOM> <script>alert("x")</script>',
    )
    assert "<script>" not in marked and "<NOM>" not in marked and "<libellé>" not in marked
    assert "&lt;NOM&gt;" in marked
    assert "<ins>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</ins>" in marked
    assert "<del>&amp; co</del>" in marked


def test_unchanged_markup_is_escaped_too():
    assert redline("<script>a</script>", "<script>b</script>") == "&lt;script&gt;<del>a</del><ins>b</ins>&lt;/script&gt;"


def test_markdown_is_diffed_as_written_not_rendered():
    assert redline("L'opérateur **DOIT**", "L'opérateur **DEVRAIT**") == (
        "L&#x27;opérateur **<del>DOIT</del><ins>DEVRAIT</ins>**"
    )


def test_an_accented_word_is_one_word():
    assert redline("la date exigé", "la date exigée") == "la date <del>exigé</del><ins>exigée</ins>"


def test_a_decomposed_accent_stays_inside_its_word():
    decomposed = unicodedata.normalize("NFD", "échéance dépassée")
    marked = redline(decomposed, unicodedata.normalize("NFD", "échéance reportée"))
    assert marked == unicodedata.normalize("NFD", "échéance <del>dépassée</del><ins>reportée</ins>")


def test_a_change_of_line_is_shown():
    assert redline("Premier.\nSecond.", "Premier.\n\nSecond.") == "Premier.<del>\n</del><ins>\n\n</ins>Second."


def test_the_redline_is_safe_to_print_in_a_template():
    marked = redline("<b>a</b>", "<b>b</b>")
    assert isinstance(marked, SafeString)
    assert Template("{{ marked }}").render(Context({"marked": marked})) == str(marked)


words = st.lists(
    st.sampled_from(["L'opérateur", "DOIT", "ne", "pas", "<NOM>", "&", "**", "é", "e\u0301", "\n", " ", ".", "TLS 1.2"]),
    max_size=15,
).map(" ".join)


@given(words, words)
def test_each_side_can_be_read_back_from_the_redline(old, new):
    marked = redline(old, new)
    assert without("ins", marked) == old
    assert without("del", marked) == new


@given(st.text(max_size=60), st.text(max_size=60))
def test_any_text_can_be_read_back_and_no_tag_leaks(old, new):
    marked = redline(old, new)
    assert without("ins", marked) == old
    assert without("del", marked) == new
    assert re.sub(r"</?(del|ins)>", "", str(marked)).count("<") == 0
