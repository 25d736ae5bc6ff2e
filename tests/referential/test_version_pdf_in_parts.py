"""A large version's PDF, laid out in parts in parallel processes, is the same document as one laid out whole:
pages and their text, table of contents, outline, named destinations, metadata and PDF/UA tags."""

import re

import pytest
from pypdf import PdfReader

import core.pdf_parts
from core.pdf import typeset_for_print
from referential import services
from referential.documents import build_version_pdf, version_html
from tests.referential.pdf_reading import build_pdf, outline
from tests.factories import (
    ActorFactory,
    LevelFactory,
    RequirementFactory,
    SectionFactory,
    ThresholdFactory,
    VersionFactory,
)

STATEMENT = (
    "L'opérateur **DOIT** chiffrer les échanges avec TLS 1.2 au moins et conserver la trace de chaque "
    "échange pendant un an ; il **PEUT** proposer un [guide](https://esante.gouv.fr/guide) à ses utilisateurs."
)


@pytest.fixture
def large_draft(editor):
    """A published 1.0 of four chapters (one with a sub-chapter) and 40 requirements, and its 1.1 draft
    where two requirements changed: a document with a change annex."""
    level = LevelFactory(slug="majeure", label="Majeure", rank=2)
    LevelFactory(slug="bloquante", label="Bloquante", rank=1)
    operator = ActorFactory(slug="operateur", label="Opérateur")
    version = VersionFactory(number="1.0", change_summary="Version initiale")
    chapters = [SectionFactory(version=version, title=f"Chapitre {n}", position=n) for n in range(1, 5)]
    chapters.append(SectionFactory(version=version, title="Sous-chapitre 2.1", position=1, parent=chapters[1]))
    for index in range(40):
        RequirementFactory(
            version=version,
            section=chapters[index % len(chapters)],
            key=f"MSS {index + 1}",
            title=f"Exigence numéro {index + 1}",
            statement=STATEMENT,
            level=level,
            actors=[operator],
            position=index,
        )
    ThresholdFactory(version=version, level=level, max_findings=2)
    services.publish_version(version=version, by=editor)
    draft = services.start_draft(referential=version.referential, number="1.1", by=editor)
    for requirement in draft.requirements.order_by("position")[:2]:
        requirement.statement = STATEMENT + " Reformulée."
        requirement.save()
    return draft


def build(version, settings, *, processes: int, preview: bool = False) -> PdfReader:
    return build_pdf(version, settings, processes=processes, min_requirements=10, preview=preview)


def structure(reader: PdfReader) -> list[str]:
    """Every structure element's type, depth first, from the root's /Document element."""
    types = []

    def walk(element):
        element = element.get_object()
        types.append(str(element["/S"]))
        kids = element.get("/K")
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict) and "/S" in kid:
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"]["/K"][0])
    return types


@pytest.mark.django_db
def test_a_version_in_parts_is_the_same_document_page_by_page(large_draft, settings, assembled):
    whole = build(large_draft, settings, processes=1)
    assert assembled == []
    parted = build(large_draft, settings, processes=2)
    assert assembled == [3]  # the front matter and two parts

    assert len(parted.pages) == len(whole.pages) > 8
    for number, (page, expected) in enumerate(zip(parted.pages, whole.pages), start=1):
        assert page.extract_text() == expected.extract_text(), f"page {number}"
    last = parted.pages[-1].extract_text()
    assert f"page {len(parted.pages)} / {len(parted.pages)}" in last


@pytest.mark.django_db
def test_a_version_in_parts_draws_every_page_as_one_process_does(large_draft, settings, assembled):
    """The workers keep each line's Pango layout to draw it (``_keep_text_layouts``): what they draw is
    what a layout made again would draw, operator for operator."""
    whole = build(large_draft, settings, processes=1)
    parted = build(large_draft, settings, processes=2)
    assert assembled == [3]
    for number, (page, expected) in enumerate(zip(parted.pages, whole.pages), start=1):
        assert page.get_contents().get_data() == expected.get_contents().get_data(), f"page {number}"


@pytest.mark.django_db
def test_parts_typeset_in_their_workers_are_the_document_typeset_then_cut(large_draft):
    html = version_html(large_draft, preview=True)
    assert "\u202f:" in typeset_for_print(html)  # French typography has work to do here
    front, bodies = core.pdf_parts.split_html(typeset_for_print(html), 3)
    raw_front, raw_bodies = core.pdf_parts.split_html(html, 3)
    assert typeset_for_print(raw_front) == front
    assert [typeset_for_print(body) for body in raw_bodies] == bodies


