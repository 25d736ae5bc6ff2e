"""The grid offline: XLSX and CSV exports, the action plan, and the XLSX import with its checks.

The export's editable columns are exactly what the import reads back (result, justification, owner,
planned date, "à reconfirmer", evidence links), written as typed cells, so exporting then importing
an untouched file changes nothing. The other columns (key, wording, level, deadline, file hashes)
are there to read; the import ignores them, except the key, which names the row.

Importing is two steps: ``check_import`` compares every row with the stored answers and lists every
change and every problem with its line number; ``services.import_grid`` writes all the changes or
none, after checking again.
"""

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.tabular import csv_bytes, read_grid, xlsx_bytes

from .models import Assessment, Result
from .queries import Grid

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 10_000
MAX_TEXT = 10_000
# The schemes an evidence link may use, on the page and in the import alike.
EVIDENCE_LINK_SCHEMES = ["http", "https"]

# (field, header): the export's columns, in order. Editable ones are read back by the import.
COLUMNS = [
    ("key", gettext_lazy("Clé")),
    ("chapter", gettext_lazy("Chapitre")),
    ("title", gettext_lazy("Titre")),
    ("level", gettext_lazy("Niveau")),
    ("statement", gettext_lazy("Énoncé")),
    ("result", gettext_lazy("Résultat")),
    ("justification", gettext_lazy("Justification")),
    ("owner", gettext_lazy("Responsable")),
    ("planned_date", gettext_lazy("Mise en conformité prévue le")),
    ("to_reconfirm", gettext_lazy("À reconfirmer")),
    ("links", gettext_lazy("Liens de preuve (un par ligne)")),
    ("deadline", gettext_lazy("Échéance")),
    ("files", gettext_lazy("Fichiers de preuve (SHA-256)")),
]
EDITABLE = ("result", "justification", "owner", "planned_date", "to_reconfirm", "links")
WIDTHS = [10, 24, 30, 12, 60, 22, 40, 18, 14, 12, 40, 12, 40]


class GridFileError(DomainError):
    default_message = gettext_lazy("Ce fichier ne peut pas être lu.")


class GridImportRefused(DomainError):
    default_message = gettext_lazy("Import refusé : rien n'a été enregistré, corrigez le fichier.")


def _yes_no(value: bool) -> str:
    return _("oui") if value else _("non")


def grid_rows(grid: Grid):
    for row in grid.rows:
        answer, requirement = row.answer, row.requirement
        yield [
            requirement.key,
            f"{row.section_number}. {row.chapter_title}",
            requirement.title,
            requirement.level.label if requirement.level else "",
            requirement.statement,
            str(answer.get_result_display()),
            answer.justification,
            answer.owner,
            answer.planned_date,
            _yes_no(answer.to_reconfirm),
            "\n".join(e.link for e in row.evidence if e.link),
            row.deadline.deadline if row.deadline else None,
            "\n".join(f"{e.filename} {e.sha256}" for e in row.evidence if e.sha256),
        ]


def grid_xlsx(grid: Grid) -> bytes:
    return xlsx_bytes([h for _f, h in COLUMNS], grid_rows(grid), sheet_title=_("Autoévaluation"), widths=WIDTHS)


def grid_csv(grid: Grid) -> bytes:
    return csv_bytes([h for _f, h in COLUMNS], grid_rows(grid))


ACTION_PLAN_HEADERS = [
    gettext_lazy("Clé"), gettext_lazy("Titre"), gettext_lazy("Niveau"), gettext_lazy("Résultat"),
    gettext_lazy("Justification"), gettext_lazy("Responsable"), gettext_lazy("Écart constaté le"),
    gettext_lazy("Échéance"), gettext_lazy("Prévue le"), gettext_lazy("Alerte"),
]


def action_plan_rows(grid: Grid):
    for row in grid.gaps:
        answer, requirement = row.answer, row.requirement
        alerts = []
        if row.deadline and row.deadline.overdue:
            alerts.append(_("Échéance dépassée"))
        if row.deadline and row.deadline.planned_too_late:
            alerts.append(_("Prévue après l'échéance"))
        yield [
            requirement.key, requirement.title, requirement.level.label if requirement.level else "",
            str(answer.get_result_display()), answer.justification, answer.owner, answer.found_on,
            row.deadline.deadline if row.deadline else None, answer.planned_date, ", ".join(alerts),
        ]


