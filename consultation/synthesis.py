"""The synthesis of a consultation as documents (PDF, CSV, XLSX), and a contributor's own comments as a table.

Every synthesis document is built from ``queries.synthesis_rows``, like the page: what the public reads
is the same everywhere. A row names the organisation's kind (« Un opérateur ») unless it agreed to be
named, never the author; a withdrawn or hidden comment is listed, with its status and without its text.
Documents are always in French: the synthesis is the ANS's French record of the consultation.
"""

import re
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.documents import Document
from core.pdf import html_to_pdf

from .models import Comment, Consultation
from .queries import (
    SynthesisRow,
    my_comments,
    synthesis_groups,
    synthesis_rows,
    synthesis_summary,
)


def file_stem(consultation: Consultation) -> str:
    """The start of every file name about a consultation: ``ANS_Ref1_v1.1_concertation_3``."""
    version = consultation.version
    code = re.sub(r"[^A-Za-z0-9]+", "", version.referential.code)
    return f"ANS_{code}_v{version.number}_concertation_{consultation.pk}"


def synthesis_filename(consultation: Consultation, extension: str) -> str:
    """``ANS_Ref1_v1.1_concertation_3_synthese.pdf``."""
    return f"{file_stem(consultation)}_synthese.{extension}"


def my_comments_filename(consultation: Consultation, extension: str) -> str:
    return f"{file_stem(consultation)}_mes_commentaires_{timezone.localdate():%Y%m%d}.{extension}"


def synthesis_context(consultation: Consultation) -> dict:
    """What the page and the PDF lay out: the rows grouped by what they comment, and the counts."""
    rows = synthesis_rows(consultation)
    return {
        "consultation": consultation,
        "version": consultation.version,
        "referential": consultation.version.referential,
        "groups": synthesis_groups(rows),
        "summary": synthesis_summary(rows),
        "is_preview": not consultation.synthesis_is_published,
    }


def synthesis_html(consultation: Consultation) -> str:
    with translation.override("fr"):
        return render_to_string("pdf/synthesis.html", synthesis_context(consultation))


def render_synthesis_pdf(consultation: Consultation) -> bytes:
    """The synthesis printed by the project's one PDF engine; an unpublished one carries a *PROJET* watermark."""
    return html_to_pdf(synthesis_html(consultation))


SYNTHESIS = "consultation-synthesis"


def synthesis_document(consultation: Consultation) -> Document:
    """The synthesis PDF as a document built once per content (``core.documents``)."""
    return Document(
        kind=SYNTHESIS,
        key=str(consultation.pk),
        source=synthesis_html(consultation),
        build=lambda html: html_to_pdf(html),
        filename=synthesis_filename(consultation, "pdf"),
    )


def synthesis_document_of(key: str) -> Document | None:
    consultation = Consultation.objects.filter(pk=key).select_related("version__referential").first()
    return synthesis_document(consultation) if consultation else None


# Tables -------------------------------------------------------------------------------------------


@dataclass
class Table:
    """A table ready for ``core.tabular`` (CSV or XLSX)."""

    headers: list[str]
    rows: list[list]
    sheet_title: str
    widths: tuple[int, ...]


def synthesis_headers() -> list[str]:
    return [
        _("N°"),
        _("Exigence / chapitre"),
        _("Intitulé"),
        _("Nature"),
        _("Statut"),
        _("Contributeur"),
        _("Commentaire"),
        _("Rédaction proposée"),
        _("Décision"),
        _("Réponse de l'ANS"),
        _("Reprise dans"),
    ]


SYNTHESIS_WIDTHS = (7, 18, 30, 14, 20, 22, 60, 40, 22, 60, 16)


def synthesis_cells(row: SynthesisRow) -> list:
    target = f"{row.chapter} {row.target}" if row.target_kind == "section" and row.chapter else row.target
    return [
        row.comment_id,
        target,
        row.target_title,
        row.kind_label,
        row.status_label,
        row.attribution,
        row.body,
        row.proposed_wording,
        row.decision_label,
        row.answer,
        row.carried_by,
    ]


def synthesis_table(consultation: Consultation) -> Table:
    """The synthesis as a spreadsheet, in French: one row per comment, withdrawn and hidden ones included."""
    with translation.override("fr"):
        rows = [synthesis_cells(row) for row in synthesis_rows(consultation)]
        return Table(synthesis_headers(), rows, _("Synthèse"), SYNTHESIS_WIDTHS)


def my_comments_headers() -> list[str]:
    return [
        _("N°"),
        _("Exigence / chapitre"),
        _("Nature"),
        _("Statut"),
        _("Motif du masquage"),
        _("Déposé le"),
        _("Modifié le"),
        _("Commentaire"),
        _("Rédaction proposée"),
        _("Décision"),
        _("Réponse de l'ANS"),
        _("Répondu le"),
    ]


MY_COMMENTS_WIDTHS = (7, 18, 14, 20, 30, 16, 16, 60, 40, 22, 60, 16)


def my_comment_cells(comment: Comment) -> list:
    answer = getattr(comment, "answer", None)
    return [
        comment.pk,
        comment.target_label,
        comment.get_kind_display(),
        comment.get_status_display(),
        comment.hidden_reason,
        comment.created_at,
        comment.updated_at,
        comment.body,
        comment.proposed_wording,
        answer.get_decision_display() if answer else "",
        answer.body if answer else "",
        answer.answered_at if answer else None,
    ]


def my_comments_table(consultation: Consultation, user) -> Table:
    """``user``'s own comments, every status, with the answers; in French."""
    with translation.override("fr"):
        rows = [my_comment_cells(comment) for comment in my_comments(consultation, user)]
        return Table(my_comments_headers(), rows, _("Mes commentaires"), MY_COMMENTS_WIDTHS)
