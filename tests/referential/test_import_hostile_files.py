"""Hostile and broken files: each refused with a clear message, nothing written, memory bounded."""

import contextlib
import io
import resource
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from referential import reqif, services
from referential.import_files import proposed_mapping, read_import_file
from referential.interchange import ImportRefused
from referential.models import Requirement, Section
from referential.reqif import build_reqif
from tests.factories import VersionFactory, filled_version, freeze
from tests.referential.reqif_samples import reqview_style

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<REQ-IF xmlns="http://www.omg.org/spec/ReqIF/20110401/reqif.xsd"><THE-HEADER>&lol9;</THE-HEADER></REQ-IF>
"""


def external_entity(path) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "file://{path}">]>
<REQ-IF xmlns="http://www.omg.org/spec/ReqIF/20110401/reqif.xsd"><THE-HEADER><REQ-IF-HEADER IDENTIFIER="h"><TITLE>&secret;</TITLE></REQ-IF-HEADER></THE-HEADER></REQ-IF>
""".encode()


def refused(data: bytes, name: str = "hostile.reqif") -> str:
    with pytest.raises(ImportRefused) as error:
        read_import_file(SimpleUploadedFile(name, data))
    return str(error.value.message)


@pytest.fixture
def draft(db):
    return VersionFactory(number="0.9")


def nothing_written(draft):
    return not Requirement.objects.filter(version=draft).exists() and not Section.objects.filter(version=draft).exists()


def test_a_billion_laughs_entity_bomb_is_refused_without_expanding_it(draft):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    message = refused(BILLION_LAUGHS)
    assert "DOCTYPE" in message
    # Expanded, the bomb would take gigabytes; refused, the process does not grow measurably.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024
    assert nothing_written(draft)


def test_the_parser_itself_never_expands_entities_even_past_the_doctype_check(draft):
    # Hidden after 64 KiB of leading whitespace, the declaration escapes the quick check: the
    # parser is the second line of defence and still refuses.
    padded = b"<?xml version=\"1.0\"?>" + b" " * 70_000 + BILLION_LAUGHS.split(b"?>", 1)[1]
    message = refused(padded)
    assert "DOCTYPE" in message or "XML mal formé" in message


