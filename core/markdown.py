"""The one place where user Markdown becomes HTML: pages, API and PDF all call ``render_markdown``."""

import threading

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "hr", "del", "ins",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


_local = threading.local()


def _converter() -> markdown_lib.Markdown:
    # Building a converter costs more than converting a statement: one per thread, reset per use.
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = markdown_lib.Markdown(extensions=["tables", "sane_lists"], output_format="html")
        # Raw HTML is never markup here: it is shown as the text it is. Statements quote
        # formats such as ``XDM/1.0/DDM+<libellé> <NOM>``, which must survive verbatim.
        converter.preprocessors.deregister("html_block")
        converter.inlinePatterns.deregister("html")
        _local.converter = converter
    return converter.reset()


def render_markdown(text: str | None) -> SafeString:
    """Render Markdown to HTML that is safe to embed: no script, no event handler, no remote image."""
    if not text:
        return mark_safe("")
    html = _converter().convert(text)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 — sanitized by nh3 just above
