"""The editors' workspace: a draft's chapters and requirements edited on the site as a tree, every
action a plain form through the services, a requirement in an editor with preview, redline and the
revision check, bulk actions on a selection."""


import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referential import services
from referential.compare import compare_versions
from referential.errors import ConcurrentEdit, VersionFrozen
from referential.models import ReferentialVersion, Requirement, Section
from tests.factories import (
    ActorFactory,
    LevelFactory,
    RequirementFactory,
    SectionFactory,
    VersionFactory,
    editor_user,
    filled_version,
    freeze,
)

pytestmark = pytest.mark.django_db
Status = ReferentialVersion.Status


def url(name, version, **kwargs):
    return reverse(f"referential:{name}", kwargs={"slug": version.referential.slug, "number": version.number, **kwargs})


@pytest.fixture
def draft(db):
    version = VersionFactory(number="2.0")
    first = SectionFactory(version=version, title="Sécurité", position=1)
    second = SectionFactory(version=version, title="Annuaire", position=2)
    for index, key in enumerate(["MSS 1", "MSS 2", "MSS 3"], start=1):
        RequirementFactory(version=version, section=first, key=key, position=index * 10)
    RequirementFactory(version=version, section=second, key="MSS 4", position=40)
    return version


@pytest.fixture
def ed_client(editor, client_for):
    return client_for(editor)


def keys_in(section) -> list[str]:
    return list(Requirement.objects.filter(section=section).order_by("position", "id").values_list("key", flat=True))


def chapter(version, title) -> Section:
    return version.sections.get(title=title)


# Services ----------------------------------------------------------------------------------------


def test_a_chapter_is_added_last_renamed_and_shifted(draft, editor):
    added = services.create_section(version=draft, title="  Messagerie  ", by=editor)
    assert (added.title, added.position) == ("Messagerie", 3)
    sub = services.create_section(version=draft, title="Chiffrement", parent=added, by=editor)
    assert (sub.parent_id, sub.position) == (added.pk, 1)
    services.rename_section(section=added, title="Messageries", by=editor)
    services.shift_section(section=added, offset=-1, by=editor)
    titles = list(draft.sections.filter(parent=None).order_by("position").values_list("title", flat=True))
    assert titles == ["Sécurité", "Messageries", "Annuaire"]
    assert added.history.first().history_change_reason == "Réordonnancement des chapitres"


def test_a_requirement_moves_up_down_and_to_another_chapter_keeping_reading_order(draft, editor):
    security, directory = chapter(draft, "Sécurité"), chapter(draft, "Annuaire")
    services.shift_requirement(requirement=draft.requirements.get(key="MSS 3"), offset=-1, by=editor)
    assert keys_in(security) == ["MSS 1", "MSS 3", "MSS 2"]
    services.shift_requirement(requirement=draft.requirements.get(key="MSS 1"), offset=-1, by=editor)
    assert keys_in(security) == ["MSS 1", "MSS 3", "MSS 2"]  # already first: nothing moves
    moved = services.place_requirement(
        requirement=draft.requirements.get(key="MSS 1"), section=directory,
        before=draft.requirements.get(key="MSS 4"), by=editor,
    )
    assert keys_in(directory) == ["MSS 1", "MSS 4"]
    assert moved.revision == 2 and moved.history.first().history_change_reason.startswith("Déplacement")
    # Positions follow the reading order, so exports and the next draft keep it.
    ordered = list(draft.requirements.order_by("position").values_list("key", flat=True))
    assert ordered == ["MSS 3", "MSS 2", "MSS 1", "MSS 4"]


