"""Workshop minutes as PDF, printed by the project's one PDF engine (``core.pdf``)."""

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint.urls import URLFetcher

from core.documents import Document
from core.pdf import html_to_pdf

from .models import Workshop
from .queries import workshop_minutes


def workshop_html(workshop: Workshop) -> str:
    """The minutes as print HTML, always in French: the minutes are a French document."""
    with translation.override("fr"):
        return render_to_string("pdf/workshop.html", {"minutes": workshop_minutes(workshop), "workshop": workshop})


def render_workshop_pdf(workshop: Workshop, *, fetcher: URLFetcher | None = None) -> bytes:
    return html_to_pdf(workshop_html(workshop), fetcher=fetcher)


def pdf_filename(workshop: Workshop) -> str:
    return f"ANS_atelier_{workshop.number:02d}_{workshop.held_on:%Y%m%d}.pdf"


MINUTES = "workshop-minutes"


def minutes_document(workshop: Workshop) -> Document:
    """The minutes as a document built once per content (``core.documents``)."""
    return Document(
        kind=MINUTES,
        key=str(workshop.pk),
        source=workshop_html(workshop),
        build=lambda html: html_to_pdf(html),
        filename=pdf_filename(workshop),
    )


def minutes_document_of(key: str) -> Document | None:
    workshop = Workshop.objects.filter(pk=key).first()
    return minutes_document(workshop) if workshop else None
