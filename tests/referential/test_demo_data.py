"""The demo data (fixtures/*.json), its importer and the load_demo command."""

import copy
import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from core.roles import CONTRIBUTOR_GROUP, EDITOR_GROUP
from referential import importers
from referential.document_reader import InvalidDocument, read_document
from referential.errors import VersionFrozen
from referential.importers import import_referential
from referential.models import NonConformityLevel, Referential, ReferentialVersion, Requirement, Section
from referential.services import update_requirement

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
Status = ReferentialVersion.Status


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    return load_demo()


def version(slug, number):
    return ReferentialVersion.objects.get(referential__slug=slug, number=number)


def keys(queryset):
    return set(queryset.values_list("key", flat=True))


def row_counts():
    """Rows of every model the command may touch, history and permissions included."""
    counts = {
        model._meta.label: model.objects.count()
        for model in apps.get_app_config("referential").get_models()
    }
    counts["users"] = get_user_model().objects.count()
    counts["groups"] = Group.objects.count()
    counts["group permissions"] = Group.permissions.through.objects.count()
    counts["user groups"] = get_user_model().groups.through.objects.count()
    return counts


def minimal_document(**requirement_overrides):
    requirement = {
        "key": "T 1",
        "title": "Exigence de test",
        "statement": "Le système **DOIT** fonctionner.",
        "level": "majeure",
        "actors": ["operateur"],
    }
    requirement.update(requirement_overrides)
    return {
        "referential": {"slug": "ref-test", "code": "Ref#T", "title": "Référentiel de test", "audience": "Tests"},
        "versions": [
            {
                "number": "1.0",
                "status": "published",
                "chapters": [{"id": "c1", "title": "Chapitre", "requirements": [requirement]}],
            }
        ],
    }


# Loading -----------------------------------------------------------------------------------------


def test_the_demo_loads_levels_actors_and_both_referentials(demo):
    assert list(NonConformityLevel.objects.values_list("slug", "rank", "remediation_delay_days")) == [
        ("bloquante", 1, None),
        ("majeure", 2, 180),
        ("mineure", 3, None),
    ]
    assert set(apps.get_model("referential", "Actor").objects.values_list("slug", flat=True)) >= {
        "operateur",
        "operateur-proxy",
        "editeur-proxy",
        "editeur-lps",
        "ans",
    }
    ref1 = Referential.objects.get(slug="ref1-mssante")
    assert (ref1.code, ref1.title) == ("Ref#1", "Référentiel socle MSSanté #1 – Opérateurs")
    ref2 = Referential.objects.get(slug="ref2-clients")
    assert (ref2.code, ref2.title) == ("Ref#2", "Référentiel socle MSSanté #2 – Clients de messageries")


def test_ref1_version_1_0_has_at_least_40_requirements_over_at_least_6_chapters_some_nested(demo):
    v10 = version("ref1-mssante", "1.0")
    assert v10.requirements.count() >= 40
    assert v10.sections.filter(parent=None).count() >= 6
    assert v10.sections.filter(parent__isnull=False).exists()
    assert keys(v10.requirements) >= {"MSS 1", "MSS 17", "MSS 19", "MSS 42"}


def test_every_requirement_has_a_level_actors_and_a_normative_statement(demo):
    for requirement in Requirement.objects.prefetch_related("actors"):
        assert requirement.level_id is not None, requirement.key
        assert requirement.actors.all(), requirement.key
        assert any(word in requirement.statement for word in ("DOIT", "DEVRAIT", "PEUT")), requirement.key


def test_version_1_0_is_published_on_its_historical_date_with_its_conformity_rule(demo):
    v10 = version("ref1-mssante", "1.0")
    assert v10.status == Status.PUBLISHED
    assert v10.published_at.date().isoformat() == "2022-06-01"
    assert v10.published_by.username == "editrice"
    assert v10.change_summary == "Version initiale"
    assert {t.level.slug: t.max_findings for t in v10.thresholds.all()} == {"bloquante": 0, "majeure": 3, "mineure": 10}
    assert v10.conformity_rule_note


def test_the_published_version_stays_frozen_after_the_import(demo):
    requirement = version("ref1-mssante", "1.0").requirements.get(key="MSS 17")
    with pytest.raises(VersionFrozen):
        update_requirement(requirement=requirement, data={"title": "Autre titre"})


def test_version_1_1_is_a_draft_whose_copied_requirements_and_chapters_point_to_their_origin(demo):
    v10, v11 = version("ref1-mssante", "1.0"), version("ref1-mssante", "1.1")
    assert v11.status == Status.DRAFT
    assert v11.based_on == v10
    copied = v11.requirements.exclude(origin=None)
    assert copied.count() == v11.requirements.count() - 3
    assert not copied.exclude(origin__version=v10).exists()
    assert v11.requirements.get(key="MSS 40.1").origin.key == "MSS 41"
    assert set(v11.sections.filter(origin=None).values_list("title", flat=True)) == {"Performance et disponibilité"}
    assert not v11.sections.exclude(origin=None).exclude(origin__version=v10).exists()


