"""The attestation of a submitted revision: its frozen snapshot printed by the project's one PDF engine.

It is built from the snapshot alone, never from live rows, so it states exactly what was submitted.
Its SHA-256 is stored with the submission; anyone holding the PDF checks it on the public
verification page, which answers only whether it matches a submission.
"""

from datetime import date, datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.documents import Document
from core.pdf import html_to_pdf

from .grid_io import action_plan_rows


def verification_url() -> str:
    return settings.SITE_URL + reverse("assessment:verify")


def attestation_context(snapshot: dict) -> dict:
    answers = snapshot["answers"]
    return {
        "s": snapshot,
        "submitted_at": datetime.fromisoformat(snapshot["submitted_at"]),
        "in_force_on": date.fromisoformat(snapshot["in_force_on"]) if snapshot["in_force_on"] else None,
        "findings": [_with_dates(a) for a in answers if a["result"] in ("partiel", "non_conforme")],
        "evidence": [(a["key"], {**e, "effective_date": date.fromisoformat(e["effective_date"])}) for a in answers for e in a["evidence"]],
        "conformant": snapshot["verdict"]["value"] == "conforme",
        "verification_url": verification_url(),
    }


def _with_dates(answer: dict) -> dict:
    parsed = {name: date.fromisoformat(answer[name]) if answer[name] else None for name in ("deadline", "planned_date", "found_on")}
    return {**answer, **parsed}


def attestation_html(snapshot: dict) -> str:
    # An attestation is a French document, whatever the submitter's language.
    with translation.override("fr"):
        return render_to_string("pdf/attestation.html", attestation_context(snapshot))


def build_attestation(snapshot: dict) -> bytes:
    return html_to_pdf(attestation_html(snapshot))


def action_plan_html(grid) -> str:
    with translation.override("fr"):
        return render_to_string(
            "pdf/action_plan.html",
            {"assessment": grid.assessment, "grid": grid, "rows": list(action_plan_rows(grid)), "today": timezone.localdate()},
        )


def build_action_plan(grid) -> bytes:
    """The open gaps of an assessment, with owners and deadlines, printed."""
    return html_to_pdf(action_plan_html(grid))


ACTION_PLAN = "assessment-action-plan"


def action_plan_document(grid, *, filename: str) -> Document:
    """The action plan as a document built once per content (``core.documents``): laid out again
    only when an answer, an owner or a deadline changed (or the day it prints)."""
    return Document(
        kind=ACTION_PLAN,
        key=str(grid.assessment.pk),
        source=action_plan_html(grid),
        build=lambda html: html_to_pdf(html),
        filename=filename,
    )