def test_before_must_be_in_the_target_chapter(draft, editor):
    with pytest.raises(Exception, match="pas dans ce chapitre"):
        services.place_requirement(
            requirement=draft.requirements.get(key="MSS 1"), section=chapter(draft, "Sécurité"),
            before=draft.requirements.get(key="MSS 4"), by=editor,
        )


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.CONSULTATION])
def test_a_frozen_text_refuses_every_workspace_service(draft, editor, status):
    security = chapter(draft, "Sécurité")
    requirement = draft.requirements.get(key="MSS 2")
    freeze(draft, status)
    calls = [
        lambda: services.create_section(version=draft, title="Nouveau", by=editor),
        lambda: services.rename_section(section=security, title="Autre", by=editor),
        lambda: services.shift_section(section=security, offset=1, by=editor),
        lambda: services.shift_requirement(requirement=requirement, offset=-1, by=editor),
        lambda: services.place_requirement(requirement=requirement, section=chapter(draft, "Annuaire"), by=editor),
        lambda: services.renumber_requirement(requirement=requirement, key="MSS 20", by=editor),
        lambda: services.bulk_change_requirements(requirements=[requirement], level=None, by=editor),
        lambda: services.delete_requirements(requirements=[requirement], by=editor),
    ]
    for call in calls:
        with pytest.raises(VersionFrozen):
            call()
    assert keys_in(security) == ["MSS 1", "MSS 2", "MSS 3"]
    assert security.title == Section.objects.get(pk=security.pk).title


def test_renumbering_keeps_the_lineage_and_the_comparison_says_renamed(editor):
    published = filled_version(number="1.0")
    freeze(published)
    draft = services.start_draft(referential=published.referential, number="1.1", by=editor)
    copy = draft.requirements.get(key="MSS 1")
    renumbered = services.renumber_requirement(requirement=copy, key="MSS 10", expected_revision=copy.revision, by=editor)
    assert renumbered.pk == copy.pk and renumbered.origin_id == copy.origin_id
    assert renumbered.history.first().history_change_reason == "Renumérotation de MSS 1 en MSS 10"
    comparison = compare_versions(published, draft)
    renamed = comparison.by_kind("renamed")
    assert [(e.old.key, e.new.key) for e in renamed] == [("MSS 1", "MSS 10")]
    assert comparison.by_kind("added") == [] and comparison.by_kind("removed") == []


def test_bulk_change_of_level_actors_and_chapter(draft, editor):
    blocking = LevelFactory(slug="bloquante", rank=9)
    operator = ActorFactory(slug="operateur")
    picked = list(draft.requirements.filter(key__in=["MSS 1", "MSS 3"]))
    services.bulk_change_requirements(requirements=picked, level=blocking, actors=[operator], by=editor)
    for requirement in draft.requirements.filter(key__in=["MSS 1", "MSS 3"]):
        assert requirement.level == blocking and list(requirement.actors.all()) == [operator]
        assert requirement.history.first().history_change_reason == "Modification groupée"
    assert draft.requirements.get(key="MSS 2").level != blocking
    services.bulk_change_requirements(requirements=picked, section=chapter(draft, "Annuaire"), by=editor)
    assert keys_in(chapter(draft, "Annuaire")) == ["MSS 4", "MSS 1", "MSS 3"]


# Pages: access -----------------------------------------------------------------------------------


def test_only_editors_reach_the_workspace(draft, client_for, contributor_a):
    requirement = draft.requirements.get(key="MSS 1")
    section = chapter(draft, "Sécurité")
    pages = [
        ("get", url("draft_workspace", draft)),
        ("get", url("draft_requirement_edit", draft, pk=requirement.pk)),
        ("get", url("draft_preview", draft) + "?texte=x"),
        ("post", url("draft_section_add", draft)),
        ("post", url("draft_section", draft, pk=section.pk)),
        ("post", url("draft_requirement_add", draft)),
        ("post", url("draft_requirement_move", draft, pk=requirement.pk)),
        ("post", url("draft_bulk", draft)),
    ]
    for user in (None, contributor_a):
        client = client_for(user)
        for method, path in pages:
            data = {"action": "delete", "selection": [requirement.pk], "title": "X"}
            assert getattr(client, method)(path, data).status_code == 403, (user, path)
    assert draft.requirements.count() == 4 and draft.sections.count() == 2


def test_the_version_page_links_editors_to_the_workspace_of_a_draft_only(draft, ed_client, client_for, contributor_a):
    link = url("draft_workspace", draft)
    assert link in ed_client.get(draft.get_absolute_url()).content.decode()
    published = freeze(filled_version(number="1.0"))
    assert url("draft_workspace", published) not in ed_client.get(published.get_absolute_url()).content.decode()


