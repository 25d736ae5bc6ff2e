"""The minutes as PDF: built by WeasyPrint from the same partials, fetching nothing outside our static files."""

import io
import socket
import threading

import pytest
from django.urls import reverse
from pypdf import PdfReader

from core.pdf import PDF_BASE_URL, StaticFilesOnlyFetcher, html_to_pdf
from workshops.pdf import render_workshop_pdf

from .factories import RidaItemFactory, WorkshopFactory, seed_workshop
from .test_seed_workshop import SEED_ITEMS

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_the_pdf_of_the_minutes_holds_every_item_and_its_layout(anonymous):
    workshop = seed_workshop()
    response = anonymous.get(reverse("workshops:workshop_pdf", kwargs={"pk": workshop.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="ANS_atelier_04_20220311.pdf"' in response["Content-Disposition"]
    content = b"".join(response.streaming_content)  # served from its stored file
    reader = PdfReader(io.BytesIO(content))
    text = pdf_text(content)
    assert "Atelier" in text
    for _number, _nature, obj in SEED_ITEMS:
        assert " ".join(obj.split()[:2]) in text, obj
    for heading in ("OBJET DU COMPTE-RENDU", "INTERVENANTS", "COMPTE-RENDU SYNTHÉTIQUE", "Question / Remarque"):
        assert heading in text, heading
    assert f"page 1 / {len(reader.pages)}" in text
    assert "Auteur/Émetteur : Samy ABDICHE / Capgemini Invent" in text
    assert reader.metadata.title.startswith("TF MSSanté – Atelier technique #4")
    assert reader.metadata.author == "Samy ABDICHE / Capgemini Invent"
    assert reader.trailer["/Root"]["/Lang"] == "fr"


def test_the_rida_table_header_repeats_on_every_page_it_spans():
    workshop = seed_workshop()
    reader = PdfReader(io.BytesIO(render_workshop_pdf(workshop)))
    rida_pages = [page for page in reader.pages if "Relevé" in (page.extract_text() or "") or "Réponse" in (page.extract_text() or "")]
    assert len(rida_pages) >= 2
    assert all("Question / Remarque" in page.extract_text() for page in rida_pages)


def test_the_pdf_is_french_whatever_the_reader_language(client_for):
    workshop = seed_workshop()
    client = client_for(None)
    client.cookies["django_language"] = "en"
    text = pdf_text(b"".join(client.get(reverse("workshops:workshop_pdf", kwargs={"pk": workshop.pk})).streaming_content))
    assert "11 mars 2022" in text


class Listener:
    """A local TCP server that records every connection made to it."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _addr = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.server.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def test_urls_in_markdown_never_make_the_pdf_engine_call_out(listener):
    base = f"http://127.0.0.1:{listener.port}"
    workshop = WorkshopFactory(
        summary=f"![image]({base}/summary.png) et [un lien]({base}/page) <img src=\"{base}/raw.png\">"
    )
    RidaItemFactory(workshop=workshop, answer=f"![plan]({base}/answer.png)\n\n<link rel=stylesheet href=\"{base}/x.css\">")
    fetcher = StaticFilesOnlyFetcher()
    content = render_workshop_pdf(workshop, fetcher=fetcher)
    assert content.startswith(b"%PDF")
    assert listener.connections == 0
    assert not any(url.startswith(base) for url in fetcher.refused)  # sanitized away before printing


def test_the_fetcher_refuses_remote_and_file_urls_even_in_raw_html(listener):
    base = f"http://127.0.0.1:{listener.port}"
    html = (
        f'<html lang="fr"><head><title>t</title><link rel="stylesheet" href="{base}/style.css">'
        '<link rel="stylesheet" href="/static/consultation/workshop-print.css"></head>'
        f'<body><img src="{base}/image.png" alt=""><img src="file:///etc/passwd" alt="">'
        '<img src="/static/../config/settings.py" alt="">'
        '<img alt="" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<p>texte</p></body></html>'
    )
    fetcher = StaticFilesOnlyFetcher()
    assert html_to_pdf(html, fetcher=fetcher).startswith(b"%PDF")
    assert listener.connections == 0
    assert f"{base}/style.css" in fetcher.refused and f"{base}/image.png" in fetcher.refused
    assert "file:///etc/passwd" in fetcher.refused
    assert not any("workshop-print.css" in url for url in fetcher.refused)
    assert any("config/settings.py" in url for url in fetcher.refused)


@pytest.mark.parametrize(
    "url, served",
    [
        (PDF_BASE_URL + "static/consultation/workshop-print.css", True),
        (PDF_BASE_URL + "static/../manage.py", False),
        (PDF_BASE_URL + "static/%2e%2e/manage.py", False),
        (PDF_BASE_URL + "media/secret.pdf", False),
        ("https://example.org/static/consultation/workshop-print.css", False),
        ("http://127.0.0.1/static/consultation/workshop-print.css", False),
    ],
)
def test_only_the_projects_static_files_are_served(url, served):
    assert (StaticFilesOnlyFetcher.static_path(url) is not None) is served
