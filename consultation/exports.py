"""The RIDA table as CSV or XLSX, with the columns of the minutes (so an export can be imported again).

The table is always written in French, whatever the reader's language: it is the minutes' own table,
and its headers are what the import reads.

Spreadsheets evaluate a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula: text typed by
users must never run as one (CSV injection). In CSV such a cell gets a leading apostrophe, which
spreadsheets hide; in XLSX every cell is written as a typed text cell, which is never evaluated.
"""

import csv
import io

from django.utils import translation
from django.utils.translation import gettext as _

from .models import RidaItem, Workshop

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def headers() -> list[str]:
    return [
        "#",
        _("Nature"),
        _("Objet"),
        _("Question / Remarque"),
        _("Réponse"),
        _("Responsable"),
        _("Échéance"),
        _("Statut"),
        _("Note de clôture"),
        _("Exigences"),
    ]


def item_row(item: RidaItem) -> list:
    """One item as cells; ``requirement_links`` should be prefetched with their referential."""
    links = "; ".join(f"{link.referential.code} {link.requirement_key}" for link in item.requirement_links.all())
    return [
        item.number,
        item.nature,
        item.object,
        item.question,
        item.answer,
        item.owner,
        item.due_on,
        item.get_action_status_display() if item.is_action else "",
        item.closing_note,
        links,
    ]


def neutralise(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_TRIGGERS) else value


@translation.override("fr")
def rida_csv(items: list[RidaItem]) -> bytes:
    """UTF-8 with a byte-order mark and semicolons, which is what Excel in French opens directly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(headers())
    for item in items:
        writer.writerow([_csv_cell(value) for value in item_row(item)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


@translation.override("fr")
def rida_xlsx(workshop: Workshop, items: list[RidaItem]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("RIDA atelier %(number)s") % {"number": workshop.number}
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="000091")
    wrap = Alignment(wrap_text=True, vertical="top")
    for row_index, item in enumerate(items, start=2):
        for column_index, value in enumerate(item_row(item), start=1):
            cell = sheet.cell(row=row_index, column=column_index)
            if isinstance(value, str):
                cell.value = value
                cell.data_type = "s"  # text, never a formula, whatever it starts with
            else:
                cell.value = value
                if hasattr(value, "strftime"):
                    cell.number_format = "DD/MM/YYYY"
            cell.alignment = wrap
    for letter, width in zip("ABCDEFGHIJ", (5, 8, 30, 60, 60, 16, 12, 12, 30, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
