from html.parser import HTMLParser

import pytest

from core.markdown import render_markdown


class _Elements(HTMLParser):
    """Collects the elements and attributes a browser would build from the HTML."""

    def __init__(self):
        super().__init__()
        self.tags, self.attributes = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)


def elements(html):
    parser = _Elements()
    parser.feed(str(html))
    return parser

HOSTILE = [
    ("<script>alert(1)</script>", "<script"),
    ('<img src="http://evil.example/x.png" onerror="alert(1)">', "<img"),
    ("<img src=http://evil.example/x.png onerror=alert(1)>", "<img"),
    ("[clic](javascript:alert(1))", "javascript:"),
    ("![pixel](http://127.0.0.1:9/pixel.png)", "<img"),
    ('<a href="#" onclick="steal()">lien</a>', "<a href"),
    ("<iframe src=http://evil.example></iframe>", "<iframe"),
]


@pytest.mark.parametrize(("source", "forbidden"), HOSTILE)
def test_hostile_markup_comes_out_inert(source, forbidden):
    html = render_markdown(source)
    assert forbidden not in html
    built = elements(html)
    assert not {"script", "img", "iframe"} & set(built.tags)
    assert not [name for name, _ in built.attributes if name.startswith("on")]
    assert not [value for _, value in built.attributes if value and value.strip().lower().startswith("javascript:")]


def test_event_handlers_never_survive_as_attributes():
    html = render_markdown('<img src=x onerror=alert(1)> <b onmouseover="x()">gras</b>')
    assert "<img" not in html and "<b " not in html


def test_literal_formats_with_angle_brackets_survive():
    html = render_markdown("Objet : XDM/1.0/DDM+<libellé> <NOM> <prénom>")
    assert "XDM/1.0/DDM+&lt;libellé&gt; &lt;NOM&gt; &lt;prénom&gt;" in html


def test_literal_formats_survive_in_code_spans():
    html = render_markdown("`XDM/1.0/DDM+<libellé> <NOM>`")
    assert "<code>XDM/1.0/DDM+&lt;libellé&gt; &lt;NOM&gt;</code>" in html


def test_markdown_structure_is_rendered():
    html = render_markdown("L'opérateur **DOIT** :\n\n- chiffrer\n- journaliser\n\n[ANS](https://esante.gouv.fr)")
    assert "<strong>DOIT</strong>" in html
    assert "<li>chiffrer</li>" in html
    assert 'href="https://esante.gouv.fr"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