def test_version_1_1_differs_from_1_0_exactly_by_the_documented_changes(demo):
    v10, v11 = version("ref1-mssante", "1.0"), version("ref1-mssante", "1.1")
    assert keys(v11.requirements.filter(origin=None)) == {"MSS 51", "MSS 52", "MSS 53"}
    assert keys(v10.requirements.filter(copies=None)) == {"MSS 30", "MSS 47"}

    def fields(req):
        return {
            "key": req.key,
            "title": req.title,
            "statement": req.statement,
            "level": req.level.slug,
            "actors": {a.slug for a in req.actors.all()},
            "verification": req.verification_method,
            "deadline": req.compliance_deadline,
            "section": req.section.title,
        }

    differences = {}
    for new in v11.requirements.exclude(origin=None).select_related("origin", "level", "section"):
        old, now = fields(new.origin), fields(new)
        changed = {name for name in old if old[name] != now[name]}
        if changed:
            differences[new.origin.key] = changed
    assert differences == {
        "MSS 19": {"statement"},
        "MSS 22": {"statement"},
        "MSS 27": {"level"},
        "MSS 35": {"statement", "deadline"},
        "MSS 46": {"actors"},
        "MSS 36": {"section"},
        "MSS 44": {"section"},
        "MSS 41": {"key"},
    }
    assert v10.requirements.get(key="MSS 27").level.slug == "majeure"
    assert v11.requirements.get(key="MSS 27").level.slug == "bloquante"
    assert v11.requirements.count() - len(differences) - 3 >= 35  # the rest is identical


def test_ref2_is_a_draft_with_eco_keys_over_four_chapters(demo):
    v09 = version("ref2-clients", "0.9")
    assert v09.status == Status.DRAFT
    assert v09.requirements.count() >= 20
    assert v09.sections.filter(parent=None).count() == 4
    assert {key.split(".")[1] for key in keys(v09.requirements)} == {"1", "2", "3", "4"}
    assert all(key.startswith("ECO.") for key in keys(v09.requirements))


def test_literal_formats_in_angle_brackets_are_kept_as_written(demo):
    statement = version("ref1-mssante", "1.0").requirements.get(key="MSS 37").statement
    assert "`XDM/1.0/DDM+<libellé> <NOM> <prénom>`" in statement


def test_the_history_records_the_import_with_its_reason_author_and_actors(demo):
    requirement = version("ref1-mssante", "1.0").requirements.get(key="MSS 46")
    records = list(requirement.history.all())
    assert len(records) == 1
    assert records[0].history_type == "+"
    assert records[0].history_change_reason == "Import des données de démonstration"
    assert records[0].history_user.username == "editrice"
    assert {link.actor.slug for link in records[0].actors.all()} == {"operateur", "operateur-proxy"}


# Idempotence -------------------------------------------------------------------------------------


def test_loading_the_demo_twice_changes_nothing(demo):
    before = row_counts()
    ref1_title = Referential.objects.get(slug="ref1-mssante").title
    output = load_demo()
    assert row_counts() == before
    assert Referential.objects.get(slug="ref1-mssante").title == ref1_title
    assert "déjà présent" in output


def test_reloading_keeps_what_editors_changed_since(demo):
    draft_requirement = version("ref1-mssante", "1.1").requirements.get(key="MSS 1")
    update_requirement(requirement=draft_requirement, data={"title": "Titre revu par l'éditrice"})
    NonConformityLevel.objects.filter(slug="mineure").update(label="Mineure (revue)")
    load_demo()
    assert version("ref1-mssante", "1.1").requirements.get(key="MSS 1").title == "Titre revu par l'éditrice"
    assert NonConformityLevel.objects.get(slug="mineure").label == "Mineure (revue)"


# Invalid documents -------------------------------------------------------------------------------


def ref1_document():
    return json.loads((FIXTURES / "ref1-mssante.json").read_text(encoding="utf-8"))


@pytest.fixture
def levels_and_actors(db):
    importers.import_levels(read_document(FIXTURES / "levels.json"))
    importers.import_actors(read_document(FIXTURES / "actors.json"))


def test_an_unknown_level_is_refused_with_a_message_naming_the_requirement_and_nothing_is_written(levels_and_actors):
    document = ref1_document()
    document["versions"][0]["chapters"][0]["requirements"][1]["level"] = "critique"
    with pytest.raises(InvalidDocument) as refused:
        import_referential(document, source="ref1-mssante.json")
    message = str(refused.value)
    assert "ref1-mssante.json" in message
    assert "version 1.0" in message and "MSS 2" in message and "« level »" in message and "« critique »" in message
    assert not Referential.objects.exists()
    assert not Section.objects.exists() and not Requirement.objects.exists()


