"""ReqIF 1.2 export: valid against the schema the `reqif` package ships, read back by that package,
identifiers that follow the lineage, and the same visibility as every other download."""

import io
import os
import zipfile
from pathlib import Path

import pytest
import reqif
import xmlschema
from django.core.management import call_command
from lxml import etree
from reqif.parser import ReqIFParser

from referential import services
from referential.interchange import requirement_identifiers
from referential.reqif import REQIF_NS, build_reqif, build_reqifz
from tests.factories import filled_version, freeze

R = f"{{{REQIF_NS}}}"


@pytest.fixture(scope="session")
def reqif_schema():
    """The ReqIF 1.2 schema shipped by StrictDoc's `reqif` package (its includes are relative to it)."""
    package_root = Path(reqif.__file__).resolve().parent
    previous = os.getcwd()
    os.chdir(package_root.parent)
    try:
        return xmlschema.XMLSchema(str(package_root / "reqif_schema" / "reqif.xsd"))
    finally:
        os.chdir(previous)


def spec_objects(data: bytes) -> dict[str, dict[str, object]]:
    """SPEC-OBJECT identifier → {attribute long name: value}, read from our own file."""
    root = etree.fromstring(data)
    names = {d.get("IDENTIFIER"): d.get("LONG-NAME") for d in root.iter() if str(d.tag).startswith(R + "ATTRIBUTE-DEFINITION-")}
    found = {}
    for obj in root.iter(R + "SPEC-OBJECT"):
        values = {}
        for value in obj.find(R + "VALUES"):
            name = names[value.find(f"{R}DEFINITION/*").text]
            if value.get("THE-VALUE") is not None:
                values[name] = value.get("THE-VALUE")
            elif value.find(f"{R}VALUES") is not None:
                values[name] = [ref.text for ref in value.iterfind(f"{R}VALUES/{R}ENUM-VALUE-REF")]
            else:
                values[name] = etree.tostring(value.find(R + "THE-VALUE"), encoding="unicode")
        found[obj.get("IDENTIFIER")] = values
    return found


def test_the_export_validates_against_the_reqif_schema_and_reads_back_with_the_reqif_package(db, reqif_schema, tmp_path):
    version = filled_version()
    requirement = version.requirements.get(key="MSS 1")
    requirement.statement = (
        "Le format `XDM/1.0/DDM+<libellé> <NOM>` **DOIT** être respecté :\n\n- un\n- deux\n\n"
        "### Détail\n\n| champ | valeur |\n|:--|--:|\n| a | [lien](https://esante.gouv.fr) |\n\n"
        "> citation  \navec saut\n\n```\ncode <brut>\n```\n\n---\n\n1. premier\n2. *second*"
    )
    requirement.save()
    data = build_reqif(version)
    path = tmp_path / "export.reqif"
    path.write_bytes(data)

    assert list(reqif_schema.iter_errors(str(path))) == []
    bundle = ReqIFParser.parse(str(path))
    objects = bundle.core_content.req_if_content.spec_objects
    # One object per requirement and one per chapter.
    assert len(objects) == version.requirements.count() + version.sections.count()
    specification = bundle.core_content.req_if_content.specifications[0]
    assert len(list(bundle.iterate_specification_hierarchy(specification))) == len(objects)
    assert bundle.req_if_header.source_tool_id == "Référentiels MSSanté (ANS)"
    assert f"version {version.number}" in bundle.req_if_header.title


def test_each_requirement_carries_its_fields_with_the_statement_as_sanitised_xhtml(db):
    version = filled_version()
    requirement = version.requirements.get(key="MSS 1")
    requirement.statement = "Il **DOIT** citer `<NOM>`.<script>alert(1)</script>"
    requirement.verification_method = "Audit"
    requirement.save()
    identifier = requirement_identifiers(version)[requirement.pk]

    values = spec_objects(build_reqif(version))[identifier]

    assert values["ReqIF.ForeignID"] == "MSS 1"
    assert values["ReqIF.Name"] == requirement.title
    assert values["ANS.StatementMarkdown"] == requirement.statement
    assert "<xhtml:strong>DOIT</xhtml:strong>" in values["ReqIF.Text"]
    assert "&lt;NOM&gt;" in values["ReqIF.Text"]
    assert "<xhtml:script" not in values["ReqIF.Text"]
    assert values["ANS.Level"] == ["ans.level.bloquante"]
    assert sorted(values["ANS.Actors"]) == ["ans.actor.operateur", "ans.actor.operateur-proxy"]
    assert values["ANS.VerificationMethod"] == "Audit"


