"""CSV and XLSX files, one implementation for every table the project exports.

Spreadsheets evaluate a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula: text
typed by users must never run as one (CSV injection). In CSV such a cell gets a leading
apostrophe, which spreadsheets hide; in XLSX every text is written as a typed text cell, which
is never evaluated and keeps the text exactly (so an export can be imported back).
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from .errors import DomainError

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


# Reading uploads ----------------------------------------------------------------------------------
#
# Every CSV or XLSX a user uploads is read here, and bounded before it is parsed: an XLSX is a zip
# archive whose members may inflate a thousandfold (a 100 KB file holding one 100 MB cell), so the
# declared uncompressed size and compression ratio of each member are checked first — zipfile never
# inflates a member beyond its declared size — then rows, columns and cell lengths while reading.
# A refusal is a ``TabularFileError`` with a message for the person who uploaded the file.

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_MEMBER_BYTES = 25 * 1024 * 1024  # uncompressed, per archive member
MAX_ARCHIVE_BYTES = 60 * 1024 * 1024  # uncompressed, all members together
MAX_RATIO = 100  # uncompressed / compressed, per member of more than 1 MB
MAX_COLUMNS = 40
MAX_CELL_CHARS = 32_767  # what a spreadsheet cell itself can hold


class TabularFileError(DomainError):
    """An uploaded table is refused as a whole (unreadable, or beyond a bound); nothing was imported."""

    default_message = gettext_lazy("Ce fichier ne peut pas être importé.")


def read_upload(uploaded, *, max_bytes: int = MAX_UPLOAD_BYTES) -> bytes:
    """The bytes of an uploaded file, refused beyond ``max_bytes`` without reading further."""
    too_big = _("Le fichier dépasse %(size)s Mo.") % {"size": max_bytes // (1024 * 1024)}
    if getattr(uploaded, "size", 0) and uploaded.size > max_bytes:
        raise TabularFileError(too_big)
    data = uploaded.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TabularFileError(too_big)
    return data


def check_archive(data: bytes) -> None:
    """Refuse an XLSX whose members would inflate beyond the bounds, before any of them is read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise TabularFileError(_("Ce fichier .xlsx est illisible : enregistrez-le à nouveau depuis votre tableur.")) from None
    with archive:
        members = archive.infolist()
    inflated = _("Ce fichier .xlsx est refusé : une fois décompressé, il dépasserait %(size)s Mo.")
    if sum(member.file_size for member in members) > MAX_ARCHIVE_BYTES:
        raise TabularFileError(inflated % {"size": MAX_ARCHIVE_BYTES // (1024 * 1024)})
    for member in members:
        if member.file_size > MAX_MEMBER_BYTES:
            raise TabularFileError(inflated % {"size": MAX_MEMBER_BYTES // (1024 * 1024)})
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise TabularFileError(
                _("Ce fichier .xlsx est refusé : il se décompresse plus de %(ratio)s fois, ce qu'un tableur ne produit pas.")
                % {"ratio": MAX_RATIO}
            )


def _bounded_row(values, line: int, cell_text) -> list[str]:
    row = [cell_text(value) for value in values]
    for column, text in enumerate(row, start=1):
        if len(text) > MAX_CELL_CHARS:
            raise TabularFileError(
                _("La cellule de la ligne %(line)s, colonne %(column)s, dépasse %(count)s caractères : le fichier est refusé.")
                % {"line": line, "column": column, "count": MAX_CELL_CHARS}
            )
    return row


def _too_many_rows(max_rows: int) -> TabularFileError:
    return TabularFileError(_("Le fichier a plus de %(count)s lignes : découpez-le.") % {"count": max_rows})


def xlsx_grid(data: bytes, *, max_rows: int, cell_text) -> list[list[str]]:
    """The first sheet as rows of text (``cell_text`` turns each value into text), within every bound:
    at most ``max_rows`` non-empty rows under one header row, ``MAX_COLUMNS`` columns, cells of at most
    ``MAX_CELL_CHARS`` characters. Empty rows stay (as ``[]``) so line numbers match the sheet's."""
    from openpyxl import load_workbook

    check_archive(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on a damaged workbook
        raise TabularFileError(_("Ce fichier .xlsx est illisible : enregistrez-le à nouveau depuis votre tableur.")) from None
    try:
        grid, filled = [], 0
        for line, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
            row = _bounded_row(values, line, cell_text)
            filled += bool(any(row))
            if filled > max_rows + 1:
                raise _too_many_rows(max_rows)
            grid.append(row if any(row) else [])
        return grid
    except TabularFileError:
        raise
    except Exception:  # a damaged sheet fails while streaming, not only on opening
        raise TabularFileError(_("Ce fichier .xlsx est illisible : enregistrez-le à nouveau depuis votre tableur.")) from None
    finally:
        workbook.close()


def csv_grid(text: str, *, delimiter: str, max_rows: int, cell_text) -> list[list[str]]:
    """Rows of a CSV text, within the same bounds as an XLSX."""
    grid, filled = [], 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for line, values in enumerate(reader, start=1):
        row = _bounded_row(values[:MAX_COLUMNS], line, cell_text)
        filled += bool(any(row))
        if filled > max_rows + 1:
            raise _too_many_rows(max_rows)
        grid.append(row if any(row) else [])
    return grid
