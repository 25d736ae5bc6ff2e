import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from assessment import services
from assessment.grid_io import GridImportRefused, check_import, grid_xlsx, read_grid_file
from assessment.models import Evidence
from assessment.queries import assessment_grid
from tests.assessment.conftest import answer, answer_of

CSV_TRICK = "=HYPERLINK(\"http://evil\")"


def _exported(assessment) -> bytes:
    return grid_xlsx(assessment_grid(assessment))


def _edit(content: bytes, edits: dict[tuple[str, str], object]) -> bytes:
    """Change cells of an exported grid, by (requirement key, column header)."""
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    headers = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        for (key, header), value in edits.items():
            if row[0].value == key:
                row[headers.index(header)].value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rows(content: bytes):
    return read_grid_file(SimpleUploadedFile("grille.xlsx", content))


@pytest.fixture
def filled(assessment, contributor_a):
    answer(assessment, "MSS 2", "partiel", contributor_a, justification=f"Multi\nlignes {CSV_TRICK}", owner="Équipe <sécurité>", planned_date=datetime.date(2026, 6, 30))
    answer(assessment, "MSS 3", "non_applicable", contributor_a, justification="Pas d'annuaire.")
    services.add_evidence(answer=answer_of(assessment, "MSS 2"), by=contributor_a, effective_date=datetime.date(2026, 2, 1), link="https://exemple.fr/preuve")
    return assessment


def test_an_untouched_export_imports_back_without_any_change(filled, contributor_a):
    content = _exported(filled)
    checked = check_import(filled, assessment_grid(filled), _rows(content))
    assert [row.changes for row in checked] == [[], [], [], []]
    before = list(filled.answers.values_list("result", "justification", "owner", "planned_date", "revision"))
    assert services.import_grid(assessment=filled, rows=_rows(content), revisions={}, by=contributor_a) == 0
    assert list(filled.answers.values_list("result", "justification", "owner", "planned_date", "revision")) == before


def test_an_import_previews_then_writes_every_change(filled, contributor_a):
    content = _edit(_exported(filled), {
        ("MSS 1", "Résultat"): "Conforme",
        ("MSS 4", "Résultat"): "non conforme",
        ("MSS 4", "Justification"): "Liste rouge non gérée.",
        ("MSS 4", "Responsable"): "Bob",
        ("MSS 4", "Mise en conformité prévue le"): datetime.datetime(2026, 9, 1),
        ("MSS 4", "Liens de preuve (un par ligne)"): "https://exemple.fr/a\nhttps://exemple.fr/b",
    })
    checked = check_import(filled, assessment_grid(filled), _rows(content))
    assert [(r.key, len(r.changes)) for r in checked if r.changes] == [("MSS 1", 1), ("MSS 4", 6)]
    assert services.import_grid(assessment=filled, rows=_rows(content), revisions={}, by=contributor_a) == 2
    mss4 = answer_of(filled, "MSS 4")
    assert (mss4.result, mss4.owner, mss4.planned_date) == ("non_conforme", "Bob", datetime.date(2026, 9, 1))
    assert sorted(Evidence.objects.filter(answer=mss4).values_list("link", flat=True)) == ["https://exemple.fr/a", "https://exemple.fr/b"]
    assert mss4.history.first().history_change_reason == "Import de la grille"
    # and the new state round-trips too
    assert services.import_grid(assessment=filled, rows=_rows(_exported(filled)), revisions={}, by=contributor_a) == 0


def test_an_import_with_problems_names_every_line_and_changes_nothing(filled, contributor_a):
    content = _edit(_exported(filled), {
        ("MSS 1", "Résultat"): "Peut-être",
        ("MSS 2", "Mise en conformité prévue le"): "demain",
        ("MSS 3", "Clé"): "MSS 99",
        ("MSS 4", "Liens de preuve (un par ligne)"): "pas un lien",
        ("MSS 4", "Résultat"): "Conforme",
    })
    before = list(filled.answers.values_list("result", "revision"))
    with pytest.raises(GridImportRefused) as refused:
        services.import_grid(assessment=filled, rows=_rows(content), revisions={}, by=contributor_a)
    problems = [str(p) for p in refused.value.problems]
    assert [p.split(" : ")[0] for p in problems] == ["Ligne 2", "Ligne 3", "Ligne 4", "Ligne 5"]
    assert "Peut-être" in problems[0] and "demain" in problems[1] and "MSS 99" in problems[2] and "pas un lien" in problems[3]
    assert list(filled.answers.values_list("result", "revision")) == before


def test_an_answer_changed_in_the_application_since_the_preview_refuses_the_import(filled, contributor_a):
    content = _edit(_exported(filled), {("MSS 1", "Résultat"): "Conforme"})
    revisions = {r.key: r.revision for r in check_import(filled, assessment_grid(filled), _rows(content))}
    answer(filled, "MSS 4", "conforme", contributor_a)
    with pytest.raises(GridImportRefused):
        services.import_grid(assessment=filled, rows=_rows(content), revisions=revisions, by=contributor_a)
    assert answer_of(filled, "MSS 1").result == "non_evalue"


@pytest.mark.parametrize("name, content, message", [
    ("grille.csv", b"a;b", "Format non pris en charge"),
    ("grille.xlsx", b"pas un zip", "illisible"),
])
def test_an_unreadable_file_is_refused_with_its_reason(client_for, assessment, contributor_a, name, content, message):
    url = reverse("assessment:import_xlsx", kwargs={"pk": assessment.pk})
    response = client_for(contributor_a).post(url, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400 and message in response.content.decode()


def test_the_import_page_previews_then_confirms(client_for, filled, contributor_a):
    client = client_for(contributor_a)
    url = reverse("assessment:import_xlsx", kwargs={"pk": filled.pk})
    content = _edit(_exported(filled), {("MSS 1", "Résultat"): "Non applicable", ("MSS 1", "Justification"): "Hors périmètre."})
    preview = client.post(url, {"file": SimpleUploadedFile("grille.xlsx", content)})
    assert preview.status_code == 200 and "Hors périmètre." in preview.content.decode()
    assert answer_of(filled, "MSS 1").result == "non_evalue"
    confirm = client.post(url, {"payload": preview.context["payload"]})
    assert confirm.status_code == 302
    assert answer_of(filled, "MSS 1").result == "non_applicable"
    assert client.post(url, {"payload": preview.context["payload"] + "x"}).status_code == 302  # tampered: back to the form
    

def test_exports_keep_text_as_text_and_the_action_plan_lists_open_gaps(client_for, filled, contributor_a):
    client = client_for(contributor_a)
    xlsx = client.get(reverse("assessment:export_xlsx", kwargs={"pk": filled.pk}))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cell = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "MSS 2"][0]
    assert cell[6] == f"Multi\nlignes {CSV_TRICK}" and cell[7] == "Équipe <sécurité>"
    csv = client.get(reverse("assessment:export_csv", kwargs={"pk": filled.pk})).content.decode("utf-8-sig")
    assert "MSS 4" in csv and "Partiellement conforme" in csv
    plan = client.get(reverse("assessment:action_plan_xlsx", kwargs={"pk": filled.pk}))
    rows = list(load_workbook(io.BytesIO(plan.content)).active.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == ["MSS 2"]
    pdf = client.get(reverse("assessment:action_plan_pdf", kwargs={"pk": filled.pk}))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
