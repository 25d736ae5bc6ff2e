"""CSV and XLSX files: one writer for every table the project exports, one reader for every upload.

Spreadsheets evaluate a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula: text
typed by users must never run as one (CSV injection). In CSV such a cell gets a leading
apostrophe, which spreadsheets hide; in XLSX every text is written as a typed text cell, which
is never evaluated and keeps the text exactly (so an export can be imported back).
"""

import csv
import io
import re
import unicodedata
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


# Reading ------------------------------------------------------------------------------------------
#
# Every upload (RIDA table, answer register…) is read here, in two steps: ``read_grid`` turns the file
# into rows of text cells, then the importer maps the header row with ``map_columns`` and checks the
# rows against the database. The grid holds strings only, so a preview can be signed and carried to
# its confirmation.

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A sheet with many blank rows stops being read past this many rows beyond the importer's maximum.
RUNAWAY_MARGIN = 100


class TabularFileError(DomainError):
    """The file as a whole cannot be read as a table; nothing was imported."""

    default_message = gettext_lazy("Ce fichier ne peut pas être importé.")


def normalise_header(text) -> str:
    """A column title without case, accents, spaces or punctuation: « Question / Remarque » → ``questionremarque``."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9#]", "", plain)


def cell_text(value) -> str:
    """A cell as text: dates as ``YYYY-MM-DD``, whole numbers without ``.0``, line breaks as ``\\n``, trimmed."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # Spreadsheets on Windows write line breaks as \r\n; stored texts use \n.
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def read_grid(
    uploaded,
    *,
    extensions: Sequence[str] = ("csv", "xlsx"),
    max_rows: int = 500,
    max_bytes: int = MAX_UPLOAD_BYTES,
    error: type[DomainError] = TabularFileError,
) -> tuple[str, list[list[str]]]:
    """Read an uploaded ``.csv`` (UTF-8 or Windows-1252; comma, semicolon or tab) or ``.xlsx`` (first
    sheet, values not formulas) into ``(file name, rows of text cells)``.

    Raises ``error`` (a ``DomainError``) with a message for a person when no file was sent, the file is
    larger than ``max_bytes``, empty, of another extension than ``extensions``, or unreadable.
    """
    formats = " ".join(f".{extension}" for extension in extensions)
    if uploaded is None:
        raise error(_("Choisissez un fichier (%(formats)s).") % {"formats": formats})
    name = getattr(uploaded, "name", "") or ""
    extension = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if extension not in extensions:
        raise error(
            _("Format non pris en charge (« %(name)s ») : déposez un fichier %(formats)s.") % {"name": name, "formats": formats}
        )
    too_large = _("Le fichier dépasse %(size)s Mo.") % {"size": max_bytes // (1024 * 1024)}
    if getattr(uploaded, "size", 0) and uploaded.size > max_bytes:
        raise error(too_large)
    data = uploaded.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise error(too_large)
    if not data.strip():
        raise error(_("Le fichier « %(name)s » est vide.") % {"name": name})
    grid = _xlsx_grid(data, max_rows + RUNAWAY_MARGIN, error) if extension == "xlsx" else _csv_grid(data, error)
    return name, grid


def _xlsx_grid(data: bytes, row_limit: int, error: type[DomainError]) -> list[list[str]]:
    from openpyxl import load_workbook  # import here: only uploads need the reader's machinery

    unreadable = _("Ce fichier .xlsx est illisible : enregistrez-le à nouveau depuis votre tableur.")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise error(unreadable)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on a damaged workbook
        raise error(unreadable) from None
    try:
        grid = []
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            grid.append([cell_text(value) for value in values])
            if len(grid) > row_limit:  # blank rows are skipped later; stop reading a runaway sheet
                break
        return grid
    finally:
        workbook.close()


def _csv_grid(data: bytes, error: type[DomainError]) -> list[list[str]]:
    if b"\x00" in data:
        raise error(_("Ce fichier CSV est illisible : il contient des données binaires."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel in French saves "CSV (séparateur : point-virgule)" in Windows-1252.
        text = data.decode("cp1252", errors="replace")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max([";", ",", "\t"], key=first_line.count)
    try:
        return [[cell_text(value) for value in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error:
        raise error(_("Ce fichier CSV est illisible : vérifiez les guillemets et le séparateur.")) from None


def table_rows(
    grid: list[list[str]],
    *,
    name: str,
    columns: dict[str, tuple[str, set[str]]],
    required: Sequence[str],
    max_rows: int,
    error: type[DomainError] = TabularFileError,
    missing_hint: str = "",
) -> tuple[list[dict], list[str]]:
    """Map a grid's first non-empty row (its headers) to fields and return ``(rows, ignored titles)``.

    ``columns`` maps each field to ``(title as written, spellings accepted once normalised)``. Each
    row is ``{"line": n, field: text…}`` (``line`` counts from 1 in the file); blank rows are skipped.
    Raises ``error`` on an empty file, a column given twice, a ``required`` column missing
    (``missing_hint`` is added to that message), no row, or more than ``max_rows`` rows.
    """
    numbered = [(line, cells) for line, cells in enumerate(grid, start=1) if any(cells)]
    if not numbered:
        raise error(_("Le fichier « %(name)s » est vide.") % {"name": name})
    _header_line, header = numbered[0]
    positions: dict[str, int] = {}
    ignored = []
    for position, title in enumerate(header):
        key = normalise_header(title)
        fieldname = next((f for f, (_label, spellings) in columns.items() if key in spellings), None)
        if fieldname is None:
            if title:
                ignored.append(title)
            continue
        if fieldname in positions:
            raise error(_("La colonne « %(column)s » apparaît deux fois dans les en-têtes.") % {"column": columns[fieldname][0]})
        positions[fieldname] = position
    missing = [columns[f][0] for f in required if f not in positions]
    if missing:
        message = _("Colonnes manquantes : %(columns)s.") % {"columns": ", ".join(f"« {column} »" for column in missing)}
        raise error(f"{message} {missing_hint}".strip())
    rows = []
    for line, cells in numbered[1:]:
        row = {"line": line, **{f: (cells[p] if p < len(cells) else "") for f, p in positions.items()}}
        if any(row[f] for f in positions):
            rows.append(row)
    if not rows:
        raise error(_("Le fichier ne contient aucune ligne après les en-têtes."))
    if len(rows) > max_rows:
        raise error(_("Le fichier compte plus de %(max)s lignes : découpez-le.") % {"max": max_rows})
    return rows, ignored
