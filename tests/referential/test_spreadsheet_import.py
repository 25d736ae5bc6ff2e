"""Requirements from XLSX or CSV into a draft: documented columns, template, French Excel habits,
line-numbered errors, all or nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from referential import services
from referential.exports import requirement_table
from referential.import_files import proposed_mapping, read_import_file
from referential.interchange import ImportRefused, plan_import
from referential.spreadsheet_import import TEMPLATE_HEADERS
from core.tabular import xlsx_bytes
from tests.factories import ActorFactory, LevelFactory, VersionFactory, filled_version

HEADERS = ["Clé", "Titre", "Énoncé", "Chapitre", "Niveau", "Acteurs", "Méthode de vérification", "Échéance"]
ROWS = [
    ["MSS 1", "Chiffrement", "L'opérateur **DOIT** chiffrer.", "Sécurité > Transport", "bloquante", "Opérateur MSSanté; Éditeur de proxy", "Audit", "31/12/2026"],
    ["MSS 2", "Annuaire à jour", "L'opérateur DOIT publier ses BAL.", "Annuaire", "Majeure", "operateur", "", ""],
]


@pytest.fixture
def draft(db):
    LevelFactory(slug="bloquante", label="Bloquante", rank=1)
    LevelFactory(slug="majeure", label="Majeure", rank=2)
    ActorFactory(slug="operateur", label="Opérateur MSSanté")
    ActorFactory(slug="editeur-proxy", label="Éditeur de proxy")
    return VersionFactory(number="0.9")


def csv_upload(rows, *, headers=HEADERS, delimiter=";", encoding="cp1252", name="exigences.csv"):
    lines = [delimiter.join('"' + c.replace('"', '""') + '"' for c in row) for row in [headers, *rows]]
    return SimpleUploadedFile(name, "\r\n".join(lines).encode(encoding))


def xlsx_upload(rows, *, headers=HEADERS, name="exigences.xlsx", prepare=None):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    if prepare:
        prepare(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def import_file(draft, upload, by):
    document = read_import_file(upload)
    return services.import_into_draft(version=draft, document=document, mapping=proposed_mapping(document), by=by)


def test_a_french_excel_csv_with_semicolons_in_windows_1252_imports(draft, editor):
    import_file(draft, csv_upload(ROWS), editor)

    first = draft.requirements.get(key="MSS 1")
    assert first.statement == "L'opérateur **DOIT** chiffrer."
    assert first.section.title == "Transport" and first.section.parent.title == "Sécurité"
    assert first.level.slug == "bloquante"
    assert sorted(a.slug for a in first.actors.all()) == ["editeur-proxy", "operateur"]
    assert first.compliance_deadline.isoformat() == "2026-12-31"
    assert draft.requirements.get(key="MSS 2").level.slug == "majeure"


def test_a_utf8_csv_with_a_byte_order_mark_and_commas_imports(draft, editor):
    import_file(draft, csv_upload(ROWS, delimiter=",", encoding="utf-8-sig"), editor)
    assert sorted(draft.requirements.values_list("key", flat=True)) == ["MSS 1", "MSS 2"]
    assert draft.requirements.get(key="MSS 1").title == "Chiffrement"


def test_a_chapter_cell_merged_over_several_rows_applies_to_each_of_them(draft, editor):
    rows = [list(ROWS[0]), list(ROWS[1])]
    rows[1][3] = None

    def merge(sheet):
        sheet.merge_cells("D2:D3")

    import_file(draft, xlsx_upload(rows, prepare=merge), editor)

    assert draft.requirements.get(key="MSS 2").section.title == "Transport"


def test_a_formula_is_refused_naming_its_cell_and_nothing_is_written(draft, editor):
    rows = [list(ROWS[0]), list(ROWS[1])]
    rows[1][1] = '=HYPERLINK("http://evil.example";"clic")'
    with pytest.raises(ImportRefused, match=r"Cellule B3 \(ligne 3\) : les formules sont refusées"):
        import_file(draft, xlsx_upload(rows), editor)
    assert not draft.requirements.exists()


def test_every_problem_names_its_line_and_nothing_is_written(draft, editor):
    rows = [list(ROWS[0]), list(ROWS[1]), ["MSS 1", "", "Énoncé", "Annuaire", "inconnue", "Personne", "", "bientôt"]]
    document = read_import_file(csv_upload(rows))
    problems = plan_import(draft, document, proposed_mapping(document)).problems

    assert "ligne 4 : la clé « MSS 1 » est déjà celle de ligne 2." in problems
    assert "ligne 4 : le titre est manquant." in problems
    assert any(p.startswith("ligne 4 : niveau « inconnue » inconnu") for p in problems)
    assert "ligne 4 : acteur « Personne » inconnu." in problems
    assert any(p.startswith("ligne 4 : échéance « bientôt » illisible") for p in problems)
    with pytest.raises(ImportRefused):
        services.import_into_draft(version=draft, document=document, mapping=proposed_mapping(document), by=editor)
    assert not draft.requirements.exists()


def test_a_missing_chapter_column_is_named(draft):
    with pytest.raises(ImportRefused, match="colonne « Chapitre » manquante"):
        read_import_file(csv_upload([r[:3] for r in ROWS], headers=HEADERS[:3]))


def test_the_template_downloads_from_the_draft_page_and_the_api_and_imports_once_filled(client_for, api_for, draft, editor):
    page = client_for(editor).get(f"/referentiels/{draft.referential.slug}/{draft.number}/modele-import.xlsx")
    api = api_for(editor).get(f"/api/v1/referentials/{draft.referential.slug}/versions/{draft.number}/import-template.csv")
    assert page.status_code == api.status_code == 200
    sheet = load_workbook(io.BytesIO(page.content)).active
    assert [c.value for c in sheet[1]] == TEMPLATE_HEADERS
    assert api.content.decode("utf-8-sig").splitlines()[0] == ";".join(TEMPLATE_HEADERS)

    import_file(draft, SimpleUploadedFile("modele.xlsx", page.content), editor)
    assert draft.requirements.get().key == "MSS 17"


def test_the_template_is_for_editors_only(client_for, api_for, contributor_a, db):
    version = VersionFactory(number="0.9", status="consultation")
    assert client_for(contributor_a).get(f"/referentiels/{version.referential.slug}/{version.number}/modele-import.xlsx").status_code == 403
    assert api_for(contributor_a).get(
        f"/api/v1/referentials/{version.referential.slug}/versions/{version.number}/import-template.xlsx"
    ).status_code == 403


def test_our_own_xlsx_export_imports_back(db, editor):
    source = filled_version(number="1.0")
    headers, rows = requirement_table(source)
    target = VersionFactory(number="2.0", referential=source.referential)
    import_file(target, SimpleUploadedFile("export.xlsx", xlsx_bytes(headers, rows)), editor)

    def fields(version):
        return {
            r.key: (r.title, r.statement, r.level_id, sorted(a.pk for a in r.actors.all()), r.section.title)
            for r in version.requirements.prefetch_related("actors").select_related("section")
        }

    assert fields(target) == fields(source)


def test_the_import_page_previews_a_spreadsheet_and_applies_it(client_for, draft, editor):
    client = client_for(editor)
    url = f"/referentiels/{draft.referential.slug}/{draft.number}/importer/"
    preview = client.post(url, {"file": csv_upload(ROWS)})
    assert preview.status_code == 200
    assert [r.key for r in preview.context["plan"].added] == ["MSS 1", "MSS 2"]
    fields = {f"map-{name}": value for name, value in preview.context["mapping_form"].initial.items()}
    applied = client.post(url, {"payload": preview.context["payload"], "action": "apply", **fields})
    assert applied.status_code == 302
    assert draft.requirements.count() == 2


def test_the_api_previews_a_csv(api_for, draft, editor):
    response = api_for(editor).post(
        f"/api/v1/referentials/{draft.referential.slug}/versions/{draft.number}/import/preview/",
        {"file": csv_upload(ROWS)},
        format="multipart",
    )
    assert response.status_code == 200
    assert response.json()["format"] == "csv"
    assert response.json()["added"] == ["MSS 1", "MSS 2"]


def test_a_spreadsheet_keeps_the_chapter_introductions_of_the_draft(db, editor):
    source = filled_version(number="1.0")
    source.sections.filter(title="Annuaire").update(intro="Ce chapitre traite de l'annuaire.")
    headers, rows = requirement_table(source)
    import_file(source, SimpleUploadedFile("export.xlsx", xlsx_bytes(headers, rows)), editor)
    assert source.sections.get(title="Annuaire").intro == "Ce chapitre traite de l'annuaire."


def test_our_own_csv_export_imports_back_with_statements_that_start_like_formulas(db, editor):
    # The CSV export puts an apostrophe before a cell starting with "-", "=", "+" or "@" so that
    # no spreadsheet runs it: the import takes it off again, or every Markdown list grows one.
    from core.tabular import csv_bytes

    source = filled_version(number="1.0")
    listed = source.requirements.order_by("pk").first()
    listed.statement = "- entre opérateurs\n- vers les clients"
    listed.title = "-1 : refus explicite"
    listed.save()
    headers, rows = requirement_table(source)
    target = VersionFactory(number="2.0", referential=source.referential)
    import_file(target, SimpleUploadedFile("export.csv", csv_bytes(headers, rows)), editor)
    copied = target.requirements.get(key=listed.key)
    assert (copied.title, copied.statement) == (listed.title, listed.statement)


def test_control_characters_of_a_cell_become_line_breaks_or_nothing(draft, editor):
    rows = [["MSS 1", "Titre", "Premier point\x0bsecond point\x0c\x01", "Annuaire", "", "", "", ""]]
    import_file(draft, csv_upload(rows, encoding="utf-8"), editor)
    assert draft.requirements.get().statement == "Premier point\nsecond point"
