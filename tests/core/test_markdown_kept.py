"""Markdown is converted once per text in a process: a statement shown on the page, the filtered
page, the API and the PDF (and carried unchanged into the next version) is not converted again."""

from core import markdown


def test_a_text_is_converted_once_and_served_the_same_after(monkeypatch):
    calls = []
    real = markdown._converter

    def counting():
        calls.append(1)
        return real()

    monkeypatch.setattr(markdown, "_converter", counting)
    text = "Le service **DOIT** journaliser chaque envoi (texte propre à ce test : 7f3c)."
    first = markdown.render_markdown(text)
    second = markdown.render_markdown(text)
    assert first == second == "<p>Le service <strong>DOIT</strong> journaliser chaque envoi (texte propre à ce test : 7f3c).</p>"
    assert len(calls) == 1


def test_what_is_kept_is_the_sanitised_html():
    text = "Voir <script>alert(1)</script> et [lien](javascript:alert(1)) (texte propre à ce test : 91ab)."
    for _ in range(2):
        html = markdown.render_markdown(text)
        assert "<script>" not in html and "javascript:" not in html
