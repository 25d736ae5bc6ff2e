"""The PDF engine: HTML from our own templates, printed by WeasyPrint, fetching only our static files.

Every PDF of the project (referential versions, workshop minutes, syntheses) goes through
``html_to_pdf``. Its URL fetcher refuses anything but the project's static files, so a
statement that slipped an image or stylesheet URL past the sanitizer still cannot make the
server call out — to the internet or to 127.0.0.1.
"""

import logging
import mimetypes
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# A base URL that cannot resolve anywhere: relative URLs in templates become absolute under it.
PDF_BASE_URL = "https://pdf.invalid/"


class StaticFilesOnlyFetcher(URLFetcher):
    """Serves ``/static/...`` from the project's static files; refuses every other URL."""

    def fetch(self, url, headers=None):
        static_prefix = PDF_BASE_URL + settings.STATIC_URL.lstrip("/")
        if not url.startswith(static_prefix):
            logger.warning("PDF: refused to fetch %s", url[:200])
            raise ValueError(f"URL refused by the PDF engine: {url[:200]}")
        relative = unquote(urlsplit(url).path)[len(settings.STATIC_URL) :]
        if ".." in relative.split("/"):
            raise ValueError(f"URL refused by the PDF engine: {url[:200]}")
        path = finders.find(relative)
        if not path:
            raise ValueError(f"Static file not found: {relative}")
        with open(path, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})


def html_to_pdf(html: str) -> bytes:
    """Print ``html`` (title, author, language and outline come from the HTML) as a tagged PDF/UA-1."""
    document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=StaticFilesOnlyFetcher())
    return document.write_pdf(pdf_variant="pdf/ua-1")
