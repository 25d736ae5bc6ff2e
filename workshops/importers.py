"""Reading a RIDA table from a CSV or XLSX file, and checking every row before anything is written.

The file has the columns of the minutes' RIDA table, headers on the first non-empty row:
``#``, ``Nature``, ``Objet``, ``Question / Remarque``, ``Réponse`` (all required), and optionally
``Responsable`` and ``Échéance`` (actions only). Headers are matched without regard to case,
accents or spacing; other columns (``Statut``, ``Exigences`` of our own export…) are ignored and
listed in the preview. Reading happens in two steps, so the preview and the final import run
exactly the same checks: ``read_rida_file`` turns the file into raw rows (strings only, so they
can be signed and carried to the confirmation), ``check_rows`` validates them against the workshop.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.tabular import normalise_header, read_grid, table_rows

from .models import RidaItem, Workshop

MAX_ROWS = 500

# field -> (header as written in the minutes, accepted spellings once normalised)
COLUMNS = {
    "number": ("#", {"#", "n", "no", "num", "numero", "item"}),
    "nature": ("Nature", {"nature"}),
    "object": ("Objet", {"objet", "sujet"}),
    "question": ("Question / Remarque", {"questionremarque", "questionouremarque", "question", "remarque"}),
    "answer": ("Réponse", {"reponse"}),
    "owner": ("Responsable", {"responsable", "porteur", "pilote"}),
    "due_on": ("Échéance", {"echeance", "dateecheance", "datedecheance"}),
}
REQUIRED_FIELDS = ("number", "nature", "object", "question", "answer")
FIELDS = tuple(COLUMNS)

NATURE_WORDS = {
    "I": RidaItem.Nature.INFORMATION,
    "INFORMATION": RidaItem.Nature.INFORMATION,
    "D": RidaItem.Nature.DECISION,
    "DECISION": RidaItem.Nature.DECISION,
    "A": RidaItem.Nature.ACTION,
    "ACTION": RidaItem.Nature.ACTION,
}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y")
OBJECT_MAX = RidaItem._meta.get_field("object").max_length
OWNER_MAX = RidaItem._meta.get_field("owner").max_length


class RidaFileError(DomainError):
    """The file as a whole cannot be read as a RIDA table; nothing was imported."""

    default_message = gettext_lazy("Ce fichier ne peut pas être importé.")


@dataclass
class RidaTable:
    """Raw rows of a file: ``rows`` are ``{"line": n, field: text…}`` with every value a string."""

    filename: str
    rows: list[dict]
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
class CheckedRow:
    """One row as it will be created, with every problem that prevents it."""

    line: int
    raw: dict
    number: int | None = None
    nature: str = ""
    object: str = ""
    question: str = ""
    answer: str = ""
    owner: str = ""
    due_on: date | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def nature_label(self) -> str:
        return RidaItem.Nature(self.nature).label if self.nature in RidaItem.Nature.values else self.raw.get("nature", "")

    @property
    def is_valid(self) -> bool:
        return not self.problems


def read_rida_file(uploaded) -> RidaTable:
    """Read an uploaded ``.csv`` (UTF-8 or Windows-1252, comma, semicolon or tab) or ``.xlsx`` (first sheet)."""
    name, grid = read_grid(uploaded, extensions=("csv", "xlsx"), max_rows=MAX_ROWS, error=RidaFileError)
    rows, ignored = table_rows(
        grid,
        name=name,
        columns=COLUMNS,
        required=REQUIRED_FIELDS,
        max_rows=MAX_ROWS,
        error=RidaFileError,
        missing_hint=_("La première ligne du fichier porte les en-têtes #, Nature, Objet, Question / Remarque, Réponse."),
    )
    return RidaTable(filename=name, rows=rows, ignored_columns=ignored)


def check_rows(workshop: Workshop, rows: list[dict]) -> list[CheckedRow]:
    """Validate raw rows against the workshop: every problem of every row, none left for later."""
    existing = set(workshop.rida_items.values_list("number", flat=True))
    first_line_of: dict[int, int] = {}
    checked = []
    for raw in rows:
        row = CheckedRow(line=int(raw.get("line") or 0), raw=raw)
        _check_number(row, raw.get("number", ""), existing, first_line_of)
        _check_nature(row, raw.get("nature", ""))
        row.object = " ".join(str(raw.get("object", "")).split())
        if not row.object:
            row.problems.append(_("L'objet est manquant."))
        elif len(row.object) > OBJECT_MAX:
            row.problems.append(_("L'objet dépasse %(max)s caractères.") % {"max": OBJECT_MAX})
        row.question = str(raw.get("question", "")).strip()
        row.answer = str(raw.get("answer", "")).strip()
        _check_action_fields(row, raw)
        checked.append(row)
    return checked


def _check_number(row: CheckedRow, value, existing: set[int], first_line_of: dict[int, int]) -> None:
    value = str(value).strip().lstrip("#").strip()
    if not value:
        row.problems.append(_("Le numéro (#) est manquant."))
        return
    if not value.isdigit() or int(value) == 0:
        row.problems.append(_("Le numéro « %(value)s » n'est pas un entier positif.") % {"value": value})
        return
    row.number = int(value)
    if row.number in first_line_of:
        row.problems.append(
            _("Le numéro %(number)s figure déjà ligne %(line)s du fichier.")
            % {"number": row.number, "line": first_line_of[row.number]}
        )
    else:
        first_line_of[row.number] = row.line
    if row.number in existing:
        row.problems.append(_("L'item n° %(number)s existe déjà dans cet atelier.") % {"number": row.number})


def _check_nature(row: CheckedRow, value) -> None:
    value = str(value).strip()
    if not value:
        row.problems.append(_("La nature est manquante : indiquez I, D ou A."))
        return
    nature = NATURE_WORDS.get(normalise_header(value).upper())
    if nature is None:
        row.problems.append(
            _("Nature « %(value)s » inconnue : indiquez I (information), D (décision) ou A (action).") % {"value": value}
        )
        return
    row.nature = nature


def _check_action_fields(row: CheckedRow, raw: dict) -> None:
    row.owner = " ".join(str(raw.get("owner", "")).split())
    due = str(raw.get("due_on", "")).strip()
    if due:
        row.due_on = _parse_date(due)
        if row.due_on is None:
            row.problems.append(_("Échéance « %(value)s » illisible : écrivez-la JJ/MM/AAAA.") % {"value": due})
    if len(row.owner) > OWNER_MAX:
        row.problems.append(_("Le responsable dépasse %(max)s caractères.") % {"max": OWNER_MAX})
    if (row.owner or due) and row.nature and row.nature != RidaItem.Nature.ACTION:
        row.problems.append(_("Seule une action (nature A) a un responsable ou une échéance."))


def _parse_date(value: str) -> date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None
