"""Importing a RIDA table: preview with every row's problems, then all rows or none."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core.errors import DomainError
from core.typography import french_text
from workshops import services
from workshops.importers import check_rows, read_rida_file
from workshops.models import RidaItem, Workshop

from .factories import RidaItemFactory, WorkshopFactory, seed_workshop

pytestmark = pytest.mark.django_db

HEADER = ["#", "Nature", "Objet", "Question / Remarque", "Réponse"]
GOOD_ROWS = [
    ["1", "I", "API LPS - Impacts du choix d’IMAP", "Un opérateur indique…\n\nSecond paragraphe.", "ANS : Une règle…"],
    ["2", "A", "API LPS - Contenu/scope Accesstoken", "Va-t-on toujours disposer des informations ?", "ANS : Question soumise aux équipes PSC."],
    ["3", "D", "Conclusion", "Quelles étapes ?", "ANS : les travaux débutent en avril."],
]


def csv_file(rows, *, header=HEADER, name="rida.csv", delimiter=";", encoding="utf-8-sig"):
    lines = []
    for row in [header, *rows]:
        cells = ['"' + str(cell).replace('"', '""') + '"' for cell in row]
        lines.append(delimiter.join(cells))
    return SimpleUploadedFile(name, "\r\n".join(lines).encode(encoding), content_type="text/csv")


def xlsx_file(rows, *, header=HEADER, name="rida.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([int(row[0]) if str(row[0]).isdigit() else row[0], *row[1:]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def import_url(workshop):
    return reverse("workshops:rida_import", kwargs={"pk": workshop.pk})


def preview(client, workshop, upload):
    return client.post(import_url(workshop), {"file": upload})


def payload_of(response) -> str:
    match = re.search(r'name="payload" value="([^"]+)"', response.content.decode())
    return match and match.group(1)


def problems_of(workshop, upload):
    return [problem for row in check_rows(workshop, read_rida_file(upload).rows) for problem in row.problems]


@pytest.fixture
def workshop(db):
    return WorkshopFactory(status=Workshop.Status.DRAFT)


# Accepted files ---------------------------------------------------------------------------------


def test_a_valid_csv_is_previewed_then_imported(client_for, editor, workshop):
    client = client_for(editor)
    response = preview(client, workshop, csv_file(GOOD_ROWS))
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 items seront créés" in html
    assert RidaItem.objects.count() == 0  # a preview writes nothing
    response = client.post(import_url(workshop), {"payload": payload_of(response)})
    assert response.status_code == 302
    items = list(workshop.rida_items.order_by("number"))
    assert [(i.number, i.nature, i.object) for i in items] == [(int(r[0]), r[1], r[2]) for r in GOOD_ROWS]
    assert items[0].question == "Un opérateur indique…\n\nSecond paragraphe."
    assert items[1].action_status == "open"
    assert items[0].history.get().history_change_reason == "Import du tableau RIDA"
    assert items[0].history.get().history_user == editor


def test_a_valid_xlsx_is_imported(client_for, editor, workshop):
    client = client_for(editor)
    response = preview(client, workshop, xlsx_file(GOOD_ROWS))
    client.post(import_url(workshop), {"payload": payload_of(response)})
    assert list(workshop.rida_items.values_list("number", "nature")) == [(1, "I"), (2, "A"), (3, "D")]


def test_a_french_excel_csv_in_windows_1252_with_full_nature_words_is_read(workshop):
    rows = [["1", "Décision", "Qualité des BAL", "Question ?", "Réponse."], ["2", "action", "Suivi", "", ""]]
    table = read_rida_file(csv_file(rows, encoding="cp1252", header=["N°", "nature", "OBJET", "Question/Remarque", "Reponse"]))
    checked = check_rows(workshop, table.rows)
    assert [(r.number, r.nature, r.object, r.problems) for r in checked] == [
        (1, "D", "Qualité des BAL", []),
        (2, "A", "Suivi", []),
    ]


def test_owner_and_due_date_columns_are_read_for_actions(workshop):
    header = [*HEADER, "Responsable", "Échéance", "Statut"]
    rows = [["1", "A", "Performance", "Q ?", "R.", "ANS", "30/06/2022", "Ouverte"]]
    table = read_rida_file(csv_file(rows, header=header))
    assert table.ignored_columns == ["Statut"]
    services.import_rida(workshop=workshop, rows=table.rows)
    item = workshop.rida_items.get()
    assert (item.owner, item.due_on.isoformat()) == ("ANS", "2022-06-30")


def test_an_export_of_the_minutes_imports_again_into_another_workshop(anonymous, workshop):
    seed = seed_workshop()
    exported = anonymous.get(reverse("workshops:rida_csv", kwargs={"pk": seed.pk})).content
    services.import_rida(workshop=workshop, rows=read_rida_file(SimpleUploadedFile("export.csv", exported)).rows)
    assert list(workshop.rida_items.values_list("number", "nature", "object")) == list(
        seed.rida_items.values_list("number", "nature", "object")
    )


# Rejected rows ----------------------------------------------------------------------------------


def test_an_unknown_nature_is_refused(workshop):
    problems = problems_of(workshop, csv_file([["1", "X", "Objet", "", ""]]))
    assert problems == ["Nature « X » inconnue : indiquez I (information), D (décision) ou A (action)."]


def test_a_missing_nature_is_refused(workshop):
    assert problems_of(workshop, csv_file([["1", "", "Objet", "", ""]])) == ["La nature est manquante : indiquez I, D ou A."]


def test_a_missing_object_is_refused(workshop):
    assert problems_of(workshop, csv_file([["1", "I", "   ", "Q", "R"]])) == ["L'objet est manquant."]


def test_a_number_twice_in_the_file_is_refused(workshop):
    problems = problems_of(workshop, csv_file([["1", "I", "A", "", ""], ["1", "I", "B", "", ""]]))
    assert problems == ["Le numéro 1 figure déjà ligne 2 du fichier."]


def test_a_number_already_in_the_workshop_is_refused(workshop):
    RidaItemFactory(workshop=workshop, number=2)
    assert problems_of(workshop, csv_file([["2", "I", "Objet", "", ""]])) == ["L'item n° 2 existe déjà dans cet atelier."]


def test_a_missing_or_bad_number_is_refused(workshop):
    problems = problems_of(workshop, csv_file([["", "I", "A", "", ""], ["deux", "I", "B", "", ""], ["0", "I", "C", "", ""]]))
    assert problems == [
        "Le numéro (#) est manquant.",
        "Le numéro « deux » n'est pas un entier positif.",
        "Le numéro « 0 » n'est pas un entier positif.",
    ]


def test_action_fields_on_an_information_and_a_bad_date_are_refused(workshop):
    header = [*HEADER, "Responsable", "Échéance"]
    problems = problems_of(workshop, csv_file([["1", "I", "Objet", "", "", "ANS", ""], ["2", "A", "Objet", "", "", "", "bientôt"]], header=header))
    assert problems == [
        "Seule une action (nature A) a un responsable ou une échéance.",
        "Échéance « bientôt » illisible : écrivez-la JJ/MM/AAAA.",
    ]


# Rejected files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("rida.pdf", b"%PDF-1.7 ..."), "Format non pris en charge"),
        (SimpleUploadedFile("rida.xls", b"\xd0\xcf\x11\xe0"), "Format non pris en charge"),
        (SimpleUploadedFile("rida.csv", b"   \r\n"), "est vide"),
        (SimpleUploadedFile("rida.csv", "#;Nature;Objet;Question / Remarque;Réponse\r\n".encode()), "aucune ligne"),
        (SimpleUploadedFile("rida.csv", b"#;Nature;Objet\r\n1;I;x\r\n"), "Colonnes manquantes : « Question / Remarque », « Réponse »"),
        (SimpleUploadedFile("rida.xlsx", b"not a zip at all"), "fichier .xlsx est illisible"),
        (SimpleUploadedFile("rida.csv", b"\x00\x01\x02binary"), "données binaires"),
    ],
    ids=["pdf", "xls", "empty", "header-only", "missing-columns", "fake-xlsx", "binary-csv"],
)
def test_a_bad_file_is_refused_with_a_clear_message_and_changes_nothing(client_for, editor, workshop, upload, message):
    RidaItemFactory(workshop=workshop, number=1)
    response = preview(client_for(editor), workshop, upload)
    assert response.status_code == 200
    html = response.content.decode()
    assert french_text(message) in html  # as a French reader sees it
    assert 'name="payload"' not in html
    assert list(workshop.rida_items.values_list("number", flat=True)) == [1]


def test_an_empty_upload_is_refused(client_for, editor, workshop):
    response = client_for(editor).post(import_url(workshop), {})
    assert "fr-upload-group--error" in response.content.decode()
    assert RidaItem.objects.count() == 0


def test_a_file_with_one_bad_row_creates_nothing_and_lists_every_problem(client_for, editor, workshop):
    rows = [*GOOD_ROWS, ["4", "Z", "", "", ""]]
    response = preview(client_for(editor), workshop, csv_file(rows))
    html = response.content.decode()
    assert "2 problèmes empêchent l" in html
    assert "Nature «\u202fZ\u202f» inconnue" in html and "L’objet est manquant." in html
    assert 'name="payload"' not in html  # nothing to confirm
    assert RidaItem.objects.count() == 0


def test_the_service_refuses_the_whole_import_when_one_row_is_bad(workshop):
    rows = read_rida_file(csv_file([*GOOD_ROWS, ["4", "I", "", "", ""]])).rows
    with pytest.raises(DomainError) as error:
        services.import_rida(workshop=workshop, rows=rows)
    assert error.value.problems == ["Ligne 5 : L'objet est manquant."]
    assert RidaItem.objects.count() == 0


def test_reimporting_the_same_file_previews_every_row_as_a_duplicate(client_for, editor, workshop):
    client = client_for(editor)
    client.post(import_url(workshop), {"payload": payload_of(preview(client, workshop, csv_file(GOOD_ROWS)))})
    html = preview(client, workshop, csv_file(GOOD_ROWS)).content.decode()
    assert html.count("existe déjà dans cet atelier") == 3
    assert 'name="payload"' not in html
    assert workshop.rida_items.count() == 3


def test_a_confirmation_refused_when_items_were_added_since_the_preview(client_for, editor, workshop):
    client = client_for(editor)
    payload = payload_of(preview(client, workshop, csv_file(GOOD_ROWS)))
    RidaItemFactory(workshop=workshop, number=2, object="Ajouté entre-temps")
    response = client.post(import_url(workshop), {"payload": payload})
    assert response.status_code == 409
    assert "existe déjà dans cet atelier" in response.content.decode()
    assert list(workshop.rida_items.values_list("object", flat=True)) == ["Ajouté entre-temps"]


def test_a_tampered_or_foreign_payload_is_refused(client_for, editor, workshop):
    client = client_for(editor)
    payload = payload_of(preview(client, workshop, csv_file(GOOD_ROWS)))
    assert client.post(import_url(workshop), {"payload": payload[:-2] + "xx"}).status_code == 302
    other = WorkshopFactory()
    assert client.post(import_url(other), {"payload": payload}).status_code == 302
    assert RidaItem.objects.count() == 0


# Rights -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["anonymous", "contributor_a"])
def test_import_is_for_editors_only_and_nothing_changes(persona, request, client_for, editor, workshop):
    payload = payload_of(preview(client_for(editor), workshop, csv_file(GOOD_ROWS)))
    client = client_for(None if persona == "anonymous" else request.getfixturevalue(persona))
    assert client.get(import_url(workshop)).status_code == 403
    assert preview(client, workshop, csv_file(GOOD_ROWS)).status_code == 403
    assert client.post(import_url(workshop), {"payload": payload}).status_code == 403
    assert RidaItem.objects.count() == 0


def test_an_object_cell_merged_over_two_rows_is_the_object_of_both(workshop):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([1, "I", "API LPS - Jeton", "Première question", "Première réponse"])
    sheet.append([2, "D", None, "Seconde question", "Seconde réponse"])
    sheet.merge_cells("C2:C3")
    buffer = io.BytesIO()
    workbook.save(buffer)

    rows = check_rows(workshop, read_rida_file(SimpleUploadedFile("rida.xlsx", buffer.getvalue())).rows)

    assert [row.problems for row in rows] == [[], []]
    assert [row.object for row in rows] == ["API LPS - Jeton", "API LPS - Jeton"]


def test_a_zip_bomb_posing_as_a_rida_xlsx_is_refused(workshop):
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w") as stream:
            for _ in range(50):
                stream.write(b"\0" * (1024 * 1024))
    with pytest.raises(DomainError, match="décompress"):
        read_rida_file(SimpleUploadedFile("rida.xlsx", buffer.getvalue()))
