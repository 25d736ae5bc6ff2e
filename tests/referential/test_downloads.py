"""Downloads of a version: the stored PDF, the latest one, the draft preview and the exports."""

import csv
import io
import json
import re

import pytest
from openpyxl import load_workbook

from referential import services
from tests.factories import ActorFactory, LevelFactory, RequirementFactory, SectionFactory, VersionFactory


@pytest.fixture
def published(editor):
    level = LevelFactory(slug="majeure", label="Majeure", rank=2)
    version = VersionFactory(number="1.0")
    section = SectionFactory(version=version, title="Sécurité", position=1)
    RequirementFactory(version=version, section=section, key="MSS 1", title="Chiffrement", level=level, actors=[ActorFactory()])
    RequirementFactory(
        version=version, section=section, key="MSS 2", title="Formule",
        statement="=HYPERLINK(\"http://evil.example\";\"clic\")", level=level, actors=[ActorFactory()],
    )
    return services.publish_version(version=version, by=editor)


def pdf_url(version):
    return f"/referentiels/{version.referential.slug}/{version.number}.pdf"


def test_published_pdf_is_served_as_stored_with_a_strong_etag(anonymous, published):
    response = anonymous.get(pdf_url(published))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == published.pdf.open("rb").read()
    assert response["ETag"] == f'"{published.pdf_sha256}"'
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_matching_if_none_match_gets_304(anonymous, published):
    response = anonymous.get(pdf_url(published), HTTP_IF_NONE_MATCH=f'"{published.pdf_sha256}"')
    assert response.status_code == 304
    assert response["ETag"] == f'"{published.pdf_sha256}"'


def test_stale_if_none_match_gets_the_file(anonymous, published):
    response = anonymous.get(pdf_url(published), HTTP_IF_NONE_MATCH='"0000"')
    assert response.status_code == 200


def test_latest_pdf_redirects_to_the_published_version(anonymous, published, editor):
    response = anonymous.get(f"/referentiels/{published.referential.slug}/latest.pdf")
    assert response.status_code == 302
    assert response["Location"] == pdf_url(published)
    draft = services.start_draft(referential=published.referential, number="1.1", by=editor)
    newer = services.publish_version(version=draft, by=editor)
    response = anonymous.get(f"/referentiels/{published.referential.slug}/latest.pdf")
    assert response["Location"] == pdf_url(newer)
    # The superseded edition stays downloadable at its own address.
    assert anonymous.get(pdf_url(published)).status_code == 200


def test_no_pdf_for_a_referential_without_published_version(anonymous, db):
    version = VersionFactory(number="0.9", status="consultation")
    assert anonymous.get(f"/referentiels/{version.referential.slug}/latest.pdf").status_code == 404
    assert anonymous.get(pdf_url(version)).status_code == 404


def test_version_page_shows_the_fingerprint_and_size(anonymous, published):
    page = anonymous.get(published.get_absolute_url()).content.decode()
    assert published.pdf_sha256 in page
    assert pdf_url(published) in page
    assert re.search(r"PDF \(\d+(,\d+)?\s(Kio|Ko|octets)\)", page)


def test_draft_preview_is_for_editors_and_never_cached(client_for, editor, contributor_a, published):
    draft = services.start_draft(referential=published.referential, number="1.1", by=editor)
    url = f"/referentiels/{draft.referential.slug}/{draft.number}/apercu.pdf"
    response = client_for(editor).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"
    assert client_for(contributor_a).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 403


def test_csv_export_has_french_headers_and_neutralised_formulas(anonymous, published):
    response = anonymous.get(f"{published.get_absolute_url()}export.csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["Référentiel", "Version", "Chapitre", "Clé"]
    formula_row = next(row for row in rows if row[3] == "MSS 2")
    assert formula_row[5].startswith("'=")


def test_xlsx_export_neutralises_formulas(anonymous, published):
    response = anonymous.get(f"{published.get_absolute_url()}export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][3] == "Clé"
    statement = next(row for row in values if row[3] == "MSS 2")[5]
    assert statement == '=HYPERLINK("http://evil.example";"clic")'  # kept exactly, as text
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_json_export_has_the_api_shape(anonymous, published):
    response = anonymous.get(f"{published.get_absolute_url()}export.json")
    data = json.loads(response.content)
    api = anonymous.get(f"/api/v1/referentials/{published.referential.slug}/versions/{published.number}/").json()
    assert data == api


def test_exports_of_a_draft_are_hidden_from_the_public(anonymous, client_for, editor, published):
    draft = services.start_draft(referential=published.referential, number="1.1", by=editor)
    url = f"{draft.get_absolute_url()}export.csv"
    assert anonymous.get(url).status_code == 404
    response = client_for(editor).get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
