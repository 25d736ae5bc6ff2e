"""Hostile and real-world inputs found by a review of the self-assessment: each one used to slip
through (or lose data) before its fix."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessment import grid_io, queries, services
from assessment.models import Evidence
from tests.assessment.conftest import answer, answer_of

pytestmark = pytest.mark.django_db


def test_an_api_patch_changes_only_the_fields_it_sends(api_for, assessment, contributor_a):
    """PATCH is a partial update: sending the owner alone used to be refused (result required), and
    sending the result alone wiped the justification, the owner and the planned date."""
    row = answer(assessment, "MSS 2", "non_conforme", contributor_a, owner="Alice", planned_date=datetime.date(2026, 3, 1))
    url = f"/api/v1/assessments/{assessment.pk}/answers/{row.pk}/"
    api = api_for(contributor_a)
    response = api.patch(url, {"owner": "Bob", "revision": row.revision}, format="json")
    assert response.status_code == 200, response.json()
    row.refresh_from_db()
    assert (row.result, row.justification, row.owner, row.planned_date) == (
        "non_conforme", "Écart connu, plan d'action en cours.", "Bob", datetime.date(2026, 3, 1)
    )
    response = api.patch(url, {"result": "partiel", "revision": row.revision}, format="json")
    assert response.status_code == 200, response.json()
    row.refresh_from_db()
    assert (row.result, row.justification, row.owner, row.planned_date) == (
        "partiel", "Écart connu, plan d'action en cours.", "Bob", datetime.date(2026, 3, 1)
    )


def test_an_api_patch_may_still_clear_a_field_by_sending_it_empty(api_for, assessment, contributor_a):
    row = answer(assessment, "MSS 2", "non_conforme", contributor_a, owner="Alice", planned_date=datetime.date(2026, 3, 1))
    response = api_for(contributor_a).patch(
        f"/api/v1/assessments/{assessment.pk}/answers/{row.pk}/", {"owner": "", "planned_date": None, "revision": row.revision}, format="json"
    )
    assert response.status_code == 200, response.json()
    row.refresh_from_db()
    assert (row.owner, row.planned_date, row.justification) == ("", None, "Écart connu, plan d'action en cours.")


@pytest.mark.parametrize("link", ["ftp://serveur.example/rapport.pdf", "ftps://serveur.example/rapport.pdf"])
def test_an_evidence_link_is_http_or_https_as_the_import_requires(client_for, assessment, contributor_a, link):
    """The page accepted ftp links that the import then refused: the exported grid could not be
    imported back. One rule for both: http or https."""
    row = answer_of(assessment, "MSS 1")
    with pytest.raises(ValidationError):
        services.add_evidence(answer=row, by=contributor_a, effective_date=datetime.date(2026, 1, 1), link=link)
    response = client_for(contributor_a).post(
        reverse("assessment:evidence_add", kwargs={"pk": assessment.pk, "answer_pk": row.pk}),
        {"link": link, "effective_date": "2026-01-01"},
    )
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_every_accepted_link_survives_the_round_trip(assessment, contributor_a):
    row = answer_of(assessment, "MSS 1")
    services.add_evidence(answer=row, by=contributor_a, effective_date=datetime.date(2026, 1, 1), link="https://preuves.example/tls")
    grid = queries.assessment_grid(assessment)
    exported = [dict(zip([f for f, _h in grid_io.COLUMNS], values, strict=True)) for values in grid_io.grid_rows(grid)]
    rows = [{"line": n, **{k: (v.isoformat() if isinstance(v, datetime.date) else (v or "")) for k, v in r.items()}} for n, r in enumerate(exported, start=2)]
    checked = grid_io.check_import(assessment, grid, rows)
    assert grid_io.import_problems(checked) == [] and not any(r.changes for r in checked)


def test_a_grid_exported_in_english_imports_back_for_a_french_colleague(assessment, contributor_a):
    """Members of one organisation may use different languages: the export writes headers, results
    and yes/no in the exporter's language; the import used to read only the importer's, so the grid
    was refused (« Colonne manquante : Clé ») instead of importing back unchanged."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation

    answer(assessment, "MSS 2", "partiel", contributor_a, owner="Alice", planned_date=datetime.date(2026, 6, 30))
    answer(assessment, "MSS 3", "non_applicable", contributor_a, justification="Pas d'annuaire.")
    with translation.override("en"):
        content = grid_io.grid_xlsx(queries.assessment_grid(assessment))
    with translation.override("fr"):
        rows = grid_io.read_grid_file(SimpleUploadedFile("grid.xlsx", io.BytesIO(content).getvalue()))
        checked = grid_io.check_import(assessment, queries.assessment_grid(assessment), rows)
    assert grid_io.import_problems(checked) == []
    assert [row.changes for row in checked] == [[], [], [], []]


def test_an_api_patch_without_the_revision_read_is_refused(api_for, assessment, contributor_a):
    """Several members edit the same assessment: a PATCH that does not say which revision it read
    used to overwrite a colleague's change silently (the pages always send it)."""
    row = answer(assessment, "MSS 2", "non_conforme", contributor_a, owner="Alice")
    response = api_for(contributor_a).patch(f"/api/v1/assessments/{assessment.pk}/answers/{row.pk}/", {"owner": "Bob"}, format="json")
    assert response.status_code == 400 and "revision" in response.json()
    row.refresh_from_db()
    assert row.owner == "Alice"


def test_a_zip_bomb_grid_is_refused_before_openpyxl_inflates_it():
    """The grid import read its .xlsx with a reader of its own that checked the file's size only: a
    1 MB archive inflating to 60 MB went to openpyxl. Every upload now goes through ``core.tabular``."""
    import io
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as stream:
            for _ in range(60):
                stream.write(b"\0" * (1024 * 1024))
    with pytest.raises(grid_io.GridFileError, match="bombe de décompression"):
        grid_io.read_grid_file(SimpleUploadedFile("grille.xlsx", buffer.getvalue()))
