"""Reading CSV and XLSX files people made by hand, with the habits of Excel in French and guards
against hostile files: one implementation for every import (requirements, RIDA tables).

- CSV: UTF-8 (with or without a byte-order mark) or Windows-1252; semicolon, comma or tab.
- XLSX: the first sheet; a merged cell gives its value to every cell of the merge (a *Objet*
  merged over two rows is the object of both); formulas are refused (never evaluated) or, for
  tables whose formulas are harmless, read as the value Excel stored.
- Guards: the size is checked before reading; an archive that would inflate past a limit (zip
  bomb) is refused before openpyxl opens it; rows are counted as they are read.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import DomainError

MAX_UNCOMPRESSED = 40 * 1024 * 1024
MAX_RATIO = 200  # deflate rarely beats 1:100 on real sheets; bombs go far beyond


class SpreadsheetError(DomainError):
    """The file cannot be read as a table; nothing was imported."""

    default_message = gettext_lazy("Ce fichier ne peut pas être lu comme un tableau.")


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def check_zip(data: bytes, *, label: str) -> None:
    """Refuse an archive that is damaged or would inflate beyond the limits, before anything inflates it."""
    unreadable = _("Ce fichier %(label)s est illisible : enregistrez-le à nouveau depuis votre tableur.") % {"label": label}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise SpreadsheetError(unreadable) from None
    with archive:
        total = sum(info.file_size for info in archive.infolist())
        packed = sum(info.compress_size for info in archive.infolist()) or 1
    if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
        raise SpreadsheetError(
            _("Ce fichier %(label)s se décompresse en %(size)s Mo (au plus %(max)s Mo) : refusé, il ressemble à une bombe de décompression.")
            % {"label": label, "size": total // (1024 * 1024), "max": MAX_UNCOMPRESSED // (1024 * 1024)}
        )


def xlsx_rows(data: bytes, *, max_rows: int, formulas: str = "refuse") -> list[tuple[int, list[str]]]:
    """(line, cells) of the first sheet. ``formulas``: ``"refuse"`` (any formula is an error naming
    its cell) or ``"values"`` (the value Excel stored is read)."""
    from openpyxl import load_workbook

    check_zip(data, label=".xlsx")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=False, data_only=formulas == "values")
    except Exception:  # openpyxl raises many kinds of errors on a damaged workbook
        raise SpreadsheetError(_("Ce fichier .xlsx est illisible : enregistrez-le à nouveau depuis votre tableur.")) from None
    try:
        sheet = workbook.worksheets[0]
        if sheet.max_row > max_rows + 50:
            raise SpreadsheetError(_("La feuille compte plus de %(max)s lignes : découpez-la.") % {"max": max_rows})
        grid: dict[tuple[int, int], object] = {}
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.data_type == "f"):
                    raise SpreadsheetError(
                        _("Cellule %(cell)s (ligne %(line)s) : les formules sont refusées ; collez la valeur à la place.")
                        % {"cell": cell.coordinate, "line": cell.row}
                    )
                grid[(cell.row, cell.column)] = cell.value
        # A merged cell holds its value in its top-left cell only: every cell of the merge gets it.
        for merged in sheet.merged_cells.ranges:
            value = grid.get((merged.min_row, merged.min_col))
            for row in range(merged.min_row, merged.max_row + 1):
                for column in range(merged.min_col, merged.max_col + 1):
                    if value is not None:
                        grid[(row, column)] = value
        width = max((column for _row, column in grid), default=0)
        lines = max((row for row, _column in grid), default=0)
        return [(line, [cell_text(grid.get((line, column))) for column in range(1, width + 1)]) for line in range(1, lines + 1)]
    finally:
        workbook.close()


def csv_rows(data: bytes, *, max_rows: int) -> list[tuple[int, list[str]]]:
    if b"\x00" in data:
        raise SpreadsheetError(_("Ce fichier CSV est illisible : il contient des données binaires."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel in French saves "CSV (séparateur : point-virgule)" in Windows-1252.
        text = data.decode("cp1252", errors="replace")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max([";", ",", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    previous_end = 0
    try:
        for values in reader:
            # A quoted cell may span lines: a row is numbered by the line it starts on.
            rows.append((previous_end + 1, [cell_text(value) for value in values]))
            previous_end = reader.line_num
            if len(rows) > max_rows + 50:
                raise SpreadsheetError(_("Le fichier compte plus de %(max)s lignes : découpez-le.") % {"max": max_rows})
    except csv.Error:
        raise SpreadsheetError(
            _("Ce fichier CSV est illisible ligne %(line)s : vérifiez les guillemets et le séparateur.") % {"line": reader.line_num}
        ) from None
    return rows
