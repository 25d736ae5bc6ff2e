from django import template

from core.markdown import render_markdown

from .. import search, sizes
from ..labels import label_of

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    return render_markdown(text)


@register.filter
def highlight(value, q):
    """The words of ``value`` found by the search ``q`` wrapped in <mark> (accents and case ignored)."""
    return search.highlight(value, q)


@register.filter
def highlight_key(key, q):
    """A requirement key marked whole when the search found it however spaced (`mss17`)."""
    return search.highlight_key(key, q)


@register.filter
def label(item):
    """A level's or an actor's label in the page's language (``labels.label_of``)."""
    return label_of(item)


@register.filter
def file_size(size):
    """A size in bytes as French readers write it (« 1,5 Mo », « 820 Ko »), "1.5 MB" in English;
    Django's own filesizeformat says « Mio » in French."""
    return sizes.file_size(size)
