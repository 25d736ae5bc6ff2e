"""The PDF engine's speed-up of pydyf's page references gives the very references pydyf gives."""

import io

import pydyf
from pypdf import PdfReader

from core import pdf as engine


def test_cached_page_references_are_pydyfs_own_and_follow_new_pages():
    document = pydyf.PDF()
    for _ in range(3):
        document.add_page(pydyf.Dictionary({"Type": "/Page"}))
    assert document.page_references == engine.PYDYF_PAGE_REFERENCES.fget(document)
    document.add_page(pydyf.Dictionary({"Type": "/Page"}))
    assert len(document.page_references) == 4
    assert document.page_references == engine.PYDYF_PAGE_REFERENCES.fget(document)


def test_a_tagged_pdf_still_points_each_structure_element_at_its_page():
    html = "<html lang='fr'><head><title>t</title></head><body>" + "".join(
        f"<p style='break-before: page'>Page {n}</p>" for n in range(1, 4)
    ) + "</body></html>"
    reader = PdfReader(io.BytesIO(engine.html_to_pdf(html)))
    pages = [page.indirect_reference.idnum for page in reader.pages]
    found = set()
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop().get_object()
        if isinstance(node, dict):
            if "/Pg" in node:
                found.add(node.raw_get("/Pg").idnum)
            kids = node.get("/K")
            if kids is not None:
                stack.extend(kids if isinstance(kids, list) else [kids])
        elif isinstance(node, list):
            stack.extend(node)
    assert found == set(pages)
