"""ReqIF import into a draft: mapping of the file's attributes, preview of what changes, one
transaction, and files from other tools."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from referential import services
from referential.import_files import proposed_mapping, read_import_file
from referential.interchange import ImportRefused, plan_import, requirement_identifiers
from referential.models import ImportMapping, Requirement, Section
from referential.reqif import build_reqif, build_reqifz
from tests.factories import ActorFactory, LevelFactory, VersionFactory, filled_version, freeze
from tests.referential.reqif_samples import polarion_style, reqview_style, two_object_types


@pytest.fixture
def levels_and_actors(db):
    LevelFactory(slug="bloquante", label="Bloquante", rank=1)
    LevelFactory(slug="majeure", label="Majeure", rank=2)
    ActorFactory(slug="operateur", label="Opérateur MSSanté")
    ActorFactory(slug="operateur-proxy", label="Opérateur utilisant un proxy")


def upload(data: bytes, name: str = "export.reqif") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def snapshot(version):
    """What must survive a round trip, per key."""
    identifiers = requirement_identifiers(version)
    rows = {}
    for r in version.requirements.select_related("level", "section").prefetch_related("actors"):
        path, section = [], r.section
        while section is not None:
            path.insert(0, section.title)
            section = section.parent
        rows[r.key] = (
            r.title, r.statement, r.level.slug if r.level else None, sorted(a.slug for a in r.actors.all()),
            r.verification_method, r.compliance_deadline, tuple(path), identifiers[r.pk],
        )
    return rows


def test_a_reqview_file_imports_with_the_usual_names_mapped_by_default(levels_and_actors, editor):
    draft = VersionFactory(number="0.9")
    document = read_import_file(upload(reqview_style()))
    mapping = proposed_mapping(document)
    assert mapping["key"] == "ReqIF.ForeignID"
    assert mapping["title"] == "Heading"
    assert mapping["statement"] == "ReqIF.Text"
    assert mapping["level"] == "Criticality"
    assert mapping["actors"] == "Stakeholders"
    assert mapping["chapter"] == "ReqIF.ChapterName"

    services.import_into_draft(version=draft, document=document, mapping=mapping, by=editor)

    first = draft.requirements.get(key="OPS-1")
    assert first.title == "Chiffrement TLS"
    assert first.statement == "L'opérateur **DOIT** chiffrer en TLS 1.2.\n\n- entre opérateurs\n- vers les clients"
    assert first.level.slug == "bloquante"
    assert sorted(a.slug for a in first.actors.all()) == ["operateur", "operateur-proxy"]
    assert first.section.title == "Sécurité des échanges"
    assert first.exchange_id == "_rv_req1"
    assert draft.requirements.get(key="OPS-2").statement == "Les serveurs *DOIVENT* présenter un certificat IGC Santé."
    assert first.history.first().history_change_reason == "Import de « export.reqif »"
    # Exported again, the objects keep the tool's identifiers.
    assert requirement_identifiers(draft)[first.pk] == "_rv_req1"


def test_a_polarion_file_needs_the_mapping_step_then_imports_and_the_mapping_is_remembered(levels_and_actors, editor):
    draft = VersionFactory(number="0.9")
    document = read_import_file(upload(polarion_style()))
    assert document["tool"] == "Polarion ALM 2310"
    mapping = proposed_mapping(document)
    assert mapping["key"] == ""  # « Work Item ID » is no usual name of a key
    plan = plan_import(draft, document, mapping)
    assert any("Clé" in p and "aucun attribut" in p for p in plan.problems)
    with pytest.raises(ImportRefused):
        services.import_into_draft(version=draft, document=document, mapping=mapping, by=editor)
    assert not draft.requirements.exists()

    mapping.update(key="Work Item ID", chapter="Section Heading")
    services.import_into_draft(version=draft, document=document, mapping=mapping, by=editor)

    assert sorted(draft.requirements.values_list("key", flat=True)) == ["OPS-1", "OPS-2"]
    assert draft.requirements.get(key="OPS-2").level.slug == "majeure"
    assert ImportMapping.objects.get(source_tool="Polarion ALM 2310").mapping["key"] == "Work Item ID"
    # The next file of the same tool is proposed the remembered mapping.
    assert proposed_mapping(read_import_file(upload(polarion_style())))["key"] == "Work Item ID"


def test_the_preview_lists_added_changed_and_removed_matched_by_identifier_then_key(levels_and_actors, editor):
    published = freeze(filled_version(number="1.0"))
    draft = services.start_draft(referential=published.referential, number="1.1", by=editor)
    text = build_reqif(published).decode("utf-8")
    # In the other tool: MSS 1 renamed MSS 1-bis (same object), MSS 2 deleted, nothing else.
    text = text.replace('THE-VALUE="MSS 1"', 'THE-VALUE="MSS 1-bis"')
    document = read_import_file(upload(text.encode("utf-8")))
    identifiers = requirement_identifiers(draft)
    mss2 = draft.requirements.get(key="MSS 2")
    doc_without_mss2 = dict(document)
    doc_without_mss2["tree"] = [node for node in document["tree"] if not _holds(document, node, identifiers[mss2.pk])]
    mapping = proposed_mapping(document)

    plan = plan_import(draft, doc_without_mss2, mapping)

    assert plan.problems == []
    assert [(r.key, r.existing.key, r.changes) for r in plan.changed] == [("MSS 1-bis", "MSS 1", ["key"])]
    assert [r.key for r in plan.removed] == ["MSS 2"]
    assert plan.added == []

    services.import_into_draft(version=draft, document=doc_without_mss2, mapping=mapping, by=editor)
    renamed = draft.requirements.get(key="MSS 1-bis")
    assert renamed.origin.key == "MSS 1"  # the same row: its lineage is kept
    assert not draft.requirements.filter(key="MSS 2").exists()
    assert not Section.objects.filter(version=draft, title="Annuaire").exists()


def _holds(document, node, identifier) -> bool:
    index, children = node
    return document["objects"][index]["identifier"] == identifier or any(_holds(document, c, identifier) for c in children)


def test_two_requirements_swapping_their_keys_import_without_a_clash(levels_and_actors, editor):
    published = freeze(filled_version(number="1.0"))
    draft = services.start_draft(referential=published.referential, number="1.1", by=editor)
    text = build_reqif(draft).decode("utf-8")
    text = text.replace('THE-VALUE="MSS 1"', 'THE-VALUE="@@"').replace('THE-VALUE="MSS 2"', 'THE-VALUE="MSS 1"').replace('THE-VALUE="@@"', 'THE-VALUE="MSS 2"')
    document = read_import_file(upload(text.encode("utf-8")))
    before = {r.pk: r.key for r in draft.requirements.all()}

    services.import_into_draft(version=draft, document=document, mapping=proposed_mapping(document), by=editor)

    after = {r.pk: r.key for r in draft.requirements.all()}
    assert set(after) == set(before)
    assert all(after[pk] != key for pk, key in before.items())


def test_an_invalid_object_refuses_the_whole_file_and_names_it(levels_and_actors, editor):
    draft = VersionFactory(number="0.9")
    text = reqview_style().decode("utf-8").replace('LONG-NAME="Majeure"', 'LONG-NAME="Critique"')
    document = read_import_file(upload(text.encode("utf-8")))

    with pytest.raises(ImportRefused) as refused:
        services.import_into_draft(version=draft, document=document, mapping=proposed_mapping(document), by=editor)

    assert any("_rv_req2" in p and "niveau « Critique » inconnu" in p and "ligne" in p for p in refused.value.problems)
    assert not Requirement.objects.filter(version=draft).exists()
    assert not Section.objects.filter(version=draft).exists()


def test_a_published_version_refuses_an_import(levels_and_actors, editor):
    published = freeze(filled_version(number="1.0"))
    document = read_import_file(upload(build_reqif(published)))
    with pytest.raises(Exception) as refused:
        services.import_into_draft(version=published, document=document, mapping=proposed_mapping(document), by=editor)
    assert "publiée" in str(refused.value) or "brouillon" in str(refused.value)


# Through the API and the command ------------------------------------------------------------------


def api_url(version, step):
    return f"/api/v1/referentials/{version.referential.slug}/versions/{version.number}/import/{step}/"


def test_the_api_previews_then_applies_an_import_for_an_editor(api_for, levels_and_actors, editor):
    draft = VersionFactory(number="0.9")
    client = api_for(editor)

    preview = client.post(api_url(draft, "preview"), {"file": upload(reqview_style())}, format="multipart")
    assert preview.status_code == 200, preview.json()
    assert preview.json()["added"] == ["OPS-1", "OPS-2"]
    assert preview.json()["applied"] is False
    assert not draft.requirements.exists()

    applied = client.post(api_url(draft, "apply"), {"file": upload(reqview_style())}, format="multipart")
    assert applied.status_code == 200
    assert draft.requirements.count() == 2


def test_the_api_takes_a_mapping_and_names_every_problem(api_for, levels_and_actors, editor):
    draft = VersionFactory(number="0.9")
    client = api_for(editor)
    refused = client.post(api_url(draft, "apply"), {"file": upload(polarion_style())}, format="multipart")
    assert refused.status_code == 400
    assert any("Clé" in p for p in refused.json()["problems"])

    mapping = json.dumps({"key": "Work Item ID", "chapter": "Section Heading"})
    applied = client.post(api_url(draft, "apply"), {"file": upload(polarion_style()), "mapping": mapping}, format="multipart")
    assert applied.status_code == 200, applied.json()
    assert draft.requirements.count() == 2


@pytest.mark.parametrize("who", ["anonymous", "contributor"])
def test_only_editors_may_import_through_the_api_and_nothing_changes(api_for, levels_and_actors, contributor_a, who):
    draft = VersionFactory(number="0.9", status="consultation")
    client = api_for(None if who == "anonymous" else contributor_a)
    response = client.post(api_url(draft, "apply"), {"file": upload(reqview_style())}, format="multipart")
    assert response.status_code in (401, 403)
    assert not draft.requirements.exists()


def test_the_import_page_maps_previews_and_applies(client_for, levels_and_actors, editor):
    draft = VersionFactory(number="0.9")
    client = client_for(editor)
    url = f"/referentiels/{draft.referential.slug}/{draft.number}/importer/"
    assert client.get(url).status_code == 200

    preview = client.post(url, {"file": upload(polarion_style())})
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "Work Item ID" in page and "aucun attribut" in page
    payload = preview.context["payload"]

    remapped = client.post(url, {"payload": payload, "action": "preview", "map-key": "Work Item ID", "map-title": "Title",
                                 "map-statement": "Description", "map-level": "Severity", "map-actors": "Applies To",
                                 "map-chapter": "Section Heading"})
    assert remapped.status_code == 200
    assert remapped.context["plan"].problems == []
    assert not draft.requirements.exists()

    applied = client.post(url, {"payload": payload, "action": "apply", "map-key": "Work Item ID", "map-title": "Title",
                                "map-statement": "Description", "map-level": "Severity", "map-actors": "Applies To",
                                "map-chapter": "Section Heading"})
    assert applied.status_code == 302
    assert draft.requirements.count() == 2


def test_a_tampered_preview_is_refused_and_nothing_is_written(client_for, levels_and_actors, editor):
    draft = VersionFactory(number="0.9")
    url = f"/referentiels/{draft.referential.slug}/{draft.number}/importer/"
    response = client_for(editor).post(url, {"payload": "forged", "action": "apply"})
    assert response.status_code == 302
    assert not draft.requirements.exists()


def test_the_import_page_is_for_editors_only(client_for, contributor_a, db):
    draft = VersionFactory(number="0.9", status="consultation")
    url = f"/referentiels/{draft.referential.slug}/{draft.number}/importer/"
    assert client_for(contributor_a).get(url).status_code == 403
    assert client_for(contributor_a).post(url, {"file": upload(reqview_style())}).status_code == 403


def test_the_import_command_imports_a_reqifz_into_a_draft(levels_and_actors, editor, tmp_path):
    published = freeze(filled_version(number="1.0"))
    draft = services.create_version(referential=published.referential, number="2.0", by=editor)
    path = tmp_path / "ref.reqifz"
    path.write_bytes(build_reqifz(published))
    out = io.StringIO()

    call_command("import_referential", published.referential.slug, "2.0", str(path), "--user", editor.username, stdout=out)

    assert snapshot(draft) == snapshot(published)
    assert "ajoutée" in out.getvalue()


def test_the_import_command_reports_problems_and_writes_nothing(levels_and_actors, editor, tmp_path):
    draft = VersionFactory(number="0.9")
    path = tmp_path / "polarion.reqif"
    path.write_bytes(polarion_style())
    with pytest.raises(CommandError, match="Clé"):
        call_command("import_referential", draft.referential.slug, "0.9", str(path), "--user", editor.username)
    assert not draft.requirements.exists()

    call_command(
        "import_referential", draft.referential.slug, "0.9", str(path), "--user", editor.username,
        "--map", "key=Work Item ID", "--map", "chapter=Section Heading", stdout=io.StringIO(),
    )
    assert draft.requirements.count() == 2


def test_a_version_in_consultation_answers_409_to_an_import_and_keeps_its_text(api_for, levels_and_actors, editor):
    version = freeze(filled_version(number="0.9"), "consultation")  # its text is written as a draft
    before = snapshot(version)
    response = api_for(editor).post(api_url(version, "apply"), {"file": upload(reqview_style())}, format="multipart")
    assert response.status_code == 409
    assert "brouillon" in response.json()["detail"]
    assert snapshot(version) == before


@pytest.mark.parametrize("heading_first", [True, False], ids=["string-defined-first", "xhtml-defined-first"])
def test_an_attribute_named_alike_in_two_types_is_read_with_the_kind_of_each_object(db, editor, heading_first):
    # « ReqIF.Text » is a STRING on headings and an XHTML on requirements: the statement came back as
    # the raw XML of its value, or the heading's plain text crashed the XHTML parser (500).
    draft = VersionFactory(number="0.9")
    document = read_import_file(upload(two_object_types(heading_first=heading_first)))
    services.import_into_draft(version=draft, document=document, mapping=proposed_mapping(document), by=editor)

    requirement = draft.requirements.get()
    assert requirement.statement == "L'opérateur **DOIT** chiffrer."
    assert requirement.section.intro == "Ce chapitre traite du transport."


def test_a_field_mapped_to_an_xhtml_attribute_gets_its_text_not_its_markup(db, editor):
    draft = VersionFactory(number="0.9")
    document = read_import_file(upload(two_object_types()))
    services.import_into_draft(version=draft, document=document, mapping=proposed_mapping(document), by=editor)
    assert draft.requirements.get().title == "Chiffrement TLS"


def test_scripts_styles_and_unsafe_links_of_a_foreign_statement_leave_no_trace(db, editor):
    hostile = (
        "<xhtml:script>alert(1)</xhtml:script><xhtml:style>p{color:red}</xhtml:style>"
        '<xhtml:p onclick="steal()">Voir <xhtml:a href="javascript:alert(2)">la note</xhtml:a> et '
        '<xhtml:a href="https://esante.gouv.fr/mssante">le site</xhtml:a>.</xhtml:p>'
    )
    draft = VersionFactory(number="0.9")
    document = read_import_file(upload(two_object_types(statement_extra=hostile)))
    services.import_into_draft(version=draft, document=document, mapping=proposed_mapping(document), by=editor)
    assert draft.requirements.get().statement == (
        "L'opérateur **DOIT** chiffrer.\n\nVoir la note et [le site](https://esante.gouv.fr/mssante)."
    )


def test_a_mapping_nested_beyond_the_parser_s_depth_is_a_400(api_for, editor, db):
    draft = VersionFactory(number="0.9")
    response = api_for(editor).post(
        api_url(draft, "preview"), {"file": upload(reqview_style()), "mapping": "[" * 100_000}, format="multipart"
    )
    assert response.status_code == 400
    assert "mapping" in response.json()["detail"]
