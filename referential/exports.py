"""Tabular exports of a version: one row per requirement, French headers, in document order."""

from django.utils.translation import gettext as _

from core.tabular import csv_download, xlsx_download

from . import fixed_labels
from .models import ReferentialVersion
from .queries import version_outline


def requirement_table(version: ReferentialVersion) -> tuple[list[str], list[list]]:
    headers = [
        _("Référentiel"), _("Version"), _("Chapitre"), _("Clé"), _("Titre"), _("Énoncé"),
        _("Niveau de non-conformité"), _("Acteurs"), _("Méthode de vérification"), _("Échéance"),
    ]
    rows = []
    fixed_labels.dress_version(version)
    for node in version_outline(version).walk():
        for requirement in node.requirements:
            rows.append([
                version.referential.code,
                version.number,
                f"{node.number}. {node.section.title}",
                requirement.key,
                requirement.title,
                requirement.statement,
                requirement.level.label if requirement.level else "",
                ", ".join(actor.label for actor in requirement.actors.all()),
                requirement.verification_method,
                requirement.compliance_deadline,
            ])
    return headers, rows


def export_filename(version: ReferentialVersion, extension: str) -> str:
    return f"{version.referential.slug}_v{version.number}_exigences.{extension}"


def version_csv(version: ReferentialVersion):
    headers, rows = requirement_table(version)
    return csv_download(export_filename(version, "csv"), headers, rows)


def version_xlsx(version: ReferentialVersion):
    headers, rows = requirement_table(version)
    return xlsx_download(export_filename(version, "xlsx"), headers, rows, sheet_title=_("Exigences"))