def test_an_external_entity_pointing_at_a_local_file_is_refused_and_never_read(draft, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("mot de passe de la base")
    message = refused(external_entity(secret))
    assert "DOCTYPE" in message
    assert "mot de passe" not in message


def test_a_200_mb_upload_is_refused_from_its_announced_size_before_reading(draft):
    class Announced200MB:
        name = "enorme.reqif"
        size = 200 * 1024 * 1024

        def read(self, *args):
            raise AssertionError("the file must not be read")

    with pytest.raises(ImportRefused, match="dépasse 50 Mo"):
        read_import_file(Announced200MB())
    assert nothing_written(draft)


def test_a_200_mb_stream_that_hides_its_size_is_read_no_further_than_the_limit(draft):
    class Stream200MB:
        """200 MB of XML-looking bytes made on demand: never held whole in memory."""

        name = "enorme.reqif"
        size = None
        remaining = 200 * 1024 * 1024
        served = 0

        def read(self, size=-1):
            size = self.remaining if size is None or size < 0 else min(size, self.remaining)
            self.remaining -= size
            self.served += size
            return b" " * size

    stream = Stream200MB()
    with pytest.raises(ImportRefused, match="dépasse 50 Mo"):
        read_import_file(stream)
    assert stream.served == reqif.MAX_BYTES + 1


def test_a_truncated_file_is_refused_naming_the_line(db):
    data = build_reqif(freeze(filled_version()))
    message = refused(data[: len(data) // 2])
    assert "XML mal formé, ligne" in message


def test_duplicate_identifiers_are_refused_naming_both_lines(draft):
    text = reqview_style().decode().replace('IDENTIFIER="_rv_req2"', 'IDENTIFIER="_rv_req1"')
    message = refused(text.encode())
    assert "SPEC-OBJECT « _rv_req1 »" in message
    assert "identifiant en double" in message and "ligne" in message


def test_a_hierarchy_pointing_at_a_missing_object_is_refused_naming_the_element(draft):
    text = reqview_style().decode().replace("<SPEC-OBJECT-REF>_rv_req2</SPEC-OBJECT-REF>", "<SPEC-OBJECT-REF>_absent</SPEC-OBJECT-REF>")
    message = refused(text.encode())
    assert "SPEC-HIERARCHY « _h3 »" in message and "_absent" in message


def test_a_value_of_an_unknown_attribute_definition_is_refused_naming_the_element(draft):
    text = reqview_style().decode().replace(
        "<ATTRIBUTE-DEFINITION-STRING-REF>_A_NAME</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING>\n            <ATTRIBUTE-VALUE-XHTML><DEFINITION><ATTRIBUTE-DEFINITION-XHTML-REF>_A_TEXT</ATTRIBUTE-DEFINITION-XHTML-REF></DEFINITION>\n              <THE-VALUE><xhtml:div><xhtml:p>Les",
        "<ATTRIBUTE-DEFINITION-STRING-REF>_A_NOPE</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING>\n            <ATTRIBUTE-VALUE-XHTML><DEFINITION><ATTRIBUTE-DEFINITION-XHTML-REF>_A_TEXT</ATTRIBUTE-DEFINITION-XHTML-REF></DEFINITION>\n              <THE-VALUE><xhtml:div><xhtml:p>Les",
    )
    message = refused(text.encode())
    assert "ATTRIBUTE-VALUE-STRING (ligne" in message and "_A_NOPE" in message


def test_a_file_that_is_not_reqif_is_refused(draft):
    assert "REQ-IF" in refused(b"<?xml version='1.0'?><html><body/></html>")


def test_duplicate_keys_are_refused_before_anything_is_written(draft, editor):
    from tests.factories import LevelFactory

    LevelFactory(slug="bloquante", label="Bloquante", rank=1)
    LevelFactory(slug="majeure", label="Majeure", rank=2)
    text = reqview_style().decode().replace('THE-VALUE="OPS-2"', 'THE-VALUE="OPS-1"')
    document = read_import_file(SimpleUploadedFile("dup.reqif", text.encode()))
    with pytest.raises(ImportRefused) as error:
        services.import_into_draft(version=draft, document=document, mapping=proposed_mapping(document), by=editor)
    assert any("la clé « OPS-1 » est déjà celle de" in p for p in error.value.problems)
    assert nothing_written(draft)


def _bomb(member: str, megabytes: int, extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
        with archive.open(member, "w") as stream:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                stream.write(chunk)
    return buffer.getvalue()


def test_a_zip_bomb_in_a_reqifz_is_refused_before_inflating_it(draft):
    bomb = _bomb("bombe.reqif", 60)
    assert len(bomb) < 1024 * 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert "dépasse 50 Mo" in refused(bomb, "bombe.reqifz")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 40 * 1024
    assert nothing_written(draft)


def test_a_zip_bomb_in_an_xlsx_is_refused_before_openpyxl_opens_it(draft):
    bomb = _bomb("xl/worksheets/sheet1.xml", 60, extra={"[Content_Types].xml": "<Types/>"})
    message = refused(bomb, "bombe.xlsx")
    assert "bombe de décompression" in message
    assert nothing_written(draft)


def test_a_damaged_reqifz_is_refused(draft):
    assert "illisible" in refused(b"PK\x03\x04 pas vraiment un zip", "abime.reqifz")


@contextlib.contextmanager
def memory_capped(megabytes: int):
    """Cap the address space of this process at its size now plus ``megabytes`` for the block, so
    that a bomb that gets through fails with MemoryError instead of taking the machine down."""
    with open("/proc/self/status") as status:
        current = next(int(line.split()[1]) for line in status if line.startswith("VmSize:")) * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (current + megabytes * 1024 * 1024, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _xlsx_with(sheet_xml_tail: bytes = b"", cells: list[list[str]] | None = None) -> bytes:
    """A small, genuine workbook whose first sheet gets ``sheet_xml_tail`` after its data."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in cells or [["Clé", "Titre", "Énoncé", "Chapitre"], ["K", "T", "S", "C"]]:
        sheet.append(row)
    plain = io.BytesIO()
    workbook.save(plain)
    source = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"</sheetData>", b"</sheetData>" + sheet_xml_tail)
            target.writestr(info, content)
    return out.getvalue()


def test_a_tiny_xlsx_merging_a_whole_sheet_is_refused_before_openpyxl_fills_the_merge(draft):
    # 5 kB declaring one merge over every cell of a sheet: openpyxl would create 17 billion cells.
    bomb = _xlsx_with(b'<mergeCells count="1"><mergeCell ref="A3:XFD1048576"/></mergeCells>')
    assert len(bomb) < 10_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with memory_capped(600):
        message = refused(bomb, "fusion.xlsx")
    assert "fusionn" in message
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 40 * 1024
    assert nothing_written(draft)


def test_a_cell_far_to_the_right_does_not_make_every_row_that_wide(draft):
    # One value in column XFD on line 9 000 would make 9 000 rows of 16 384 cells each.
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Clé", "Titre", "Énoncé", "Chapitre"])
    sheet.append(["K", "T", "S", "C"])
    sheet.cell(row=9000, column=16384, value="x")
    data = io.BytesIO()
    workbook.save(data)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with memory_capped(600):
        document = read_import_file(SimpleUploadedFile("large.xlsx", data.getvalue()))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024
    assert [o["values"] for o in document["objects"] if o["identifier"] == "" and "Clé" in o["values"]] == [
        {"Clé": "K", "Titre": "T", "Énoncé": "S"}
    ]


def test_a_csv_header_of_a_hundred_thousand_columns_is_read_in_bounded_time(draft):
    # Every short row was padded to the header's width, then walked cell by cell.
    header = "Clé;Titre;Énoncé;Chapitre" + ";" * 100_000
    rows = "\r\n".join(f"K{i};T;S;C" for i in range(1000))
    started = time.monotonic()
    document = read_import_file(SimpleUploadedFile("large.csv", (header + "\r\n" + rows).encode()))
    assert time.monotonic() - started < 3
    assert len([a for a in document["attributes"]]) == 4


def test_a_chapter_nested_three_thousand_levels_deep_is_refused_naming_its_line(draft):
    chapter = " > ".join(f"c{i}" for i in range(3000))
    message = refused(f"Clé;Titre;Énoncé;Chapitre\r\nK;T;S;{chapter}".encode(), "profond.csv")
    assert message == "Ligne 2 : chapitre imbriqué sur 3000 niveaux, 20 au plus."
    assert nothing_written(draft)