def action_plan_xlsx(grid: Grid) -> bytes:
    return xlsx_bytes(ACTION_PLAN_HEADERS, action_plan_rows(grid), sheet_title=_("Plan d'action"),
                      widths=[10, 30, 12, 20, 40, 18, 14, 12, 12, 24])


# Reading ------------------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().strip()


def _spellings(text) -> set[str]:
    """``text`` (a lazy translation) normalised in every language of the site: a grid exported by a
    member reading English is imported by a colleague reading French."""
    from django.conf import settings
    from django.utils import translation

    spellings = {_normalise(str(text))}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            spellings.add(_normalise(str(text)))
    return spellings


def read_grid_file(uploaded) -> list[dict]:
    """The rows of an uploaded ``.xlsx`` grid, each with its line number; refuses anything else."""
    # The one reader of uploads: size, zip bombs, merges, rows and cell lengths are bounded before
    # and while parsing.
    name, grid = read_grid(uploaded, extensions=("xlsx",), max_rows=MAX_ROWS, max_bytes=MAX_FILE_BYTES, error=GridFileError)
    numbered = [(line, cells) for line, cells in enumerate(grid, start=1) if any(c != "" for c in cells)]
    if not numbered:
        raise GridFileError(_("Le fichier « %(name)s » est vide.") % {"name": name})
    header = [_normalise(str(c)) for c in numbered[0][1]]
    positions = {}
    for fieldname, title in COLUMNS:
        if fieldname in ("key", *EDITABLE):
            wanted = _spellings(title)
            position = next((index for index, text in enumerate(header) if text in wanted), None)
            if position is None:
                raise GridFileError(
                    _("Colonne manquante : « %(column)s ». Partez de la grille exportée, dont la première ligne porte les en-têtes.")
                    % {"column": title}
                )
            positions[fieldname] = position
    rows = []
    for line, cells in numbered[1:]:
        row = {"line": line}
        for fieldname, position in positions.items():
            value = cells[position] if position < len(cells) else ""
            row[fieldname] = value.isoformat() if isinstance(value, date) else value
        rows.append(row)
    return rows


# Checking -----------------------------------------------------------------------------------------


@dataclass
class CheckedRow:
    line: int
    key: str
    answer_id: int | None = None
    revision: int | None = None
    values: dict = field(default_factory=dict)  # the parsed editable fields
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (column, before, after)
    new_links: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _result_spellings() -> dict[str, str]:
    """Normalised spelling → result value: the value itself and its label in every language."""
    spellings = {}
    for value, label in Result.choices:
        spellings.update({spelling: value for spelling in _spellings(label)})
        spellings[_normalise(value)] = value
    return spellings


def _parse_result(text: str, spellings: dict[str, str] | None = None) -> str | None:
    return (spellings if spellings is not None else _result_spellings()).get(_normalise(text))


def _parse_date(text) -> date | None:
    if text in ("", None):
        return None
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            return parse(str(text)[:10])
        except ValueError:
            continue
    raise ValueError(text)


def _yes_no_spellings() -> tuple[set[str], set[str]]:
    return (
        {"oui", "yes", "1", "vrai", "true"} | _spellings(gettext_lazy("oui")),
        {"non", "no", "0", "faux", "false", ""} | _spellings(gettext_lazy("non")),
    )


def _parse_yes_no(text: str, spellings: tuple[set[str], set[str]] | None = None) -> bool | None:
    yes, no = spellings or _yes_no_spellings()
    value = _normalise(text)
    if value in yes:
        return True
    if value in no:
        return False
    return None


