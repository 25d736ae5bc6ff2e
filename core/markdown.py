"""The one place where user Markdown becomes HTML: pages, API and PDF all call ``render_markdown``."""

import re
import threading
from functools import lru_cache

import markdown as markdown_lib
import nh3
from markdown.inlinepatterns import SimpleTagInlineProcessor
from markdown.treeprocessors import Treeprocessor
from django.utils.safestring import SafeString, mark_safe

from .markdown_lists import EditorListsExtension

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "hr", "del", "ins", "s",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


STRUCK = r"(~~)(?=[^\s~])(.+?)(?<=[^\s~])~~"

class ImagesAsLinks(Treeprocessor):
    """``![schéma](url)``: pages and PDFs fetch no remote image, but the image's words stay, as a link
    to it (the sanitiser drops a link whose URL is not http(s) or mailto, keeping its text)."""

    def run(self, root):
        for image in root.iter("img"):
            alt, src = image.get("alt") or "", image.get("src") or ""
            image.attrib.clear()
            image.tag, image.text = ("a", alt) if alt else ("span", "")  # span: stripped by the sanitiser
            if alt and src:
                image.set("href", src)


_TOP_HEADING = re.compile(r"<(/?)h[12]>")

_local = threading.local()


def _converter() -> markdown_lib.Markdown:
    # Building a converter costs more than converting a statement: one per thread, reset per use.
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = markdown_lib.Markdown(extensions=["tables", "sane_lists", "fenced_code", EditorListsExtension()], output_format="html")
        # Raw HTML is never markup here: it is shown as the text it is. Statements quote
        # formats such as ``XDM/1.0/DDM+<libellé> <NOM>``, which must survive verbatim.
        converter.preprocessors.deregister("html_block")
        converter.inlinePatterns.deregister("html")
        # ``~~struck~~`` as editors type it (GitHub): ``<s>``, not ``<del>``, which redlines use for deletions.
        converter.inlinePatterns.register(SimpleTagInlineProcessor(STRUCK, "s"), "struck", 45)
        converter.treeprocessors.register(ImagesAsLinks(converter), "images_as_links", 15)
        _local.converter = converter
    return converter.reset()


def render_markdown(text: str | None) -> SafeString:
    """Render Markdown to HTML that is safe to embed: no script, no event handler, no remote image.

    A pure function of ``text``: the HTML of the last ``RENDERED_KEPT`` texts is kept in the process,
    so a statement carried unchanged from version to version, shown on a page, a filtered page, the
    API and the PDF, is converted once.
    """
    if not text:
        return mark_safe("")
    return mark_safe(_render(str(text)))  # noqa: S308 — sanitized by nh3 in _render


RENDERED_KEPT = 8192  # statements of a few hundred characters: a few megabytes at most


@lru_cache(maxsize=RENDERED_KEPT)
def _render(text: str) -> str:
    # ``#`` and ``##`` headings (and underlined ones) sit under the page's own headings: level 3, not
    # tags the sanitiser would strip, leaving bare text that redlines could not mark.
    html = _TOP_HEADING.sub(r"<\1h3>", _converter().convert(text))
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return cleaned
