"""Uploads cannot exhaust memory: every CSV/XLSX upload (RIDA import, answer register) is bounded before
it is parsed — archive members' uncompressed size and compression ratio, rows, cell length — and refused
with a clear message; nothing oversized is echoed back."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from consultation import services
from core import tabular
from workshops.models import Workshop
from tests.factories import filled_version

from tests.workshops.factories import WorkshopFactory

HEADER = ["#", "Nature", "Objet", "Question / Remarque", "Réponse"]


def workbook_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_shared_string(data: bytes, text: str) -> bytes:
    """The workbook ``data`` whose first cell is a shared string ``text``, compressed as Excel would."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for member in source.infolist():
            # openpyxl stores the text of A1 as shared string 0: that string is replaced.
            if member.filename != "xl/sharedStrings.xml":
                target.writestr(member, source.read(member))
        target.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
            + text.encode()
            + b"</t></si></sst>",
        )
    return out.getvalue()


@pytest.fixture
def inflating_xlsx():
    """A small file (a few KB) whose shared strings inflate to one 3 MB cell."""
    data = with_shared_string(workbook_bytes([["x"]]), "A" * 3_000_000)
    assert len(data) < 50_000
    return data


def test_an_archive_that_inflates_a_thousandfold_is_refused_before_it_is_parsed(inflating_xlsx):
    with pytest.raises(tabular.TabularFileError, match="décompresse plus de 100 fois"):
        tabular.check_archive(inflating_xlsx)


def test_an_archive_member_beyond_the_uncompressed_bound_is_refused(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_MEMBER_BYTES", 10_000)
    data = workbook_bytes([["une cellule", "x" * 5_000, "y" * 6_000]])
    with pytest.raises(tabular.TabularFileError, match="une fois décompressé"):
        tabular.check_archive(data)


def test_a_cell_longer_than_the_bound_is_refused_with_its_place(monkeypatch):
    # The real bound is a spreadsheet's own cell limit, which openpyxl will not write past: a lower one here.
    monkeypatch.setattr(tabular, "MAX_CELL_CHARS", 100)
    data = workbook_bytes([HEADER, ["1", "I", "Objet", "Q" * 101, "R"]])
    with pytest.raises(tabular.TabularFileError, match="ligne 2, colonne 4"):
        tabular.read_grid(SimpleUploadedFile("rida.xlsx", data), max_rows=10)


def test_a_runaway_sheet_is_refused_past_the_row_bound():
    data = workbook_bytes([HEADER, *[[str(n), "I", "Objet", "Q", "R"] for n in range(1, 400)]])
    with pytest.raises(tabular.TabularFileError, match="plus de 110 lignes"):
        tabular.read_grid(SimpleUploadedFile("rida.xlsx", data), max_rows=10)


def test_a_csv_is_held_to_the_same_bounds():
    text = ";".join(HEADER) + "\n" + "1;I;Objet;" + "Q" * (tabular.MAX_CELL_CHARS + 1) + ";R\n"
    with pytest.raises(tabular.TabularFileError, match="colonne 4"):
        tabular.read_grid(SimpleUploadedFile("rida.csv", text.encode()), max_rows=10)


@pytest.mark.django_db
def test_the_rida_import_page_refuses_an_inflating_file_without_echoing_it(inflating_xlsx, editor, client_for):
    workshop = WorkshopFactory(status=Workshop.Status.DRAFT)
    url = reverse("workshops:rida_import", kwargs={"pk": workshop.pk})
    response = client_for(editor).post(url, {"file": SimpleUploadedFile("rida.xlsx", inflating_xlsx)})
    assert "décompresse plus de 100 fois" in response.content.decode()
    assert len(response.content) < 200_000
    assert not workshop.rida_items.exists()


@pytest.mark.django_db
def test_the_rida_import_page_refuses_an_oversized_csv_cell_without_echoing_it(editor, client_for):
    workshop = WorkshopFactory(status=Workshop.Status.DRAFT)
    url = reverse("workshops:rida_import", kwargs={"pk": workshop.pk})
    content = (";".join(HEADER) + "\n1;I;" + "O" * 50_000 + ";Q;R\n").encode()
    response = client_for(editor).post(url, {"file": SimpleUploadedFile("rida.csv", content)})
    assert "colonne 3" in response.content.decode()
    assert "O" * 1000 not in response.content.decode()


@pytest.mark.django_db
def test_the_answer_register_import_refuses_an_inflating_file(inflating_xlsx, editor, client_for):
    now = timezone.now()
    consultation = services.open_consultation(
        version=filled_version(), opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1), by=editor
    )
    url = reverse("consultation:register_import", kwargs={"pk": consultation.pk})
    response = client_for(editor).post(url, {"file": SimpleUploadedFile("registre.xlsx", inflating_xlsx)})
    assert response.status_code == 400
    assert "décompresse plus de 100 fois" in response.content.decode()
    assert len(response.content) < 200_000
