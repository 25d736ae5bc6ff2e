"""The RIDA table as CSV or XLSX, with the columns of the minutes (so an export can be imported again).

The table is always written in French, whatever the reader's language: it is the minutes' own table,
and its headers are what the import reads.

Spreadsheets evaluate a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula: text typed by
users must never run as one (CSV injection). In CSV such a cell gets a leading apostrophe, which
spreadsheets hide; in XLSX every cell is written as a typed text cell, which is never evaluated.
"""

from django.utils import translation
from django.utils.translation import gettext as _

from core.tabular import csv_bytes, xlsx_bytes

from .models import RidaItem, Workshop


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


RIDA_WIDTHS = (5, 8, 30, 60, 60, 16, 12, 12, 30, 18)


@translation.override("fr")
def rida_csv(items: list[RidaItem]) -> bytes:
    return csv_bytes(headers(), (item_row(item) for item in items))


@translation.override("fr")
def rida_xlsx(workshop: Workshop, items: list[RidaItem]) -> bytes:
    return xlsx_bytes(
        headers(),
        (item_row(item) for item in items),
        sheet_title=_("RIDA atelier %(number)s") % {"number": workshop.number},
        widths=RIDA_WIDTHS,
    )