def test_a_duplicate_key_is_refused_and_nothing_is_written(levels_and_actors):
    document = ref1_document()
    document["versions"][0]["chapters"][0]["requirements"][1]["key"] = "MSS 1"
    with pytest.raises(InvalidDocument) as refused:
        import_referential(document, source="ref1-mssante.json")
    assert any("clé « MSS 1 » en double" in problem for problem in refused.value.problems)
    assert not Referential.objects.exists()


def test_an_unknown_actor_and_an_unknown_field_are_both_reported_at_once(levels_and_actors):
    document = minimal_document(actors=["pharmacien"], levle="majeure")
    with pytest.raises(InvalidDocument) as refused:
        import_referential(document, source="test.json")
    problems = refused.value.problems
    assert any("acteur inconnu « pharmacien »" in p for p in problems)
    assert any("champ inconnu « levle »" in p for p in problems)
    assert not Referential.objects.exists()


def test_a_change_on_a_key_missing_from_the_base_version_is_refused(levels_and_actors):
    document = ref1_document()
    document["versions"][1]["changes"].append({"op": "remove", "key": "MSS 999"})
    with pytest.raises(InvalidDocument) as refused:
        import_referential(document, source="ref1-mssante.json")
    assert any("version 1.1" in p and "MSS 999" in p for p in refused.value.problems)
    assert not Referential.objects.exists()


def test_a_failure_while_writing_rolls_back_the_whole_referential(levels_and_actors, monkeypatch):
    real = importers._create_requirements
    calls = []

    def fail_on_second_version(rows, actor_ids, **kwargs):
        calls.append(rows[0].version.number)
        if len(calls) == 2:
            raise RuntimeError("panne simulée")
        return real(rows, actor_ids, **kwargs)

    monkeypatch.setattr(importers, "_create_requirements", fail_on_second_version)
    with pytest.raises(RuntimeError):
        import_referential(ref1_document(), source="ref1-mssante.json")
    assert not Referential.objects.exists()
    assert not ReferentialVersion.objects.exists()


def test_an_invalid_fixture_makes_the_command_fail_without_writing_anything(db, tmp_path):
    for name in ("levels.json", "actors.json", "ref2-clients.json"):
        (tmp_path / name).write_text((FIXTURES / name).read_text(encoding="utf-8"), encoding="utf-8")
    broken = copy.deepcopy(ref1_document())
    broken["versions"][0]["chapters"][0]["requirements"][0]["actors"] = ["inconnu"]
    (tmp_path / "ref1-mssante.json").write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(CommandError, match="acteur inconnu « inconnu »"):
        call_command("load_demo", fixtures_dir=str(tmp_path), stdout=io.StringIO())
    assert not NonConformityLevel.objects.exists()
    assert not get_user_model().objects.exists()


def test_malformed_json_is_reported_with_its_file_and_line(tmp_path):
    path = tmp_path / "levels.json"
    path.write_text('{"levels": [\n  {"slug": "bloquante",}\n]}', encoding="utf-8")
    with pytest.raises(InvalidDocument, match=r"(?s)levels\.json.*ligne 2"):
        read_document(path)


# Accounts and roles ------------------------------------------------------------------------------


def test_the_demo_accounts_exist_with_their_roles_and_printed_passwords(demo):
    User = get_user_model()
    editrice = User.objects.get(username="editrice")
    operateur = User.objects.get(username="operateur")
    assert editrice.is_staff and not editrice.is_superuser
    assert list(editrice.groups.values_list("name", flat=True)) == [EDITOR_GROUP]
    assert not operateur.is_staff
    assert list(operateur.groups.values_list("name", flat=True)) == [CONTRIBUTOR_GROUP]
    assert "identifiant : editrice" in demo and "mot de passe : editrice-demo-2022" in demo
    assert "identifiant : operateur" in demo and "mot de passe : operateur-demo-2022" in demo
    assert editrice.check_password("editrice-demo-2022")
    assert operateur.check_password("operateur-demo-2022")


def test_the_editor_group_may_edit_the_catalogue_in_the_admin_and_read_its_history(demo):
    editrice = get_user_model().objects.get(username="editrice")
    for codename in ("add_requirement", "change_requirement", "delete_requirement", "view_requirement"):
        assert editrice.has_perm(f"referential.{codename}"), codename
    assert editrice.has_perm("referential.change_referentialversion")
    assert editrice.has_perm("referential.view_historicalrequirement")
    assert not editrice.has_perm("referential.change_historicalrequirement")
    operateur = get_user_model().objects.get(username="operateur")
    assert not operateur.has_perm("referential.change_requirement")