def test_chapters_form_the_spec_hierarchy_in_document_order(db):
    version = filled_version()
    root = etree.fromstring(build_reqif(version))
    names = {o.get("IDENTIFIER"): o.get("LONG-NAME") for o in root.iter(R + "SPEC-OBJECT")}

    def tree(holder):
        return [
            (names[node.find(f"{R}OBJECT/{R}SPEC-OBJECT-REF").text], tree(node))
            for node in holder.iterfind(f"{R}CHILDREN/{R}SPEC-HIERARCHY")
        ]

    specification = root.find(f".//{R}SPECIFICATION")
    assert tree(specification) == [
        ("Sécurité", [("Transport", [("MSS 1", [])])]),
        ("Annuaire", [("MSS 2", [])]),
    ]


def test_a_requirement_keeps_its_identifier_in_the_next_version_even_when_its_key_changes(db, editor):
    first = freeze(filled_version(number="1.0"))
    draft = services.start_draft(referential=first.referential, number="1.1", by=editor)
    renamed = draft.requirements.get(key="MSS 1")
    services.update_requirement(requirement=renamed, key="MSS 1-bis", by=editor)

    before = spec_objects(build_reqif(first))
    after = spec_objects(build_reqif(draft))

    old_id = requirement_identifiers(first)[first.requirements.get(key="MSS 1").pk]
    assert before[old_id]["ReqIF.ForeignID"] == "MSS 1"
    assert after[old_id]["ReqIF.ForeignID"] == "MSS 1-bis"
    assert set(before) == set(after)


def test_a_frozen_version_always_exports_the_same_bytes(db, editor):
    version = freeze(filled_version())
    assert build_reqif(version) == build_reqif(version)
    assert build_reqifz(version) == build_reqifz(version)


def test_the_reqifz_archive_holds_the_reqif_document(db):
    version = freeze(filled_version())
    archive = zipfile.ZipFile(io.BytesIO(build_reqifz(version)))
    [name] = archive.namelist()
    assert name.endswith(".reqif")
    assert archive.read(name) == build_reqif(version)


@pytest.mark.parametrize("fmt", ["reqif", "reqifz"])
def test_anyone_downloads_the_reqif_of_a_published_version_from_the_page_and_the_api(anonymous, db, fmt):
    version = freeze(filled_version())
    base = f"/referentiels/{version.referential.slug}/{version.number}"
    page = anonymous.get(f"{base}/export.{fmt}")
    api = anonymous.get(f"/api/v1/referentials/{version.referential.slug}/versions/{version.number}/{fmt}/")
    assert page.status_code == api.status_code == 200
    assert page.content == api.content
    assert page["Content-Disposition"].endswith(f'.{fmt}"')
    assert page["Cache-Control"] == "public, max-age=3600"


def test_a_draft_outside_consultation_is_not_exported_to_those_who_may_not_read_it(client_for, contributor_a, editor, db):
    version = filled_version()
    base = f"/referentiels/{version.referential.slug}/{version.number}"
    api = f"/api/v1/referentials/{version.referential.slug}/versions/{version.number}/reqif/"
    for user in (None, contributor_a):
        client = client_for(user)
        assert client.get(f"{base}/export.reqif").status_code == 404
        assert client.get(api).status_code == 404
    editor_client = client_for(editor)
    response = editor_client.get(f"{base}/export.reqif")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_the_version_page_links_to_the_reqif_export(anonymous, db):
    version = freeze(filled_version())
    page = anonymous.get(version.get_absolute_url()).content.decode()
    assert f"{version.number}/export.reqif" in page
    assert f"{version.number}/export.reqifz" in page


def test_the_export_command_writes_the_file(db, tmp_path):
    version = freeze(filled_version())
    target = tmp_path / "out.reqifz"
    out = io.StringIO()
    call_command("export_referential", version.referential.slug, version.number, "--format", "reqifz", "-o", str(target), stdout=out)
    assert zipfile.ZipFile(target).read(zipfile.ZipFile(target).namelist()[0]) == build_reqif(version)
    assert "exportée" in out.getvalue()


def test_the_export_command_names_an_unknown_version(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Aucune version 9.9"):
        call_command("export_referential", "inconnu", "9.9")


def test_control_characters_pasted_from_a_word_processor_do_not_break_the_reqif_and_xlsx_exports(client_for, editor, db):
    # Word writes a manual line break as \x0b and a page break as \x0c; XML 1.0 and XLSX allow
    # neither, and the exports answered 500.
    version = filled_version()
    requirement = version.requirements.get(key="MSS 1")
    requirement.title = "Titre\x0bsur deux lignes"
    requirement.statement = "Premier point\x0bsecond point\x0c\x01"
    requirement.verification_method = "Audit\x1f"
    requirement.save()
    client = client_for(editor)
    for fmt in ("reqif", "reqifz", "xlsx"):
        response = client.get(f"/referentiels/{version.referential.slug}/{version.number}/export.{fmt}")
        assert response.status_code == 200, fmt
    values = spec_objects(build_reqif(version))
    [exported] = [v for v in values.values() if v.get("ReqIF.ForeignID") == "MSS 1"]
    assert exported["ANS.StatementMarkdown"] == "Premier point\nsecond point\n"  # the form feed is a line break
    assert exported["ANS.VerificationMethod"] == "Audit"
