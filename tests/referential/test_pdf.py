"""The referential PDF: what it contains, how it is built, and what it refuses to fetch."""

import hashlib
import io
import socket
import threading

import pytest
from django.urls import reverse
from pypdf import PdfReader

from core.pdf import html_to_pdf
from referential import services
from referential.documents import build_version_pdf
from referential.errors import PublicationFailed
from referential.models import ReferentialVersion
from tests.factories import (
    ActorFactory,
    editor_user,
    LevelFactory,
    RequirementFactory,
    SectionFactory,
    ThresholdFactory,
    VersionFactory,
)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def levels(db):
    return {
        "bloquante": LevelFactory(slug="bloquante", label="Bloquante", rank=1, remediation_delay_days=None),
        "majeure": LevelFactory(slug="majeure", label="Majeure", rank=2),
    }


@pytest.fixture
def published_and_draft(editor, levels):
    """A published 1.0 with two chapters, and a 1.1 draft where MSS 2 is reworded and made blocking."""
    operator = ActorFactory(slug="operateur", label="Opérateur")
    version = VersionFactory(number="1.0", change_summary="Version initiale")
    security = SectionFactory(version=version, title="Sécurité des échanges", position=1)
    directory = SectionFactory(version=version, title="Publication dans l'annuaire", position=2)
    for index in range(1, 7):
        RequirementFactory(
            version=version,
            section=security if index % 2 else directory,
            key=f"MSS {index}",
            title=f"Exigence numéro {index}",
            statement="L'opérateur **DOIT** chiffrer les échanges avec TLS 1.2 au moins.",
            level=levels["majeure"],
            actors=[operator],
        )
    ThresholdFactory(version=version, level=levels["bloquante"], max_findings=0)
    services.publish_version(version=version, by=editor)
    draft = services.start_draft(referential=version.referential, number="1.1", by=editor)
    services.update_requirement(
        requirement=draft.requirements.get(key="MSS 2"),
        statement="L'opérateur **DOIT** chiffrer les échanges avec TLS 1.3 au moins.", level=levels["bloquante"], by=None,
    )
    return version, draft


def test_published_version_stores_its_pdf_with_fingerprint(published_and_draft):
    version, _ = published_and_draft
    version.refresh_from_db()
    content = version.pdf.read()
    assert content.startswith(b"%PDF")
    assert version.pdf_sha256 == hashlib.sha256(content).hexdigest()
    assert version.pdf_size == len(content)
    assert version.pdf.name.endswith(".pdf") and "ANS_MSS_" in version.pdf.name


def test_pdf_text_carries_keys_version_levels_and_the_redline(published_and_draft, editor):
    _, draft = published_and_draft
    published = services.publish_version(version=draft, by=editor)
    text = pdf_text(published.pdf.read())
    for index in range(1, 7):
        assert f"MSS {index}" in text
    assert "1.1" in text
    assert "BLOQUANTE" in text and "MAJEURE" in text  # levels print in capitals
    assert "Modifications depuis la version précédente" in text
    # The change annex: one table per kind of change, each naming the requirement.
    assert "Exigences reformulées (1)" in text and "Niveau de non-conformité modifié (1)" in text
    assert "TLS" in text and "1.3" in text and "1.2" in text  # both sides of the redline
    assert "MSS 2 Exigence numéro 2 MAJEURE BLOQUANTE" in " ".join(text.split())


def test_no_markdown_markup_shows_in_the_change_annex_the_comparison_or_the_history(published_and_draft, editor, client):
    version, draft = published_and_draft
    published = services.publish_version(version=draft, by=editor)
    text = pdf_text(published.pdf.read())
    assert "Exigences reformulées" in text and "**" not in text
    slug = published.referential.slug
    compare = client.get(reverse("referential:compare", kwargs={"slug": slug, "a": "1.0", "b": "1.1"}))
    history = client.get(reverse("referential:requirement_detail", kwargs={"slug": slug, "number": "1.1", "key": "MSS 2"}))
    for page in (compare, history):
        content = page.content.decode()
        assert "**" not in content
        assert "<strong>DOIT</strong>" in content and "3</ins>" in content


