"""Reference labels (levels, actors) in the reader's language.

The stored label is the text of record: French, printed in the PDF and frozen with the versions
that use it. An English page shows the translation of the labels the project ships
(fixtures/levels.json, fixtures/actors.json), recognised by slug; a label an editor added later
has no translation and is shown as stored."""

from django.utils.translation import get_language
from django.utils.translation import pgettext_lazy

SHIPPED = {
    "bloquante": pgettext_lazy("niveau de non-conformité", "Bloquante"),
    "majeure": pgettext_lazy("niveau de non-conformité", "Majeure"),
    "mineure": pgettext_lazy("niveau de non-conformité", "Mineure"),
    "operateur": pgettext_lazy("acteur", "Opérateur MSSanté"),
    "operateur-proxy": pgettext_lazy("acteur", "Opérateur utilisant un proxy"),
    "editeur-proxy": pgettext_lazy("acteur", "Éditeur de proxy"),
    "editeur-lps": pgettext_lazy("acteur", "Éditeur de LPS"),
    "ans": pgettext_lazy("acteur", "ANS"),
}


def label_of(item) -> str:
    """``item.label`` (a level or an actor), translated when the page is not in French."""
    if item is None:
        return ""
    if (get_language() or "fr")[:2] == "fr" or item.slug not in SHIPPED:
        return item.label
    return str(SHIPPED[item.slug])