@pytest.mark.django_db
def test_a_version_in_parts_keeps_its_outline_links_and_metadata(large_draft, settings, assembled):
    whole = build(large_draft, settings, processes=1)
    parted = build(large_draft, settings, processes=3)
    assert assembled == [4]

    assert outline(parted) == outline(whole)
    assert any("Sous-chapitre 2.1" in title for _, title, _ in outline(parted))
    destinations = {name: parted.get_destination_page_number(d) for name, d in parted.named_destinations.items()}
    assert destinations == {name: whole.get_destination_page_number(d) for name, d in whole.named_destinations.items()}
    assert parted.metadata.title == whole.metadata.title
    assert parted.metadata.title.startswith(large_draft.referential.code)
    assert parted.trailer["/Root"]["/Lang"] == "fr"
    # The table of contents' page numbers point at the chapters' first pages, in every part.
    toc = next(page.extract_text() for page in parted.pages if "Sommaire" in page.extract_text())
    for title in ("Chapitre 1", "Chapitre 3", "Chapitre 4", "Sous-chapitre 2.1", "Annexe 2"):
        number = int(re.search(rf"{re.escape(title)}[^\n]*?\.*\s*(\d+)\s*$", toc, re.MULTILINE).group(1))
        assert title in parted.pages[number - 1].extract_text()
    # Its links go to the chapters through named destinations the assembled document holds.
    links = [
        annotation.get_object()
        for page in parted.pages
        for annotation in page.get("/Annots") or []
        if annotation.get_object().get("/Dest")
    ]
    assert {str(link["/Dest"]) for link in links} <= set(destinations)
    assert len(links) == len(
        [a for page in whole.pages for a in page.get("/Annots") or [] if a.get_object().get("/Dest")]
    )


@pytest.mark.django_db
def test_a_version_in_parts_is_tagged_as_one_document(large_draft, settings, assembled):
    whole = build(large_draft, settings, processes=1)
    parted = build(large_draft, settings, processes=2)
    assert assembled == [3]

    root = parted.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert "/Metadata" in root
    types = structure(parted)
    assert types == structure(whole)
    assert types[0] == "/Document" and types.count("/H3") == 40
    # Every page and every annotation has its entry in the one parent tree.
    nums = root["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    keys = list(nums[::2])
    assert keys == sorted(set(keys))
    assert [page["/StructParents"] for page in parted.pages] == list(range(len(parted.pages)))
    for page in parted.pages:
        for annotation in page.get("/Annots") or []:
            assert annotation.get_object()["/StructParent"] in keys


@pytest.mark.django_db
def test_a_draft_preview_in_parts_keeps_its_watermark_on_every_page(large_draft, settings, assembled):
    whole = build(large_draft, settings, processes=1, preview=True)
    parted = build(large_draft, settings, processes=2, preview=True)
    assert assembled == [3]
    assert len(parted.pages) == len(whole.pages)
    for page, expected in zip(parted.pages, whole.pages):
        assert page.extract_text() == expected.extract_text()
        assert "PROJET" in page.extract_text()


@pytest.mark.django_db
def test_a_small_version_is_laid_out_in_one_process(large_draft, settings, assembled):
    settings.PDF_PROCESSES = 2
    settings.PDF_PARTS_MIN_REQUIREMENTS = 41
    build_version_pdf(large_draft, preview=False)
    assert assembled == []


@pytest.mark.django_db
def test_a_failing_part_falls_back_to_one_process(large_draft, settings, assembled, monkeypatch):
    whole = build(large_draft, settings, processes=1)

    def broken(*args, **kwargs):
        raise RuntimeError("a worker died")

    monkeypatch.setattr(core.pdf_parts, "_assemble_parts", broken)
    parted = build(large_draft, settings, processes=2)
    assert [page.extract_text() for page in parted.pages] == [page.extract_text() for page in whole.pages]


def test_parts_follow_the_settings(settings):
    settings.PDF_PROCESSES = 2
    settings.PDF_PARTS_MIN_REQUIREMENTS = 300
    settings.PDF_PART_MAX_REQUIREMENTS = 700
    assert core.pdf_parts.processes_for(299) == 1
    assert core.pdf_parts.processes_for(300) == 2
    assert core.pdf_parts.processes_for(2000) == 3  # no part over 700 requirements
    settings.PDF_PROCESSES = 1
    assert core.pdf_parts.processes_for(2000) == 1


def test_a_document_without_places_to_cut_is_not_split():
    html = '<html lang="fr"><head></head><body><section>Un seul bloc</section></body></html>'
    assert core.pdf_parts.split_html(html, 2) is None
    marked = html.replace("<section>", "<!--pdf:part--><section>A</section><!--pdf:part--><section>")
    front, parts = core.pdf_parts.split_html(marked, 4)
    assert len(parts) == 2 and front.endswith("</body></html>")
    assert all(part.startswith('<html lang="fr"><head></head><body>') and part.endswith("</body></html>") for part in parts)
