"""Requirements from a spreadsheet (XLSX or CSV), one row per requirement, into an import document.

Columns (headers on the first non-empty row; case, accents and spacing do not matter; other
columns are listed and ignored unless mapped):

=========================  ==========================================================================
Clé                         required, unique in the file (``MSS 17``)
Titre                       required
Énoncé                      required, Markdown
Chapitre                    required: ``Sécurité > Transport``, or numbered as in our exports
                            (``1. Sécurité`` then ``1.2. Transport`` nests under chapter 1)
Niveau                      ``bloquante``, ``majeure``, ``mineure`` (label, identifier or rank)
Acteurs                     labels or identifiers, separated by commas, semicolons or line breaks
Méthode de vérification     text
Échéance                    JJ/MM/AAAA or AAAA-MM-JJ
Identifiant                 optional: exchange identifier (kept, and matched before the key)
=========================  ==========================================================================

The template (``template_rows``) has exactly these headers and one example row. Our own CSV/XLSX
exports (``exports.requirement_table``) import back as they are.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from core.tabular import TabularFileError, csv_download, csv_rows, xlsx_download, xlsx_rows

from .interchange import MAX_CHAPTER_DEPTH, ImportRefused, normalise
from .reqif import read_upload

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 10_000
CHAPTER_NAMES = {"chapitre", "chapter", "section"}
IDENTIFIER_NAMES = {"identifiant", "identifier", "reqifidentifier", "uuid"}
CHAPTER_ATTRIBUTE = "Chapitre"

TEMPLATE_HEADERS = [
    "Clé", "Titre", "Énoncé", "Chapitre", "Niveau", "Acteurs", "Méthode de vérification", "Échéance", "Identifiant",
]
TEMPLATE_EXAMPLE = [
    "MSS 17",
    "Boîte aux lettres dépubliée",
    "Une boîte aux lettres dépubliée de l'annuaire **DOIT** rester ouverte.",
    "Publication dans l'annuaire > Dépublication et liste rouge",
    "majeure",
    "Opérateur MSSanté",
    "Contrôle documentaire",
    "31/12/2026",
    "",
]
NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(.+)$")


def template_rows() -> tuple[list[str], list[list[str]]]:
    return TEMPLATE_HEADERS, [TEMPLATE_EXAMPLE]


def template_download(version, fmt: str):
    """The template to fill, as ``.xlsx`` or ``.csv``, named after the referential."""
    headers, rows = template_rows()
    filename = f"modele_import_{version.referential.slug}.{fmt}"
    if fmt == "csv":
        return csv_download(filename, headers, rows)
    return xlsx_download(filename, headers, rows, sheet_title="Exigences")


def read_spreadsheet(uploaded) -> dict:
    """An uploaded ``.xlsx`` or ``.csv`` as an import document; refuses, naming the line, what it cannot read."""
    name = getattr(uploaded, "name", "") or ""
    data = read_upload(uploaded, limit=MAX_BYTES)
    if not data.strip():
        raise ImportRefused(_("Le fichier « %(name)s » est vide.") % {"name": name})
    extension = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    try:
        rows = xlsx_rows(data, max_rows=MAX_ROWS) if extension == "xlsx" else csv_rows(data, max_rows=MAX_ROWS)
    except TabularFileError as error:
        raise ImportRefused(error.message) from None
    return document_from_rows(name, "xlsx" if extension == "xlsx" else "csv", rows)


def document_from_rows(name: str, fmt: str, rows: list[tuple[int, list[str]]]) -> dict:
    numbered = [(line, cells) for line, cells in rows if any(cells)]
    if not numbered:
        raise ImportRefused(_("Le fichier « %(name)s » est vide.") % {"name": name})
    header_line, header = numbered[0]
    names: list[str] = []
    chapter_column = identifier_column = None
    for position, title in enumerate(header):
        title = " ".join(title.split())
        if not title:
            names.append("")
            continue
        if title in names:
            raise ImportRefused(
                _("Ligne %(line)s : la colonne « %(column)s » apparaît deux fois.") % {"line": header_line, "column": title}
            )
        if normalise(title) in CHAPTER_NAMES and chapter_column is None:
            chapter_column = position
        elif normalise(title) in IDENTIFIER_NAMES and identifier_column is None:
            identifier_column = position
        names.append(title)
    if chapter_column is None:
        raise ImportRefused(
            _("Ligne %(line)s : colonne « Chapitre » manquante (colonnes attendues : %(columns)s).")
            % {"line": header_line, "columns": ", ".join(TEMPLATE_HEADERS)}
        )
    attributes = [
        {"name": title, "kind": "string", "multi": False}
        for position, title in enumerate(names)
        if title and position not in (chapter_column, identifier_column)
    ]
    attributes.append({"name": CHAPTER_ATTRIBUTE, "kind": "string", "multi": False})

    objects: list[dict] = []
    tree: list = []
    nodes: dict[tuple[str, ...], list] = {}  # chapter path -> its children list
    by_number: dict[str, tuple[str, ...]] = {}

    def chapter_node(path: tuple[str, ...], line: int) -> list:
        if path in nodes:
            return nodes[path]
        siblings = chapter_node(path[:-1], line) if len(path) > 1 else tree
        objects.append({"identifier": "", "where": _("ligne %(line)s") % {"line": line}, "values": {CHAPTER_ATTRIBUTE: path[-1]}})
        children: list = []
        siblings.append([len(objects) - 1, children])
        nodes[path] = children
        return children

    for line, cells in numbered[1:]:
        cells = cells + [""] * (len(names) - len(cells))
        chapter = _chapter_path(cells[chapter_column], by_number)
        if len(chapter) > MAX_CHAPTER_DEPTH:
            raise ImportRefused(
                _("Ligne %(line)s : chapitre imbriqué sur %(depth)s niveaux, %(max)s au plus.")
                % {"line": line, "depth": len(chapter), "max": MAX_CHAPTER_DEPTH}
            )
        values = {
            title: cells[position]
            for position, title in enumerate(names)
            if title and position not in (chapter_column, identifier_column) and cells[position]
        }
        identifier = cells[identifier_column].strip() if identifier_column is not None else ""
        obj = {"identifier": identifier, "where": _("ligne %(line)s") % {"line": line}, "values": values}
        holder = chapter_node(chapter, line) if chapter else tree
        objects.append(obj)
        holder.append([len(objects) - 1, []])
    return {"format": fmt, "filename": name, "tool": "", "title": "", "attributes": attributes, "objects": objects, "tree": tree}


def _chapter_path(value: str, by_number: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    value = " ".join(value.split())
    if not value:
        return ()
    if ">" in value:
        return tuple(part.strip() for part in value.split(">") if part.strip())
    match = NUMBERED.match(value)
    if not match:
        return (value,)
    number, title = match.groups()
    parent_number = number.rsplit(".", 1)[0] if "." in number else ""
    path = (*by_number.get(parent_number, ()), title.strip())
    by_number[number] = path
    return path
