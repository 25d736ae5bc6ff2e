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