def test_a_frozen_version_has_no_workspace_and_refuses_its_actions(draft, ed_client):
    requirement = draft.requirements.get(key="MSS 2")
    freeze(draft)
    response = ed_client.get(url("draft_workspace", draft))
    assert response.status_code == 409
    assert "publiée" in response.content.decode()
    response = ed_client.post(url("draft_requirement_move", draft, pk=requirement.pk), {"action": "up"}, follow=True)
    assert "publiée" in response.content.decode()
    response = ed_client.post(url("draft_section_add", draft), {"title": "Nouveau"})
    assert keys_in(chapter(draft, "Sécurité")) == ["MSS 1", "MSS 2", "MSS 3"]
    assert draft.sections.count() == 2


# Pages: the tree ---------------------------------------------------------------------------------


def test_the_tree_lists_chapters_and_requirements_with_keyboard_actions(draft, ed_client):
    response = ed_client.get(url("draft_workspace", draft))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1. Sécurité" in html and "2. Annuaire" in html
    for key in ("MSS 1", "MSS 2", "MSS 3", "MSS 4"):
        assert key in html
    assert 'value="up"' in html and 'value="down"' in html and "Déplacer vers" in html
    assert 'name="position"' not in html  # positions are never typed
    assert "<script" not in html.split("</main>")[0]  # no inline script in the page body
    assert "draft_workspace.js" in html


def test_add_a_chapter_and_a_requirement_by_plain_forms(draft, ed_client):
    response = ed_client.post(url("draft_section_add", draft), {"title": "Messagerie", "parent": ""})
    assert response.status_code == 302
    messaging = chapter(draft, "Messagerie")
    response = ed_client.post(
        url("draft_requirement_add", draft),
        {"section": messaging.pk, "key": "MSS 5", "title": "Boîtes", "statement": "L'opérateur **DOIT** …"},
    )
    assert response.status_code == 302 and response.url.endswith("#exigence-%d" % draft.requirements.get(key="MSS 5").pk)
    assert keys_in(messaging) == ["MSS 5"]
    # Same key twice: refused with the field's message, nothing added.
    response = ed_client.post(
        url("draft_requirement_add", draft),
        {"section": messaging.pk, "key": "MSS 5", "title": "Encore", "statement": "Texte."},
        follow=True,
    )
    assert "déjà utilisée" in response.content.decode()
    assert draft.requirements.count() == 5


def test_rename_and_reorder_chapters_by_plain_forms(draft, ed_client):
    directory = chapter(draft, "Annuaire")
    ed_client.post(url("draft_section", draft, pk=directory.pk), {"action": "rename", "title": "Annuaire national"})
    ed_client.post(url("draft_section", draft, pk=directory.pk), {"action": "up"})
    titles = list(draft.sections.order_by("position").values_list("title", flat=True))
    assert titles == ["Annuaire national", "Sécurité"]


def test_move_by_buttons_and_by_the_keyword_form(draft, ed_client):
    requirement = draft.requirements.get(key="MSS 2")
    move = url("draft_requirement_move", draft, pk=requirement.pk)
    response = ed_client.post(move, {"action": "up"})
    assert response.status_code == 302 and response.url.endswith(f"#exigence-{requirement.pk}")
    assert keys_in(chapter(draft, "Sécurité")) == ["MSS 2", "MSS 1", "MSS 3"]
    ed_client.post(move, {"action": "down"})
    ed_client.post(move, {"action": "down"})
    assert keys_in(chapter(draft, "Sécurité")) == ["MSS 1", "MSS 3", "MSS 2"]
    directory = chapter(draft, "Annuaire")
    ed_client.post(move, {"action": "move", "section": directory.pk})
    assert keys_in(directory) == ["MSS 4", "MSS 2"]
    # What drag and drop sends: before another requirement.
    ed_client.post(move, {"action": "drop", "section": directory.pk, "before": draft.requirements.get(key="MSS 4").pk})
    assert keys_in(directory) == ["MSS 2", "MSS 4"]


