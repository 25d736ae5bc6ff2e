"""The answer register: every comment of a consultation in a spreadsheet that editors fill offline.

Editors download the register as XLSX (``register_xlsx``), write a decision and an answer on the rows
they handle, and upload the file back. Only three columns are read back: ``N°`` (the comment),
``Décision`` and ``Réponse de l'ANS``; the others are there to help answering, and editing them
changes nothing. Headers are matched without regard to case, accents or spacing.

Like the RIDA import, reading happens in steps so that the preview and the final import run the same
checks: ``read_register_file`` turns the file into raw rows (strings only, so they can be signed and
carried to the confirmation), ``check_register`` validates them against the consultation as it
stands, and ``import_register`` writes every new or changed answer through
``services.answer_comment`` — all of them, or none if a single row has a problem. A row whose answer
is already stored word for word is left alone, so importing the same file twice changes nothing.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError, PermissionRefused
from core.roles import is_editor
from core.tabular import normalise_header, read_grid, table_rows, xlsx_bytes

from . import queries, services
from .models import Answer, Comment, Consultation
from .synthesis import file_stem

MAX_ROWS = 5000

# The columns of the register, in order: (field, header). Only ``READ_FIELDS`` are read back.
COLUMNS = (
    ("id", "N°"),
    ("target", "Exigence / chapitre"),
    ("kind", "Nature"),
    ("body", "Commentaire"),
    ("proposed_wording", "Rédaction proposée"),
    ("organisation_kind", "Type d'organisation"),
    ("organisation", "Organisation"),
    ("status", "Statut"),
    ("created_at", "Déposé le"),
    ("decision", "Décision"),
    ("answer", "Réponse de l'ANS"),
)
WIDTHS = (7, 18, 14, 60, 40, 20, 24, 16, 16, 24, 60)
READ_FIELDS = ("id", "decision", "answer")
# Spellings accepted for the columns read back, once normalised (see ``core.tabular.normalise_header``).
SPELLINGS = {
    "id": {"n", "no", "num", "numero", "id", "identifiant", "ncommentaire", "numerocommentaire", "commentaire#"},
    "decision": {"decision", "decisiondelans", "decisionans"},
    "answer": {"reponsedelans", "reponseans", "reponse"},
}


class RegisterFileError(DomainError):
    """The file as a whole cannot be read as an answer register; nothing was imported."""

    default_message = gettext_lazy("Ce fichier ne peut pas être importé.")


class RegisterImportRefused(DomainError):
    """At least one row has a problem: ``problems`` lists them all; no answer was written."""

    default_message = gettext_lazy("Import refusé : aucune réponse n'a été enregistrée, corrigez le fichier.")


# Export -------------------------------------------------------------------------------------------


def headers() -> list[str]:
    # The headers are the file's contract with the import: always French, whatever the reader's language.
    return [header for _field, header in COLUMNS]


def comment_row(comment: Comment) -> list:
    """One comment as cells; organisation, target and answer should be loaded (``queries.register_comments``)."""
    answer = getattr(comment, "answer", None)
    return [
        comment.pk,
        comment.target_label,
        comment.get_kind_display(),
        comment.body,
        comment.proposed_wording,
        comment.organisation.get_kind_display(),
        comment.organisation.name,
        comment.get_status_display(),
        comment.created_at,
        answer.get_decision_display() if answer else "",
        answer.body if answer else "",
    ]


def register_xlsx(consultation: Consultation) -> bytes:
    """The register of ``consultation``: one row per comment, every status, in document order."""
    with translation.override("fr"):
        comments = queries.register_comments(consultation)
        return xlsx_bytes(
            headers(),
            [comment_row(comment) for comment in comments],
            sheet_title=_("Registre des réponses"),
            widths=WIDTHS,
        )


def register_filename(consultation: Consultation) -> str:
    return f"{file_stem(consultation)}_registre_{timezone.localdate():%Y%m%d}.xlsx"


# Reading the file ---------------------------------------------------------------------------------


@dataclass
class RegisterFile:
    """Raw rows of a file: ``rows`` are ``{"line": n, "id": …, "decision": …, "answer": …}``, strings only."""

    filename: str
    rows: list[dict]


def read_register_file(uploaded) -> RegisterFile:
    """Read the first sheet of an uploaded ``.xlsx``. Only XLSX is accepted: it is what the register is
    exported as, and its text cells come back exactly as they were written."""
    name, grid = read_grid(uploaded, extensions=("xlsx",), max_rows=MAX_ROWS, error=RegisterFileError)
    rows, _ignored = table_rows(
        grid,
        name=name,
        columns={field: (dict(COLUMNS)[field], SPELLINGS[field]) for field in READ_FIELDS},
        required=READ_FIELDS,
        max_rows=MAX_ROWS,
        error=RegisterFileError,
        missing_hint=_("Partez du registre exporté, dont la première ligne porte les en-têtes."),
    )
    return RegisterFile(filename=name, rows=rows)


# Checking the rows --------------------------------------------------------------------------------


class Outcome:
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    UNANSWERED = "unanswered"


OUTCOME_LABELS = {
    Outcome.NEW: gettext_lazy("Nouvelle réponse"),
    Outcome.CHANGED: gettext_lazy("Réponse modifiée"),
    Outcome.UNCHANGED: gettext_lazy("Inchangée"),
    Outcome.UNANSWERED: gettext_lazy("Sans réponse"),
}


@dataclass
class RegisterRow:
    """One row of the file as it will be applied, with every problem that prevents it."""

    line: int
    raw: dict
    comment: Comment | None = None
    decision: str = ""
    answer: str = ""
    outcome: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems

    @property
    def writes(self) -> bool:
        return not self.problems and self.outcome in (Outcome.NEW, Outcome.CHANGED)

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[self.outcome]) if self.outcome else ""

    @property
    def decision_label(self) -> str:
        return str(Answer.Decision(self.decision).label) if self.decision else self.raw.get("decision", "")

    @property
    def previous(self) -> Answer | None:
        return getattr(self.comment, "answer", None) if self.comment else None


def decision_words() -> dict[str, str]:
    """Every accepted spelling of a decision, normalised: its code and its label in French and English."""
    words = {normalise_header(value): value for value in Answer.Decision.values}
    for language in ("fr", "en"):
        with translation.override(language):
            words.update({normalise_header(str(label)): value for value, label in Answer.Decision.choices})
    return words


def decision_labels() -> str:
    """The decisions as the register writes them: in French, like the file."""
    with translation.override("fr"):
        return ", ".join(f"« {label} »" for label in Answer.Decision.labels)


def _same_text(a: str, b: str) -> bool:
    return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


def check_register(consultation: Consultation, rows: list[dict]) -> list[RegisterRow]:
    """Validate raw rows against the consultation: every problem of every row, none left for later.
    Two queries, whatever the number of rows."""
    words = decision_words()
    checked = [RegisterRow(line=int(raw.get("line") or 0), raw=raw) for raw in rows]
    first_line_of: dict[int, int] = {}
    pks = [_check_id(row, first_line_of) for row in checked]
    comments = Comment.objects.select_related("answer__carried_by__version", "consultation").in_bulk(
        {pk for pk in pks if pk is not None}
    )
    for row, pk in zip(checked, pks, strict=True):
        if pk is not None:
            row.comment = comments.get(pk)
            if row.comment is None:
                row.problems.append(_("Aucun commentaire ne porte le n° %(id)s.") % {"id": pk})
            elif row.comment.consultation_id != consultation.pk:
                row.problems.append(
                    _("Le commentaire n° %(id)s appartient à une autre concertation (« %(other)s »).")
                    % {"id": pk, "other": row.comment.consultation}
                )
                row.comment = None
        _check_answer(row, words)
        if row.comment is not None and not row.problems:
            row.outcome = _outcome(row)
    return checked


def _check_id(row: RegisterRow, first_line_of: dict[int, int]) -> int | None:
    value = str(row.raw.get("id", "")).strip().lstrip("#").strip()
    if not value:
        row.problems.append(_("Le n° du commentaire est manquant."))
        return None
    if not value.isdigit() or int(value) == 0:
        row.problems.append(_("« %(value)s » n'est pas un n° de commentaire.") % {"value": value})
        return None
    pk = int(value)
    if pk in first_line_of:
        row.problems.append(
            _("Le commentaire n° %(id)s figure déjà ligne %(line)s du fichier.") % {"id": pk, "line": first_line_of[pk]}
        )
        return None
    first_line_of[pk] = row.line
    return pk


def _check_answer(row: RegisterRow, words: dict[str, str]) -> None:
    decision = str(row.raw.get("decision", "")).strip()
    row.answer = str(row.raw.get("answer", "")).strip()
    if decision:
        row.decision = words.get(normalise_header(decision), "")
        if not row.decision:
            row.problems.append(
                _("Décision « %(value)s » inconnue : indiquez %(labels)s.") % {"value": decision, "labels": decision_labels()}
            )
    if decision and not row.answer:
        row.problems.append(_("La décision n'a pas de réponse : rédigez la réponse de l'ANS, ou videz la décision."))
    if row.answer and not decision:
        row.problems.append(
            _("La réponse n'a pas de décision : indiquez %(labels)s.") % {"labels": decision_labels()}
        )
    if len(row.answer) > Comment.BODY_MAX_LENGTH:
        row.problems.append(
            _("La réponse dépasse %(max)s caractères (elle en a %(length)s).")
            % {"max": Comment.BODY_MAX_LENGTH, "length": len(row.answer)}
        )
    if not decision and not row.answer and row.previous is not None:
        # An answer is part of the record (DESIGN §6): a blank row must not read as « delete it ».
        row.problems.append(
            _("Ce commentaire a déjà une réponse, qui ne peut pas être effacée : recopiez-la ou retirez la ligne du fichier.")
        )


def _outcome(row: RegisterRow) -> str:
    previous = row.previous
    if not row.decision:
        return Outcome.UNANSWERED
    if previous is None:
        return Outcome.NEW
    if previous.decision == row.decision and _same_text(previous.body, row.answer):
        return Outcome.UNCHANGED
    return Outcome.CHANGED


def outcome_counts(rows: list[RegisterRow]) -> dict[str, int]:
    """How many rows of each outcome, for the preview."""
    return {outcome: sum(1 for row in rows if row.outcome == outcome) for outcome in OUTCOME_LABELS}


def problems_of(rows: list[RegisterRow]) -> list[str]:
    return [_("Ligne %(line)s : %(problem)s") % {"line": row.line, "problem": problem} for row in rows for problem in row.problems]


# Applying the rows --------------------------------------------------------------------------------


@dataclass
class RegisterImport:
    new: int = 0
    changed: int = 0
    unchanged: int = 0


@transaction.atomic
def import_register(*, consultation: Consultation, rows: list[dict], by) -> RegisterImport:
    """Write every new or changed answer of ``rows`` through ``services.answer_comment``, in one
    transaction: a single problem in any row, checked again against the consultation as it stands now,
    refuses the whole import. An answer already stored as written is not touched (no history row)."""
    if not is_editor(by):
        raise PermissionRefused(_("Seuls les rédacteurs de l'ANS peuvent faire cela."))
    # Lock the consultation so that two imports of the register do not interleave their answers.
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    checked = check_register(consultation, rows)
    problems = problems_of(checked)
    if not checked:
        problems.append(_("Le fichier ne contient aucune ligne à importer."))
    if problems:
        raise RegisterImportRefused(problems=problems)
    result = RegisterImport()
    for row in checked:
        if row.outcome == Outcome.UNCHANGED:
            result.unchanged += 1
        if not row.writes:
            continue
        previous = row.previous
        services.answer_comment(
            comment=row.comment,
            by=by,
            decision=row.decision,
            body=row.answer,
            # The register has no column for it: keep the requirement that carries the change.
            carried_by=previous.carried_by if previous else None,
        )
        if row.outcome == Outcome.NEW:
            result.new += 1
        else:
            result.changed += 1
    return result