def check_import(assessment: Assessment, grid: Grid, rows: list[dict]) -> list[CheckedRow]:
    """Every row compared with the stored answer: its changes, or its problems, line by line."""
    by_key = {row.requirement.key: row for row in grid.rows}
    seen: dict[str, int] = {}
    checked = []
    validate_url = URLValidator(schemes=EVIDENCE_LINK_SCHEMES)
    result_spellings, yes_no_spellings = _result_spellings(), _yes_no_spellings()
    for raw in rows:
        line, key = raw["line"], str(raw.get("key", "")).strip()
        row = CheckedRow(line=line, key=key)
        checked.append(row)

        def problem(message, **values):
            row.problems.append(_("Ligne %(line)s : %(message)s") % {"line": line, "message": message % values if values else message})

        if not key:
            problem(_("la clé de l'exigence est vide."))
            continue
        if key in seen:
            problem(_("l'exigence %(key)s figure déjà à la ligne %(other)s."), key=key, other=seen[key])
            continue
        seen[key] = line
        current = by_key.get(key)
        if current is None:
            problem(_("l'exigence %(key)s n'est pas dans cette autoévaluation."), key=key)
            continue
        answer = current.answer
        row.answer_id, row.revision = answer.pk, answer.revision
        result = _parse_result(str(raw.get("result", "")), result_spellings)
        if result is None:
            problem(_("résultat inconnu « %(value)s » (attendu : %(choices)s)."), value=raw.get("result", ""),
                    choices=", ".join(str(label) for _v, label in Result.choices))
        try:
            planned = _parse_date(raw.get("planned_date"))
        except ValueError:
            planned = None
            problem(_("date prévue illisible « %(value)s » (attendu : JJ/MM/AAAA)."), value=raw.get("planned_date"))
        reconfirm = _parse_yes_no(str(raw.get("to_reconfirm", "")), yes_no_spellings)
        if reconfirm is None:
            problem(_("« À reconfirmer » vaut oui ou non, pas « %(value)s »."), value=raw.get("to_reconfirm"))
        texts = {name: str(raw.get(name, "")).strip() for name in ("justification", "owner")}
        if len(texts["justification"]) > MAX_TEXT:
            problem(_("justification trop longue (%(max)s caractères au plus)."), max=MAX_TEXT)
        if len(texts["owner"]) > 150:
            problem(_("responsable trop long (150 caractères au plus)."))
        links = [link.strip() for link in str(raw.get("links", "")).split("\n") if link.strip()]
        for link in links:
            try:
                validate_url(link)
            except ValidationError:
                problem(_("lien de preuve invalide « %(value)s »."), value=link)
        if row.problems:
            continue
        if result not in (Result.PARTIAL, Result.NON_CONFORMANT):
            planned = None  # a date only means something for a gap; the service drops it too
        row.values = {"result": result, "planned_date": planned.isoformat() if planned else None, "to_reconfirm": reconfirm, **texts}
        before = {
            "result": (answer.result, str(answer.get_result_display())),
            "justification": (answer.justification, answer.justification),
            "owner": (answer.owner, answer.owner),
            "planned_date": (answer.planned_date.isoformat() if answer.planned_date else None, answer.planned_date.strftime("%d/%m/%Y") if answer.planned_date else ""),
            "to_reconfirm": (answer.to_reconfirm, _yes_no(answer.to_reconfirm)),
        }
        after_labels = {
            "result": str(dict(Result.choices)[result]),
            "justification": texts["justification"],
            "owner": texts["owner"],
            "planned_date": planned.strftime("%d/%m/%Y") if planned else "",
            "to_reconfirm": _yes_no(reconfirm),
        }
        headers = dict(COLUMNS)
        for name, (stored, label) in before.items():
            if row.values[name] != stored:
                row.changes.append((str(headers[name]), label, after_labels[name]))
        if reconfirm and not answer.to_reconfirm:
            problem(_("une réponse ne redevient pas « à reconfirmer » : indiquez « non »."))
        existing = {e.link for e in current.evidence if e.link}
        row.new_links = [link for link in dict.fromkeys(links) if link not in existing]
        for link in row.new_links:
            row.changes.append((str(headers["links"]), "", link))
    return checked


def import_problems(rows: list[CheckedRow]) -> list[str]:
    return [p for row in rows for p in row.problems]
