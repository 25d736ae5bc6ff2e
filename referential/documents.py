"""The printed referential: what goes into a version's PDF, rendered from templates/pdf/."""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.documents import Document
from core.pdf import html_to_pdf
from core.pdf_parts import processes_for, start_workers

from .change_annex import change_annex_groups
from .compare import compare_versions
from . import fixed_labels
from .models import ReferentialVersion, version_sort_key
from .queries import approvers_of, review_status, version_outline


@dataclass
class BuiltPdf:
    content: bytes
    filename: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def previous_version(version: ReferentialVersion) -> ReferentialVersion | None:
    """The version the change log is written against: the one it is based on, else the latest frozen one before it."""
    if version.based_on_id:
        return version.based_on
    earlier = [
        v
        for v in version.referential.versions.filter(status__in=ReferentialVersion.FROZEN_STATUSES).exclude(pk=version.pk)
        if version_sort_key(v.number) < version_sort_key(version.number)
    ]
    return max(earlier, key=lambda v: version_sort_key(v.number), default=None)


def document_history(version: ReferentialVersion, published_at: datetime | None, published_by=None) -> list:
    """Every published version up to this one, oldest first, then this one, each with its *validateur*
    (the « Validé par » column, ``validated_by``): the editor who approved it before publication, else,
    when publication did not wait for an approval, the one who published it."""
    rows = [
        v
        for v in version.referential.versions.filter(status__in=ReferentialVersion.FROZEN_STATUSES)
        .exclude(pk=version.pk)
        .select_related("published_by")
        if version_sort_key(v.number) < version_sort_key(version.number)
    ]
    rows.sort(key=lambda v: version_sort_key(v.number))
    approvers = approvers_of(v.pk for v in rows)
    for row in rows:
        row.validated_by = approvers.get(row.pk) or row.published_by
    current = ReferentialVersion(
        number=version.number,
        change_summary=version.change_summary,
        published_at=published_at,
        published_by=published_by or (version.published_by if version.published_by_id else None),
    )
    if version.is_frozen:
        approver = approvers_of([version.pk]).get(version.pk)
    else:
        state = review_status(version)
        approver = state.review.decided_by if state.approval_holds else None
    current.validated_by = approver or current.published_by
    return [*rows, current]


def version_document_context(
    version: ReferentialVersion, *, preview: bool, published_at: datetime | None = None, published_by=None
):
    fixed_labels.dress_version(version)
    previous = previous_version(version)
    comparison = compare_versions(previous, version) if previous else None
    thresholds = list(version.thresholds.select_related("level"))
    fixed_labels.dress_thresholds(version, thresholds)
    status_label = (
        ReferentialVersion.Status.PUBLISHED.label if not preview else ReferentialVersion.Status(version.status).label
    )
    return {
        "version": version,
        "is_preview": preview,
        "status_label": status_label,
        "published_at": published_at or version.published_at,
        "outline": version_outline(version),
        "history": document_history(version, published_at or version.published_at, None if preview else published_by),
        "levels": fixed_labels.levels_of(version),
        "thresholds": thresholds,
        "comparison": comparison,
        "changes": [entry for entry in comparison.entries if entry.kind != "unchanged"] if comparison else [],
        "change_groups": change_annex_groups(comparison.changed) if comparison else [],
        "filename": version_pdf_filename(version, published_at or version.published_at),
    }


def version_pdf_filename(version: ReferentialVersion, when: datetime | None) -> str:
    """ANS-style file name, e.g. ``ANS_MSS_Ref1_v1.1_20261128.pdf``."""
    code = re.sub(r"[^A-Za-z0-9]+", "", version.referential.code)
    day = timezone.localdate(when) if when else timezone.localdate()
    return f"ANS_MSS_{code}_v{version.number}_{day:%Y%m%d}.pdf"


def build_version_pdf(
    version: ReferentialVersion, *, preview: bool, published_at: datetime | None = None, published_by=None
) -> BuiltPdf:
    """Render the version as a PDF: published layout, or a draft preview with a *PROJET* watermark.
    ``published_by``, the editor publishing it, is printed in the document's history (« Validé par »)."""
    processes = processes_for(version.requirements.count())
    workers = start_workers(processes)  # a large version's workers import while its HTML is rendered
    try:
        html = version_html(version, preview=preview, published_at=published_at, published_by=published_by)
        content = html_to_pdf(html, processes=processes, workers=workers)
    finally:
        if workers is not None:
            workers.close()
    return BuiltPdf(content=content, filename=version_pdf_filename(version, published_at))


def version_html(
    version: ReferentialVersion, *, preview: bool, published_at: datetime | None = None, published_by=None
) -> str:
    """The version's print HTML, always in French."""
    with translation.override("fr"):
        return render_to_string(
            "pdf/version.html",
            version_document_context(version, preview=preview, published_at=published_at, published_by=published_by),
        )


PREVIEW = "version-preview"


def preview_document(version: ReferentialVersion) -> Document:
    """A draft as it would print, watermarked *PROJET*, as a document built once per content: an
    editor who opens it twice without changing the draft waits for one layout."""
    processes = processes_for(version.requirements.count())
    return Document(
        kind=PREVIEW,
        key=str(version.pk),
        source=version_html(version, preview=True),
        build=lambda html: html_to_pdf(html, processes=processes),
        filename=f"PROJET_{version_pdf_filename(version, None)}",
    )


def preview_document_of(key: str) -> Document | None:
    version = ReferentialVersion.objects.filter(pk=key).select_related("referential").first()
    return preview_document(version) if version else None