def test_the_document_history_names_who_published_each_version(published_and_draft, editor):
    """« Validé par » prints the editor who published the version (the previous ones too), not « — »."""
    version, draft = published_and_draft
    first = " ".join(pdf_text(ReferentialVersion.objects.get(pk=version.pk).pdf.read()).split())
    publisher = editor_user(username="validatrice", first_name="Inès", last_name="Robert")

    second = " ".join(pdf_text(services.publish_version(version=draft, by=publisher).pdf.read()).split())

    history = first[first.index("Historique du document") : first.index("Sommaire")]
    assert "Claire Martin" in history
    history = second[second.index("Historique du document") : second.index("Sommaire")]
    assert "Claire Martin" in history and "Inès Robert" in history


def test_pdf_has_pages_outline_and_metadata(published_and_draft):
    version, _ = published_and_draft
    version.refresh_from_db()
    reader = PdfReader(io.BytesIO(version.pdf.read()))
    assert len(reader.pages) > 1
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert any("Sécurité des échanges" in title for title in titles)
    assert any("Publication dans l’annuaire" in title for title in titles)  # typeset as French
    assert "Ref#" in reader.metadata.title and "1.0" in reader.metadata.title
    assert reader.metadata.author == "Agence du Numérique en Santé"
    assert reader.trailer["/Root"].get("/Lang") == "fr"
    assert bool(reader.trailer["/Root"]["/MarkInfo"]["/Marked"]) is True  # tagged PDF (PDF/UA)


def test_draft_preview_is_watermarked(published_and_draft):
    _, draft = published_and_draft
    text = pdf_text(build_version_pdf(draft, preview=True).content)
    assert "PROJET — document de travail" in text
    assert not draft.pdf


def test_failed_pdf_build_changes_nothing(published_and_draft, editor, monkeypatch):
    version, draft = published_and_draft

    def broken(html, **options):
        raise RuntimeError("moteur PDF indisponible")

    monkeypatch.setattr("referential.documents.html_to_pdf", broken)
    with pytest.raises(PublicationFailed, match="moteur PDF indisponible"):
        services.publish_version(version=draft, by=editor)
    draft.refresh_from_db()
    version.refresh_from_db()
    assert draft.status == ReferentialVersion.Status.DRAFT and not draft.pdf and not draft.pdf_sha256
    assert version.status == ReferentialVersion.Status.PUBLISHED


class ConnectionRecorder:
    """A TCP listener on loopback that records every connection made to it."""

    def __init__(self):
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.server.close()


@pytest.fixture
def recorder():
    listener = ConnectionRecorder()
    yield listener
    listener.close()


def test_engine_fetches_nothing_outside_static_files(recorder):
    base = f"http://127.0.0.1:{recorder.port}"
    html = f"""<!DOCTYPE html><html lang="fr"><head><title>t</title>
      <link rel="stylesheet" href="{base}/style.css">
      <style>@import url("{base}/imported.css"); body {{ background: url("{base}/bg.png"); }}</style>
      </head><body><p>Texte</p><img src="{base}/pixel.png" alt="x">
      <img src="/static/../../etc/passwd" alt="y"></body></html>"""
    content = html_to_pdf(html)
    assert content.startswith(b"%PDF")
    assert recorder.connections == 0


def test_statement_urls_are_not_fetched_when_publishing(recorder, editor, levels):
    base = f"http://127.0.0.1:{recorder.port}"
    requirement = RequirementFactory(
        statement=f"![pixel]({base}/pixel.png) <img src=\"{base}/raw.png\"> [lien]({base}/page)",
        level=levels["majeure"],
        actors=[ActorFactory()],
    )
    published = services.publish_version(version=requirement.version, by=editor)
    assert published.pdf_sha256
    assert recorder.connections == 0
