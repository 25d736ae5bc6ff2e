"""The PDF engine: HTML from our own templates, printed by WeasyPrint, fetching only our static files.

Every PDF of the project (referential versions, workshop minutes) goes through ``html_to_pdf``.
Printing never reaches the network or the disk outside the project's static files: the URL fetcher
serves ``/static/...`` through the staticfiles finders and refuses everything else (``http(s)``,
``file:``, ``ftp:``…; ``data:`` URLs carry their content and are allowed). So a URL that slipped into
a statement, a summary or an answer cannot make the server call out, to the internet or to 127.0.0.1.
French documents are typeset here (``core.typography``), like French pages by their middleware.
"""

import logging
import mimetypes
import posixpath
import re
from urllib.parse import unquote, urlsplit

import pydyf
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .print_text import breakable_long_words
from .typography import french_html

logger = logging.getLogger(__name__)

# Relative URLs in print templates become absolute under this base, which cannot resolve anywhere
# (``.invalid`` is reserved). Print templates write static files as ``/static/<path>``, not with
# ``{% static %}``, so that a CDN ``STATIC_URL`` or hashed file names do not matter here.
PDF_BASE_URL = "https://pdf.invalid/"
STATIC_PREFIX = "/static/"


def _page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
    """``pydyf.PDF.page_references``, built once per page count instead of on every read."""
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_page_references")
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
        pdf.__dict__["_page_references"] = cached
    return cached[1]


# WeasyPrint's PDF/UA tagging reads ``pdf.page_references[n]`` once per tagged box, and pydyf
# (0.13) rebuilds the tuple of every page's reference on each read: work in boxes × pages, about 6 %
# of a 500-requirement version's build and growing with its square. Same references, read from a
# cache that a new page invalidates. ``tests/core/test_pdf_engine.py`` pins it against pydyf's own.
PYDYF_PAGE_REFERENCES = pydyf.PDF.page_references
pydyf.PDF.page_references = property(_page_references)


class StaticFilesOnlyFetcher(URLFetcher):
    """Serves ``/static/...`` from the project's static files and ``data:`` URLs; refuses every other URL.
    ``refused`` lists what was refused, for logs and tests."""

    def __init__(self):
        super().__init__(timeout=2, allow_redirects=False, allowed_protocols={"data", "https"})
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.lower().startswith("data:"):
            return super().fetch(url, headers)
        path = self.static_path(url)
        if path is None:
            self.refused.append(url)
            logger.warning("PDF: refused to fetch %s", url[:200])
            raise ValueError(f"URL refused by the PDF engine: {url[:200]}")
        with open(path, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})

    @staticmethod
    def static_path(url: str) -> str | None:
        """The file a ``https://pdf.invalid/static/...`` URL names among the static files, else ``None``."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}/" != PDF_BASE_URL:
            return None
        path = unquote(parts.path)
        normalised = posixpath.normpath(path)
        if normalised != path.rstrip("/") or not normalised.startswith(STATIC_PREFIX):
            return None
        try:
            return finders.find(normalised[len(STATIC_PREFIX) :]) or None
        except SuspiciousFileOperation:
            return None


_FRENCH_DOCUMENT = re.compile(r"<html\b[^>]*\blang=[\"']?fr\b", re.IGNORECASE)


def typeset_for_print(html: str) -> str:
    """``html`` as printed: typeset as French if it is a French document (``<html lang="fr">``), long
    words given break opportunities."""
    if _FRENCH_DOCUMENT.search(html[:2000]):
        html = french_html(html)
    return breakable_long_words(html)


def html_to_pdf(html: str, *, fetcher: URLFetcher | None = None, processes: int = 1, workers=None) -> bytes:
    """Print ``html`` as a tagged PDF (PDF/UA-1); title, author and language come from the HTML.
    A French document (``<html lang="fr">``) is typeset as French (``core.typography``); long words
    get break opportunities, so that nothing runs off the page.
    ``processes`` > 1 lays a document the template cut into parts (``<!--pdf:part-->``) out in that many
    worker processes and assembles the same PDF (``core.pdf_parts``); should that fail, it is printed
    in one process. ``workers`` (``core.pdf_parts.start_workers(processes)``, started while the HTML
    was rendered) are used for the parts, and closed."""
    fetcher = fetcher or StaticFilesOnlyFetcher()
    if processes > 1:
        from .pdf_parts import parted_html_to_pdf

        try:  # typeset part by part, in the workers
            content = parted_html_to_pdf(
                html, processes=processes, fetcher=fetcher, typeset=typeset_for_print, workers=workers
            )
        except Exception:
            logger.exception("PDF: the build in parts failed, printing in one process")
            content = None
        if content is not None:
            return content
    if workers is not None:
        workers.dismiss()  # not needed (or given up): they end while the document is laid out here
    try:
        html = typeset_for_print(html)
        document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher)
        return document.write_pdf(pdf_variant="pdf/ua-1")
    finally:
        if workers is not None:
            workers.close()  # idempotent: the parts' build closed them already, if it ran
