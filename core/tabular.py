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
# What neither XML 1.0 nor an XLSX cell may hold: C0 controls but tab and line breaks, DEL, and
# the non-characters U+FFFE/U+FFFF. Word writes a manual line break as \x0b, a page break as \x0c.
LINE_BREAK_CONTROLS = re.compile(r"[\x0b\x0c]")
FORBIDDEN_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffe\uffff]")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def printable(text: str) -> str:
    """``text`` without the characters XML 1.0 and XLSX refuse: vertical tab and form feed become
    line breaks, other control characters go."""
    return FORBIDDEN_CONTROLS.sub("", LINE_BREAK_CONTROLS.sub("\n", text))


def neutralise(text: str) -> str:
    """Text that no spreadsheet will read as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def unneutralise(text: str) -> str:
    """A CSV cell as its author wrote it: the apostrophe ``neutralise`` put before a formula
    trigger is taken off again, so that our own CSV exports import back unchanged."""
    return text[1:] if text.startswith("'") and text[1:2] and text[1:2] in FORMULA_TRIGGERS else text


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
                cell.value = printable(value)
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

#
# Every upload is bounded before it is parsed: an XLSX is a zip archive whose members may inflate a
# thousandfold (a 100 KB file holding one 100 MB cell), so the declared uncompressed size and the
# compression ratio of each member are checked first — zipfile never inflates a member beyond its
# declared size — then rows, columns and cell lengths while reading.

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A sheet with many blank rows stops being read past this many rows beyond the importer's maximum.
RUNAWAY_MARGIN = 100
MAX_MEMBER_BYTES = 25 * 1024 * 1024  # uncompressed, per archive member
MAX_ARCHIVE_BYTES = 60 * 1024 * 1024  # uncompressed, all members together
MAX_RATIO = 100  # uncompressed / compressed, per member of more than 1 MB
MAX_COLUMNS = 40
MAX_CELL_CHARS = 32_767  # what a spreadsheet cell itself can hold
# openpyxl creates one object per cell of a merge: a 5 kB file merging A1:XFD1048576 would ask for
# 17 billion of them. A chapter column merged down 10,000 rows, in a few columns, stays far below.
MAX_MERGED_CELLS = 200_000


class TabularFileError(DomainError):
    """The file as a whole cannot be read as a table; nothing was imported."""

    default_message = gettext_lazy("Ce fichier ne peut pas être importé.")


def normalise_header(text) -> str:
    """A column title without case, accents, spaces or punctuation: « Question / Remarque » → ``questionremarque``."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9#]", "", plain)


