"""Reading a version's PDF back in the tests of the build in parts: built with a number of processes,
and its outline as (depth, title, page) rows."""

import io

from pypdf import PdfReader

from referential.documents import build_version_pdf


def build_pdf(version, settings, *, processes: int, min_requirements: int, preview: bool = False) -> PdfReader:
    """``version``'s PDF built with ``processes`` processes (1: never in parts), in parts from
    ``min_requirements`` requirements."""
    settings.PDF_PROCESSES = processes
    settings.PDF_PARTS_MIN_REQUIREMENTS = min_requirements
    return PdfReader(io.BytesIO(build_version_pdf(version, preview=preview).content))


def outline(reader: PdfReader, items=None, depth: int = 0) -> list[tuple[int, str, int]]:
    found = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found.extend(outline(reader, item, depth + 1))
        else:
            found.append((depth, item.title, reader.get_destination_page_number(item)))
    return found