def test_bulk_actions_by_the_selection_form(draft, ed_client):
    blocking = LevelFactory(slug="bloquante", rank=9)
    operator = ActorFactory(slug="operateur")
    ids = list(draft.requirements.filter(key__in=["MSS 1", "MSS 2"]).values_list("pk", flat=True))
    bulk = url("draft_bulk", draft)
    ed_client.post(bulk, {"action": "level", "selection": ids, "level": blocking.pk})
    ed_client.post(bulk, {"action": "actors", "selection": ids, "actors": [operator.pk]})
    for requirement in draft.requirements.filter(pk__in=ids):
        assert requirement.level == blocking and list(requirement.actors.all()) == [operator]
    response = ed_client.post(bulk, {"action": "move", "selection": ids}, follow=True)
    assert "Choisissez le chapitre" in response.content.decode()
    ed_client.post(bulk, {"action": "move", "selection": ids, "section": chapter(draft, "Annuaire").pk})
    assert keys_in(chapter(draft, "Annuaire")) == ["MSS 4", "MSS 1", "MSS 2"]
    ed_client.post(bulk, {"action": "delete", "selection": ids})
    assert list(draft.requirements.order_by("key").values_list("key", flat=True)) == ["MSS 3", "MSS 4"]
    response = ed_client.post(bulk, {"action": "delete"}, follow=True)
    assert "Cochez au moins une exigence" in response.content.decode()


def test_a_requirement_of_another_version_is_not_found(draft, ed_client):
    other = RequirementFactory()
    assert ed_client.post(url("draft_requirement_move", draft, pk=other.pk), {"action": "up"}).status_code == 404
    assert ed_client.get(url("draft_requirement_edit", draft, pk=other.pk)).status_code == 404


# Pages: one requirement's editor -----------------------------------------------------------------


def edit_data(requirement, **changes):
    data = {
        "key": requirement.key,
        "title": requirement.title,
        "statement": requirement.statement,
        "level": requirement.level_id or "",
        "actors": [a.pk for a in requirement.actors.all()],
        "verification_method": requirement.verification_method,
        "compliance_deadline": "",
        "revision": requirement.revision,
        "action": "save",
    }
    data.update(changes)
    return data


