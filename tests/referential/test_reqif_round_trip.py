"""Round trip: export → import into an empty draft → export gives the same requirements (keys,
titles, statements, levels, actors, tree, lineage identifiers), for the demo data and for a
synthetic version of 2,000 requirements."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from lxml import etree

from referential import services
from referential.import_files import proposed_mapping, read_import_file
from referential.models import Actor, NonConformityLevel, Referential, ReferentialVersion, Requirement, Section
from referential.reqif import REQIF_NS, build_reqif
from tests.factories import editor_user
from tests.referential.test_reqif_import import snapshot

R = f"{{{REQIF_NS}}}"


def requirement_objects(data: bytes) -> list[tuple]:
    """Every requirement SPEC-OBJECT of a file, in hierarchy order, with its path of chapter names
    and its values as written (XHTML included): what another tool would see."""
    root = etree.fromstring(data)
    objects = {o.get("IDENTIFIER"): o for o in root.iter(R + "SPEC-OBJECT")}
    found = []

    def walk(holder, path):
        for node in holder.iterfind(f"{R}CHILDREN/{R}SPEC-HIERARCHY"):
            identifier = node.find(f"{R}OBJECT/{R}SPEC-OBJECT-REF").text
            obj = objects[identifier]
            kind = obj.find(f"{R}TYPE/{R}SPEC-OBJECT-TYPE-REF").text
            values = tuple(
                etree.tostring(value, encoding="unicode").replace(obj.get("LAST-CHANGE"), "")
                for value in obj.find(R + "VALUES")
            )
            if kind == "ans.type.chapter":
                walk(node, (*path, obj.get("LONG-NAME")))
            else:
                found.append((identifier, path, values))
                walk(node, path)

    walk(root.find(f".//{R}SPECIFICATION"), ())
    return found


def round_trip(version, by, number):
    exported = build_reqif(version)
    empty = services.create_version(referential=version.referential, number=number, by=by)
    document = read_import_file(SimpleUploadedFile("aller.reqif", exported))
    services.import_into_draft(version=empty, document=document, mapping=proposed_mapping(document), by=by)
    return exported, empty


@pytest.mark.django_db
def test_every_demo_version_survives_the_round_trip():
    call_command("load_demo", stdout=io.StringIO())
    editor = editor_user(username="aller-retour")
    versions = list(ReferentialVersion.objects.select_related("referential").order_by("referential__slug", "created_at"))
    assert versions
    for index, version in enumerate(versions):
        exported, copy = round_trip(version, editor, f"9.{index}")
        assert snapshot(copy) == snapshot(version), version
        assert requirement_objects(build_reqif(copy)) == requirement_objects(exported), version


@pytest.mark.django_db
def test_a_synthetic_version_of_2000_requirements_survives_the_round_trip():
    editor = editor_user(username="aller-retour")
    levels = [
        NonConformityLevel.objects.create(slug=slug, label=slug.capitalize(), definition="Définition.", rank=rank)
        for rank, slug in enumerate(["bloquante", "majeure", "mineure"], start=1)
    ]
    actors = [Actor.objects.create(slug=f"acteur-{i}", label=f"Acteur {i}") for i in range(4)]
    referential = Referential.objects.create(slug="synthetique", code="Ref#9", title="Synthétique", audience="Tous")
    version = ReferentialVersion.objects.create(referential=referential, number="1.0")
    chapters = []
    for i in range(1, 11):
        top = Section.objects.create(version=version, title=f"Chapitre {i}", position=i, intro=f"Introduction **{i}**.")
        chapters.append(top)
        chapters.append(Section.objects.create(version=version, parent=top, title=f"Section {i}.1", position=1))
    statement = (
        "L'opérateur **DOIT** chiffrer chaque message échangé avec TLS 1.2 au moins ; il *PEUT* proposer "
        "le format `XDM/1.0/DDM+<libellé> <NOM> <prénom>`.\n\n- premier point\n- second point"
    )
    Requirement.objects.bulk_create(
        Requirement(
            version=version, section=chapters[i % len(chapters)], key=f"SYN.{i + 1}", title=f"Exigence synthétique {i + 1}",
            statement=f"{statement} ({i})", level=levels[i % 3], verification_method="Audit documentaire" if i % 2 else "",
            compliance_deadline=dt.date(2027, 1, 1) if i % 5 == 0 else None, position=i,
        )
        for i in range(2000)
    )
    through = Requirement.actors.through
    through.objects.bulk_create(
        through(requirement_id=rid, actor_id=actors[(rid + k) % 4].pk)
        for rid in Requirement.objects.filter(version=version).values_list("pk", flat=True)
        for k in range(1 + rid % 2)
    )

    exported, copy = round_trip(version, editor, "2.0")

    assert copy.requirements.count() == 2000
    assert snapshot(copy) == snapshot(version)
    assert requirement_objects(build_reqif(copy)) == requirement_objects(exported)
    assert dict(copy.sections.values_list("title", "intro")) == dict(version.sections.values_list("title", "intro"))
