"""The RIDA table downloaded as CSV and XLSX."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from .factories import RidaItemFactory, seed_workshop

pytestmark = pytest.mark.django_db

HEADERS = ["#", "Nature", "Objet", "Question / Remarque", "Réponse", "Responsable", "Échéance", "Statut", "Note de clôture", "Exigences"]


def csv_rows(response):
    body = response.content
    assert body.startswith("\ufeff".encode())  # Excel reads the accents
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_the_csv_has_the_columns_of_the_minutes_and_every_item(anonymous):
    workshop = seed_workshop()
    response = anonymous.get(reverse("workshops:rida_csv", kwargs={"pk": workshop.pk}))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == HEADERS
    assert [row[0] for row in rows[1:]] == [str(n) for n in range(1, 14)]
    assert rows[2][1:3] == ["A", "API LPS - Contenu/scope Accesstoken"]
    assert rows[2][7] == "Ouverte"
    assert rows[11][9] == "Ref#1 MSS 17"
    assert "\n\n" in rows[1][3]  # paragraphs survive


def test_the_csv_follows_the_nature_filter(anonymous):
    workshop = seed_workshop()
    rows = csv_rows(anonymous.get(reverse("workshops:rida_csv", kwargs={"pk": workshop.pk}) + "?nature=A"))
    assert [row[0] for row in rows[1:]] == ["2", "10"]


def test_formulas_are_neutralised_in_the_csv(anonymous):
    item = RidaItemFactory(object="=HYPERLINK(\"http://evil.example\",\"clic\")", question="+33 1 23", answer="@SUM(A1)", nature="A", owner="-ANS")
    rows = csv_rows(anonymous.get(reverse("workshops:rida_csv", kwargs={"pk": item.workshop.pk})))
    assert rows[1][2] == "'=HYPERLINK(\"http://evil.example\",\"clic\")"
    assert rows[1][3] == "'+33 1 23"
    assert rows[1][4] == "'@SUM(A1)"
    assert rows[1][5] == "'-ANS"


def test_the_xlsx_holds_text_cells_only_never_formulas(anonymous):
    item = RidaItemFactory(object="=1+1", answer="Réponse accentuée : « é »")
    response = anonymous.get(reverse("workshops:rida_xlsx", kwargs={"pk": item.workshop.pk}))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet["C2"].value == "=1+1" and sheet["C2"].data_type == "s"
    assert sheet["E2"].value == "Réponse accentuée : « é »"


def test_the_xlsx_of_the_seed_has_13_items(anonymous):
    workshop = seed_workshop()
    sheet = load_workbook(io.BytesIO(anonymous.get(reverse("workshops:rida_xlsx", kwargs={"pk": workshop.pk})).content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == list(range(1, 14))


def test_the_table_is_exported_in_french_whatever_the_reader_language(client_for):
    workshop = seed_workshop()
    client = client_for(None)
    client.cookies["django_language"] = "en"
    rows = csv_rows(client.get(reverse("workshops:rida_csv", kwargs={"pk": workshop.pk})))
    assert rows[0] == HEADERS and rows[2][7] == "Ouverte"