def test_the_editor_shows_preview_previous_text_and_redline(editor, ed_client):
    published = filled_version(number="1.0")
    freeze(published)
    draft = services.start_draft(referential=published.referential, number="1.1", by=editor)
    copy = draft.requirements.get(key="MSS 1")
    services.update_requirement(requirement=copy, statement="L'opérateur **DOIT** chiffrer en TLS 1.3.", by=editor)
    response = ed_client.get(url("draft_requirement_edit", draft, pk=copy.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>DOIT</strong>" in html  # the preview
    assert "Version 1.0" in html and "<del" in html and "<ins" in html  # previous text and redline
    assert "data-markdown-editor" in html and "data-preview-url" in html


def test_saving_renumbers_and_changes_the_fields(draft, ed_client):
    requirement = draft.requirements.get(key="MSS 2")
    level = LevelFactory(slug="mineure", rank=7)
    actor = ActorFactory(slug="editeur")
    response = ed_client.post(
        url("draft_requirement_edit", draft, pk=requirement.pk),
        edit_data(requirement, key="MSS 20", statement="Nouveau **texte**.", level=level.pk, actors=[actor.pk],
                  verification_method="Audit", compliance_deadline="2027-06-30"),
    )
    assert response.status_code == 302
    requirement.refresh_from_db()
    assert (requirement.key, requirement.statement, requirement.level, requirement.verification_method) == (
        "MSS 20", "Nouveau **texte**.", level, "Audit"
    )
    assert list(requirement.actors.all()) == [actor] and str(requirement.compliance_deadline) == "2027-06-30"
    reasons = list(requirement.history.order_by("-history_date").values_list("history_change_reason", flat=True)[:2])
    assert reasons == ["Modification", "Renumérotation de MSS 2 en MSS 20"]


def test_the_no_script_preview_renders_without_saving(draft, ed_client):
    requirement = draft.requirements.get(key="MSS 2")
    response = ed_client.post(
        url("draft_requirement_edit", draft, pk=requirement.pk), edit_data(requirement, statement="*Essai*", action="preview")
    )
    assert response.status_code == 200 and "<em>Essai</em>" in response.content.decode()
    requirement.refresh_from_db()
    assert requirement.statement != "*Essai*" and requirement.revision == 1


def test_a_stale_save_is_refused_showing_the_other_editors_change(draft, ed_client, editor):
    requirement = draft.requirements.get(key="MSS 2")
    opened = edit_data(requirement, statement="Mon texte à moi.")
    colleague = editor_user(username="collegue", first_name="Paul", last_name="Durand")
    services.update_requirement(
        requirement=requirement, statement="Le texte du **collègue**.", expected_revision=1, by=colleague
    )
    response = ed_client.post(url("draft_requirement_edit", draft, pk=requirement.pk), opened)
    assert response.status_code == 409
    html = response.content.decode()
    assert "modifiée par quelqu" in html
    assert "Paul Durand" in html and "collègue" in html  # who, and what they wrote
    assert "Mon texte à moi." in html  # the editor's text is kept in the form
    requirement.refresh_from_db()
    assert requirement.statement == "Le texte du **collègue**." and requirement.revision == 2
    # Saving again, now knowing, goes through with the revision the refusal showed.
    again = ed_client.post(url("draft_requirement_edit", draft, pk=requirement.pk), {**opened, "revision": 2})
    assert again.status_code == 302
    requirement.refresh_from_db()
    assert requirement.statement == "Mon texte à moi."


def test_the_preview_endpoint_sanitises(draft, ed_client):
    text = "**gras** <script>alert(1)</script> [x](javascript:alert(1))"
    for response in (
        ed_client.post(url("draft_preview", draft), {"texte": text}),
        ed_client.get(url("draft_preview", draft), {"texte": text}),
    ):
        assert response.status_code == 200
        html = response.content.decode()
        assert "<strong>gras</strong>" in html
        assert "<script" not in html and "javascript:" not in html


def test_the_preview_endpoint_gives_the_redline_from_the_previous_text(editor, ed_client):
    published = filled_version(number="1.0")
    freeze(published)
    draft = services.start_draft(referential=published.referential, number="1.1", by=editor)
    origin = published.requirements.get(key="MSS 1")
    response = ed_client.post(url("draft_preview", draft), {"texte": "Tout autre texte.", "depuis": origin.pk})
    html = response.content.decode()
    assert response.status_code == 200 and "<ins" in html and "<del" in html
    other_referential = RequirementFactory()
    assert ed_client.post(url("draft_preview", draft), {"texte": "x", "depuis": other_referential.pk}).status_code == 404


# Performance -------------------------------------------------------------------------------------


def draft_of(count: int) -> ReferentialVersion:
    version = VersionFactory()
    sections = [SectionFactory(version=version, position=i) for i in range(5)]
    actors = [ActorFactory(), ActorFactory()]
    level = LevelFactory(slug="majeure")
    rows = [
        Requirement(version=version, section=sections[i % 5], key=f"REQ {i}", title=f"Exigence {i}",
                    statement="Le système **DOIT** …", level=level, position=i * 10)
        for i in range(count)
    ]
    Requirement.objects.bulk_create(rows)
    for requirement in version.requirements.all():
        requirement.actors.set(actors)
    return version


def count_queries(client, version) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url("draft_workspace", version))
    assert response.status_code == 200
    return len(captured)


def test_the_tree_runs_a_constant_number_of_queries(ed_client):
    small, large = draft_of(10), draft_of(50)
    count_queries(ed_client, small)  # warm the session and caches
    assert count_queries(ed_client, small) == count_queries(ed_client, large)


def test_the_tree_of_300_requirements_shows_every_row(ed_client):
    # Its speed (under 0.5 s) is measured by `python -m bench pages`, not timed here.
    version = draft_of(300)
    response = ed_client.get(url("draft_workspace", version))
    assert response.status_code == 200 and response.content.decode().count('class="draft-requirement"') == 300


def test_the_rows_are_typeset_like_the_rest_of_the_french_page(draft, ed_client):
    requirement = draft.requirements.get(key="MSS 1")
    Requirement.objects.filter(pk=requirement.pk).update(title="Chiffrement de l'échange : TLS")
    html = ed_client.get(url("draft_workspace", draft)).content.decode()
    assert "Chiffrement de l’échange\u202f: TLS" in html


def test_the_admin_links_a_draft_to_its_workspace(draft, client_for):
    from tests.factories import staff_editor_user

    admin = client_for(staff_editor_user(username="po"))
    page = admin.get(reverse("admin:referential_referentialversion_change", args=[draft.pk])).content.decode()
    assert url("draft_workspace", draft) in page
