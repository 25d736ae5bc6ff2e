"""Golden corpus of the one render function: Markdown as ANS editors type it, and the HTML it gives.

Each case is what an editor writes in a statement, an answer or minutes, and the exact HTML every page,
the API and the PDF receive. A change of parser or extension that changes any of them fails here.
"""

import pytest

from core.markdown import render_markdown

GOLDEN = {
    "a list right after its lead-in line": (
        "L'opérateur **DOIT** :\n- chiffrer les échanges ;\n- journaliser les connexions.",
        "<p>L'opérateur <strong>DOIT</strong> :</p>\n<ul>\n<li>chiffrer les échanges ;</li>\n"
        "<li>journaliser les connexions.</li>\n</ul>",
    ),
    "an ordered list right after its lead-in line": (
        "Étapes :\n1. créer la BAL\n2. la publier",
        "<p>Étapes :</p>\n<ol>\n<li>créer la BAL</li>\n<li>la publier</li>\n</ol>",
    ),
    "a year at the start of a line stays in its paragraph": (
        "Entrée en vigueur en\n2025. Puis contrôle.",
        "<p>Entrée en vigueur en\n2025. Puis contrôle.</p>",
    ),
    "a list nested with two spaces": (
        "- BAL :\n  - personnelles\n  - organisationnelles\n- annuaire",
        "<ul>\n<li>BAL :<ul>\n<li>personnelles</li>\n<li>organisationnelles</li>\n</ul>\n</li>\n<li>annuaire</li>\n</ul>",
    ),
    "a list nested with four spaces": (
        "- BAL :\n    - personnelles\n- annuaire",
        "<ul>\n<li>BAL :<ul>\n<li>personnelles</li>\n</ul>\n</li>\n<li>annuaire</li>\n</ul>",
    ),
    "three levels with two spaces, then back to the first": (
        "- a\n  - b\n    - c\n- d",
        "<ul>\n<li>a<ul>\n<li>b<ul>\n<li>c</li>\n</ul>\n</li>\n</ul>\n</li>\n<li>d</li>\n</ul>",
    ),
    "a bullet list nested in an ordered one": (
        "1. Connexion :\n   - TLS 1.2 au moins\n2. Envoi",
        "<ol>\n<li>Connexion :<ul>\n<li>TLS 1.2 au moins</li>\n</ul>\n</li>\n<li>Envoi</li>\n</ol>",
    ),
    "a paragraph after a list": (
        "- a\n- b\n\nLa suite.",
        "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<p>La suite.</p>",
    ),
    "an item with a second paragraph": (
        "- a\n\n  précision\n- b",
        "<ul>\n<li>\n<p>a</p>\n<p>précision</p>\n</li>\n<li>\n<p>b</p>\n</li>\n</ul>",
    ),
    "a table": (
        "| Niveau | Délai |\n| --- | --- |\n| Majeure | 6 mois |",
        "<table>\n<thead>\n<tr>\n<th>Niveau</th>\n<th>Délai</th>\n</tr>\n</thead>\n<tbody>\n"
        "<tr>\n<td>Majeure</td>\n<td>6 mois</td>\n</tr>\n</tbody>\n</table>",
    ),
    "a table right after its lead-in paragraph and a blank line": (
        "Délais :\n\n| Niveau | Délai |\n| --- | --- |\n| `bloquante` | [voir](https://esante.gouv.fr) |",
        "<p>Délais :</p>\n<table>\n<thead>\n<tr>\n<th>Niveau</th>\n<th>Délai</th>\n</tr>\n</thead>\n<tbody>\n"
        '<tr>\n<td><code>bloquante</code></td>\n<td><a href="https://esante.gouv.fr" rel="noopener noreferrer nofollow">voir</a></td>\n'
        "</tr>\n</tbody>\n</table>",
    ),
    "an inline code span with a literal format": (
        "En-tête `X-MSS-Sujet: XDM/1.0/DDM+<libellé>`.",
        "<p>En-tête <code>X-MSS-Sujet: XDM/1.0/DDM+&lt;libellé&gt;</code>.</p>",
    ),
    "a literal format outside code": (
        "Objet : XDM/1.0/DDM+<libellé> <NOM> <prénom>",
        "<p>Objet : XDM/1.0/DDM+&lt;libellé&gt; &lt;NOM&gt; &lt;prénom&gt;</p>",
    ),
    "a code block is left as typed, list markers included": (
        "Exemple :\n\n    X-MSS-Id: 1\n    - pas une liste",
        "<p>Exemple :</p>\n<pre><code>X-MSS-Id: 1\n- pas une liste\n</code></pre>",
    ),
    "a link and an automatic link": (
        "Voir [le référentiel](https://esante.gouv.fr/mssante) ou <https://esante.gouv.fr>.",
        '<p>Voir <a href="https://esante.gouv.fr/mssante" rel="noopener noreferrer nofollow">le référentiel</a> ou '
        '<a href="https://esante.gouv.fr" rel="noopener noreferrer nofollow">https://esante.gouv.fr</a>.</p>',
    ),
    "normative capitals in bold and emphasis": (
        "L'éditeur **NE DOIT PAS** stocker le jeton ; il *PEUT* le rafraîchir.",
        "<p>L'éditeur <strong>NE DOIT PAS</strong> stocker le jeton ; il <em>PEUT</em> le rafraîchir.</p>",
    ),
}


@pytest.mark.parametrize("name", GOLDEN)
def test_editor_markdown_renders_as_the_golden_html(name):
    source, expected = GOLDEN[name]
    assert str(render_markdown(source)) == expected