def cell_text(value) -> str:
    """A cell as text: dates as ``YYYY-MM-DD``, whole numbers without ``.0``, line breaks as ``\\n``,
    no control characters (``printable``), trimmed."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # Spreadsheets on Windows write line breaks as \r\n; stored texts use \n.
    return printable(str(value).replace("\r\n", "\n").replace("\r", "\n")).strip()


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
    row_limit = max_rows + RUNAWAY_MARGIN
    grid = _xlsx_grid(data, row_limit, error) if extension == "xlsx" else _csv_grid(data, error, row_limit)
    return name, grid


def check_archive(data: bytes, error: type[DomainError] = TabularFileError) -> None:
    """Refuse an XLSX that is damaged or whose members would inflate beyond the bounds (all together
    ``MAX_ARCHIVE_BYTES``, each ``MAX_MEMBER_BYTES`` and ``MAX_RATIO``), before any of them is read.
    zipfile never inflates a member beyond its declared size, so the declared sizes are the bound."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise error(_("Ce fichier .xlsx est illisible : enregistrez-le à nouveau depuis votre tableur.")) from None
    with archive:
        members = archive.infolist()
    inflated = _(
        "Ce fichier .xlsx est refusé : une fois décompressé, il dépasserait %(size)s Mo ; il ressemble à une bombe de décompression."
    )
    if sum(member.file_size for member in members) > MAX_ARCHIVE_BYTES:
        raise error(inflated % {"size": MAX_ARCHIVE_BYTES // (1024 * 1024)})
    for member in members:
        if member.file_size > MAX_MEMBER_BYTES:
            raise error(inflated % {"size": MAX_MEMBER_BYTES // (1024 * 1024)})
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise error(
                _("Ce fichier .xlsx est refusé : il se décompresse plus de %(ratio)s fois, ce qu'un tableur ne produit pas.")
                % {"ratio": MAX_RATIO}
            )


def _bounded_row(values, line: int, error: type[DomainError]) -> list[str]:
    row = [cell_text(value) for value in values]
    for column, text in enumerate(row, start=1):
        if len(text) > MAX_CELL_CHARS:
            raise error(
                _("La cellule de la ligne %(line)s, colonne %(column)s, dépasse %(count)s caractères : le fichier est refusé.")
                % {"line": line, "column": column, "count": MAX_CELL_CHARS}
            )
    return row


def _xlsx_grid(data: bytes, row_limit: int, error: type[DomainError]) -> list[list[str]]:
    # Zip bombs and oversized cells refused before and while reading; merged cells filled (an *Objet*
    # merged over two rows is the object of both); formulas are read as the values Excel stored.
    try:
        rows = xlsx_rows(data, max_rows=row_limit, formulas="values")
    except TabularFileError as refusal:
        raise error(refusal.message) from None
    return [_bounded_row(cells, line, error) for line, cells in rows]


def _csv_grid(data: bytes, error: type[DomainError], row_limit: int) -> list[list[str]]:
    if b"\x00" in data:
        raise error(_("Ce fichier CSV est illisible : il contient des données binaires."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel in French saves "CSV (séparateur : point-virgule)" in Windows-1252.
        text = data.decode("cp1252", errors="replace")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max([";", ",", "\t"], key=first_line.count)
    grid = []
    try:
        for line, values in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            grid.append(_bounded_row([unneutralise(value) for value in values[:MAX_COLUMNS]], line, error))
            if len(grid) > row_limit:  # the importer counts the rows; stop reading a runaway file
                break
    except csv.Error:
        raise error(_("Ce fichier CSV est illisible : vérifiez les guillemets et le séparateur.")) from None
    return grid


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


# Reading requirement tables and other hand-made sheets ---------------------------------------------
#
# The habits of Excel in French and guards against hostile files. CSV: UTF-8 (with or without a
# byte-order mark) or Windows-1252; semicolon, comma or tab. XLSX: the first sheet; a merged cell
# gives its value to every cell of the merge; formulas are refused (never evaluated) or, for tables
# whose formulas are harmless, read as the value Excel stored. An archive that would inflate past a
# limit (zip bomb) is refused before openpyxl opens it. Rows are ``(line, cells)``: the line a row
# starts on in the file, for error messages.

MERGE_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")


def check_merges(data: bytes) -> None:
    """Refuse a workbook whose merged ranges, all sheets together, cover more than
    ``MAX_MERGED_CELLS`` cells, before openpyxl (which makes an object per merged cell) opens it.
    ``data`` has passed ``check_archive``: every sheet inflates within its limits."""
    from openpyxl.utils.cell import range_boundaries

    merged = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            for ref in MERGE_REF.findall(archive.read(info)):
                try:
                    min_col, min_row, max_col, max_row = range_boundaries(ref.decode("ascii", "replace"))
                except (TypeError, ValueError):
                    raise TabularFileError(_("Ce fichier .xlsx est illisible : enregistrez-le à nouveau depuis votre tableur.")) from None
                # A whole column or row (« A:A », « 3:3 ») leaves its other bound open: the sheet's end.
                rows = (max_row or 1_048_576) - (min_row or 1) + 1
                columns = (max_col or 16_384) - (min_col or 1) + 1
                merged += rows * columns
                if merged > MAX_MERGED_CELLS:
                    raise TabularFileError(
                        _("Ce fichier .xlsx fusionne plus de %(count)s cellules : refusé, défusionnez les plages inutiles.")
                        % {"count": MAX_MERGED_CELLS}
                    )


def xlsx_rows(data: bytes, *, max_rows: int, formulas: str = "refuse") -> list[tuple[int, list[str]]]:
    """(line, cells) of the first sheet, at most ``MAX_COLUMNS`` cells a row (further columns are
    ignored). ``formulas``: ``"refuse"`` (any formula is an error naming its cell) or ``"values"``
    (the value Excel stored is read). Raises ``TabularFileError`` on a damaged or hostile workbook
    (zip bomb, merges over more than ``MAX_MERGED_CELLS`` cells, more than ``max_rows`` + 50 rows)."""
    from openpyxl import load_workbook  # import here: only uploads need the reader's machinery

    check_archive(data)
    check_merges(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=False, data_only=formulas == "values")
    except Exception:  # openpyxl raises many kinds of errors on a damaged workbook
        raise TabularFileError(_("Ce fichier .xlsx est illisible : enregistrez-le à nouveau depuis votre tableur.")) from None
    try:
        sheet = workbook.worksheets[0]
        if sheet.max_row > max_rows + 50:
            raise TabularFileError(_("La feuille compte plus de %(max)s lignes : découpez-la.") % {"max": max_rows})
        grid: dict[tuple[int, int], object] = {}
        # iter_rows makes a cell object for every position of the rectangle it walks: bounded width.
        for row in sheet.iter_rows(max_col=min(sheet.max_column, MAX_COLUMNS)):
            for cell in row:
                if cell.value is None:
                    continue
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.data_type == "f"):
                    raise TabularFileError(
                        _("Cellule %(cell)s (ligne %(line)s) : les formules sont refusées ; collez la valeur à la place.")
                        % {"cell": cell.coordinate, "line": cell.row}
                    )
                grid[(cell.row, cell.column)] = cell.value
        # A merged cell holds its value in its top-left cell only: every cell of the merge gets it.
        for merged in sheet.merged_cells.ranges:
            value = grid.get((merged.min_row, merged.min_col))
            for row in range(merged.min_row, merged.max_row + 1):
                for column in range(merged.min_col, min(merged.max_col, MAX_COLUMNS) + 1):
                    if value is not None:
                        grid[(row, column)] = value
        width = max((column for _row, column in grid), default=0)
        lines = max((row for row, _column in grid), default=0)
        return [(line, [cell_text(grid.get((line, column))) for column in range(1, width + 1)]) for line in range(1, lines + 1)]
    finally:
        workbook.close()


def csv_rows(data: bytes, *, max_rows: int) -> list[tuple[int, list[str]]]:
    """(line, cells) of a CSV file (UTF-8 with or without BOM, else Windows-1252; semicolon, comma
    or tab), at most ``MAX_COLUMNS`` cells a row; the apostrophe our exports put before a formula
    trigger is taken off (``unneutralise``). Raises ``TabularFileError`` past ``max_rows`` + 50 rows."""
    if b"\x00" in data:
        raise TabularFileError(_("Ce fichier CSV est illisible : il contient des données binaires."))
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
            rows.append((previous_end + 1, [cell_text(unneutralise(value)) for value in values[:MAX_COLUMNS]]))
            previous_end = reader.line_num
            if len(rows) > max_rows + 50:
                raise TabularFileError(_("Le fichier compte plus de %(max)s lignes : découpez-le.") % {"max": max_rows})
    except csv.Error:
        raise TabularFileError(
            _("Ce fichier CSV est illisible ligne %(line)s : vérifiez les guillemets et le séparateur.") % {"line": reader.line_num}
        ) from None
    return rows
