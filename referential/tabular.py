"""CSV and XLSX files, one implementation for every table the project exports.

Spreadsheets evaluate a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula: text
typed by users must never run as one (CSV injection). In CSV such a cell gets a leading
apostrophe, which spreadsheets hide; in XLSX every text is written as a typed text cell, which
is never evaluated and keeps the text exactly (so an export can be imported back).
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(text: str) -> str:
    """Text that no spreadsheet will read as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if timezone.is_aware(value) else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool | int | float):
        return str(value)
    return neutralise(str(value))


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a byte-order mark and semicolons, which is what Excel in French opens directly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(
    headers: Sequence[str], rows: Iterable[Sequence], *, sheet_title: str = "Export", widths: Sequence[int] | None = None
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(sheet_title)[:31]
    sheet.append([str(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="000091")
    wrap = Alignment(wrap_text=True, vertical="top")
    for row_index, row in enumerate(rows, start=2):
        for column_index, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_index, column=column_index)
            if isinstance(value, datetime) and timezone.is_aware(value):
                value = timezone.localtime(value).replace(tzinfo=None)
            if value is None:
                continue
            if isinstance(value, str):
                cell.value = value
                cell.data_type = "s"  # text, never a formula, whatever it starts with
            else:
                cell.value = value
                if isinstance(value, date):
                    cell.number_format = "DD/MM/YYYY HH:MM" if isinstance(value, datetime) else "DD/MM/YYYY"
            cell.alignment = wrap
    for index, column in enumerate(sheet.columns):
        letter = column[0].column_letter
        if widths and index < len(widths):
            sheet.column_dimensions[letter].width = widths[index]
        else:
            longest = max((len(str(c.value or "")) for c in column[:200]), default=10)
            sheet.column_dimensions[letter].width = min(max(longest, 8), 60)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_download(filename: str, headers, rows) -> HttpResponse:
    return download(csv_bytes(headers, rows), filename=filename, content_type="text/csv; charset=utf-8")


def xlsx_download(filename: str, headers, rows, *, sheet_title: str = "Export", widths=None) -> HttpResponse:
    return download(
        xlsx_bytes(headers, rows, sheet_title=sheet_title, widths=widths), filename=filename, content_type=XLSX_CONTENT_TYPE
    )
