"""The editors' workspace tried by outsiders, contributors and editors making mistakes or forging
requests: nothing changes that should not, nothing answers 500, nothing crosses from one version to
another, and a text changed after an approval by any path is no longer approved."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.errors import DomainError, PermissionRefused
from referential import services
from referential.models import ReferentialVersion, Requirement, Section
from referential.queries import review_status
from tests.factories import (
    LevelFactory,
    RequirementFactory,
    SectionFactory,
    VersionFactory,
    contributor_user,
    editor_user,
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
    RequirementFactory(version=version, section=first, key="MSS 1", position=10)
    RequirementFactory(version=version, section=first, key="MSS 2", position=20)
    RequirementFactory(version=version, section=second, key="MSS 3", position=30)
    return version


@pytest.fixture
def other(db):
    """A draft of another referential, with its own chapter and requirement."""
    version = VersionFactory(number="5.0")
    section = SectionFactory(version=version, title="Ailleurs", position=1)
    RequirementFactory(version=version, section=section, key="AUT 1", position=10)
    return version


@pytest.fixture
def ed_client(editor, client_for):
    return client_for(editor)


def snapshot(version):
    return list(
        Requirement.objects.filter(version=version)
        .order_by("pk")
        .values_list("pk", "key", "section_id", "position", "level_id", "revision", "statement")
    )


def workspace_posts(version):
    req = version.requirements.order_by("pk").first()
    sec = version.sections.order_by("pk").first()
    return [
        (url("draft_section_add", version), {"title": "Nouveau"}),
        (url("draft_section", version, pk=sec.pk), {"action": "delete"}),
        (url("draft_requirement_add", version), {"section": sec.pk, "key": "X 1", "title": "t", "statement": "s"}),
        (url("draft_requirement_move", version, pk=req.pk), {"action": "down"}),
        (url("draft_bulk", version), {"action": "delete", "selection": [req.pk]}),
        (
            url("draft_requirement_edit", version, pk=req.pk),
            {"key": "Z 9", "title": "t", "statement": "s", "revision": req.revision},
        ),
    ]


# Outsiders and contributors ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "contributor"])
def test_outsiders_neither_see_nor_change_the_workspace(draft, who, client_for):
    user = contributor_user(username="curieux") if who == "contributor" else None
    client = client_for(user)
    before = snapshot(draft)
    sections = draft.sections.count()
    assert client.get(url("draft_workspace", draft)).status_code in (302, 403)
    assert client.get(url("draft_preview", draft), {"texte": "x"}).status_code in (302, 403)
    for path, data in workspace_posts(draft):
        response = client.post(path, data)
        assert response.status_code in (302, 403), path
        if response.status_code == 302:
            assert "connexion" in response["Location"] or "login" in response["Location"]
    assert snapshot(draft) == before
    assert draft.sections.count() == sections


# Forged ids: another version's chapter or requirement ---------------------------------------------


def test_a_requirement_is_not_moved_into_a_chapter_of_another_version(draft, other, ed_client):
    before, theirs = snapshot(draft), snapshot(other)
    req = draft.requirements.get(key="MSS 1")
    foreign = other.sections.get()
    foreign_req = other.requirements.get()
    for data in (
        {"action": "move", "section": foreign.pk},
        {"action": "drop", "section": foreign.pk},
        {"action": "drop", "section": draft.sections.first().pk, "before": foreign_req.pk},
    ):
        response = ed_client.post(url("draft_requirement_move", draft, pk=req.pk), data)
        assert response.status_code in (302, 404)
    # The other version's requirement through this draft's URL.
    assert ed_client.post(url("draft_requirement_move", draft, pk=foreign_req.pk), {"action": "up"}).status_code == 404
    assert snapshot(draft) == before and snapshot(other) == theirs


def test_the_services_refuse_a_chapter_of_another_version(draft, other, editor):
    req = draft.requirements.get(key="MSS 1")
    foreign = other.sections.get()
    with pytest.raises(DomainError):
        services.place_requirement(requirement=req, section=foreign, by=editor)
    with pytest.raises((DomainError, ValidationError)):
        services.update_requirement(requirement=req, section=foreign, by=editor)
    with pytest.raises((DomainError, ValidationError)):
        services.create_requirement(version=draft, section=foreign, key="MSS 9", title="t", statement="s", by=editor)
    with pytest.raises(DomainError):
        services.create_section(version=draft, title="Sous", parent=foreign, by=editor)
    with pytest.raises((DomainError, ValidationError)):
        services.bulk_change_requirements(requirements=[req], section=foreign, by=editor)
    assert not other.sections.get().requirements.filter(version=draft).exists()
    assert Requirement.objects.get(pk=req.pk).section.version_id == draft.pk


def test_bulk_actions_ignore_ids_of_another_version_or_of_a_frozen_one(draft, other, ed_client):
    published = VersionFactory(number="1.0", referential=draft.referential)
    section = SectionFactory(version=published, position=1)
    frozen_req = RequirementFactory(version=published, section=section, key="MSS 1", position=10)
    freeze(published)
    before, theirs, frozen = snapshot(draft), snapshot(other), snapshot(published)
    foreign_req = other.requirements.get()
    for action in ("delete", "level", "move"):
        data = {"action": action, "selection": [foreign_req.pk, frozen_req.pk], "section": draft.sections.first().pk}
        assert ed_client.post(url("draft_bulk", draft), data).status_code == 302
    # The frozen version's own bulk URL refuses too.
    response = ed_client.post(url("draft_bulk", published), {"action": "delete", "selection": [frozen_req.pk]})
    assert response.status_code in (302, 409)
    assert snapshot(draft) == before and snapshot(other) == theirs and snapshot(published) == frozen


def test_the_service_bulk_actions_refuse_a_requirement_of_a_frozen_version(draft, editor):
    published = VersionFactory(number="1.0", referential=draft.referential)
    section = SectionFactory(version=published, position=1)
    frozen_req = RequirementFactory(version=published, section=section, key="MSS 1", position=10)
    freeze(published)
    mine = draft.requirements.get(key="MSS 1")
    with pytest.raises(DomainError):
        services.delete_requirements(requirements=[mine, frozen_req], by=editor)
    with pytest.raises(DomainError):
        services.bulk_change_requirements(requirements=[mine, frozen_req], level=None, by=editor)
    assert draft.requirements.filter(pk=mine.pk).exists()  # all or nothing
    assert Requirement.objects.filter(pk=frozen_req.pk).exists()


# Junk input -----------------------------------------------------------------------------------------


JUNK = ["abc", "-1", "0", "99999999999999999999", "1e3", "", "<script>", "1;DROP TABLE"]


@pytest.mark.parametrize("junk", JUNK)
def test_junk_params_never_answer_500_nor_change_anything(draft, ed_client, junk):
    before = snapshot(draft)
    req = draft.requirements.get(key="MSS 1")
    sec = draft.sections.get(title="Sécurité")
    posts = [
        (url("draft_section_add", draft), {"title": "X", "parent": junk}),
        (url("draft_section", draft, pk=sec.pk), {"action": junk, "title": junk}),
        (url("draft_requirement_add", draft), {"section": junk, "key": "K 1", "title": "t", "statement": "s"}),
        (url("draft_requirement_move", draft, pk=req.pk), {"action": "drop", "section": junk, "before": junk}),
        (url("draft_requirement_move", draft, pk=req.pk), {"action": junk}),
        (url("draft_bulk", draft), {"action": "move", "selection": [junk], "section": junk}),
        (url("draft_bulk", draft), {"action": junk, "selection": [req.pk]}),
        # (An empty level is « no level », a real choice: not junk.)
        (url("draft_bulk", draft), {"action": "level", "selection": [req.pk], "level": junk or "x"}),
        (url("draft_bulk", draft), {"action": "actors", "selection": [req.pk], "actors": [junk]}),
        (
            url("draft_requirement_edit", draft, pk=req.pk),
            {"key": "MSS 1", "title": "t", "statement": "s", "revision": junk, "level": junk, "actors": [junk]},
        ),
        (url("draft_preview", draft), {"texte": "x", "depuis": junk}),
    ]
    for path, data in posts:
        response = ed_client.post(path, data)
        assert response.status_code < 500, (path, data)
    assert ed_client.get(url("draft_preview", draft), {"texte": junk, "depuis": junk}).status_code < 500
    assert snapshot(draft) == before


# Renumbering, deleting, stale saves ------------------------------------------------------------------


@pytest.mark.parametrize("key", ["MSS 2", "mss 2", "MSS\u00a02", "<script>alert(1)</script>", "", "   ", "A" * 41])
def test_renumbering_to_a_taken_or_hostile_key_is_refused_and_shown(draft, ed_client, key):
    req = draft.requirements.get(key="MSS 1")
    before = snapshot(draft)
    response = ed_client.post(
        url("draft_requirement_edit", draft, pk=req.pk),
        {"key": key, "title": req.title, "statement": req.statement, "revision": req.revision},
    )
    assert response.status_code in (400, 409)
    assert b"<script>alert(1)" not in response.content
    assert snapshot(draft) == before


def test_a_chapter_with_a_sub_chapter_is_not_deleted(draft, editor, ed_client):
    parent = services.create_section(version=draft, title="Parent", by=editor)
    child = services.create_section(version=draft, title="Enfant", parent=parent, by=editor)
    response = ed_client.post(url("draft_section", draft, pk=parent.pk), {"action": "delete"})
    assert response.status_code == 302
    assert Section.objects.filter(pk__in=[parent.pk, child.pk]).count() == 2
    with pytest.raises(DomainError):
        services.delete_section(section=draft.sections.get(title="Sécurité"), by=editor)


def test_renaming_a_chapter_to_nothing_or_too_long_is_refused(draft, editor, ed_client):
    sec = draft.sections.get(title="Sécurité")
    for title in ("", "   ", "x" * 251):
        assert ed_client.post(url("draft_section", draft, pk=sec.pk), {"action": "rename", "title": title}).status_code == 302
    assert Section.objects.get(pk=sec.pk).title == "Sécurité"


def test_a_stale_move_to_another_chapter_is_refused(draft, editor):
    from referential.errors import ConcurrentEdit

    req = draft.requirements.get(key="MSS 1")
    seen = req.revision
    services.update_requirement(requirement=req, title="Changé par une autre", by=editor_user(username="autre"))
    with pytest.raises(ConcurrentEdit):
        services.place_requirement(
            requirement=req, section=draft.sections.get(title="Annuaire"), by=editor, expected_revision=seen
        )


def test_a_frozen_version_s_chapters_are_neither_renamed_moved_nor_deleted(draft, editor, ed_client):
    sec = draft.sections.get(title="Annuaire")
    freeze(draft, Status.CONSULTATION)
    for action in ("rename", "up", "down", "delete"):
        ed_client.post(url("draft_section", draft, pk=sec.pk), {"action": action, "title": "Autre"})
    ed_client.post(url("draft_section_add", draft), {"title": "Nouveau"})
    sec.refresh_from_db()
    assert (sec.title, sec.position) == ("Annuaire", 2)
    assert draft.sections.count() == 2


# What an editor types, shown back ---------------------------------------------------------------------


def test_hostile_titles_are_escaped_in_the_workspace(draft, editor, ed_client):
    services.create_section(version=draft, title="<img src=x onerror=alert(1)>", by=editor)
    req = draft.requirements.get(key="MSS 1")
    services.update_requirement(requirement=req, title="<script>alert(2)</script>", by=editor)
    page = ed_client.get(url("draft_workspace", draft)).content
    assert b"<img src=x" not in page and b"<script>alert(2)" not in page
    edit = ed_client.get(url("draft_requirement_edit", draft, pk=req.pk)).content
    assert b"<script>alert(2)" not in edit


# Approval and text changes ------------------------------------------------------------------------


@pytest.fixture
def approved(draft, settings):
    settings.REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL = True
    author, reviewer = editor_user(username="autrice"), editor_user(username="relectrice")
    services.submit_for_validation(version=draft, by=author)
    services.approve_version(version=draft, by=reviewer)
    assert review_status(draft).approval_holds
    return author, reviewer


@pytest.mark.parametrize(
    "change",
    ["rename_section", "shift_section", "create_section", "place", "shift", "renumber", "bulk_level", "delete", "add"],
)
def test_any_workspace_change_voids_the_approval(draft, approved, change):
    author, _reviewer = approved
    sec = draft.sections.get(title="Sécurité")
    req = draft.requirements.get(key="MSS 2")
    {
        "rename_section": lambda: services.rename_section(section=sec, title="Sûreté", by=author),
        "shift_section": lambda: services.shift_section(section=sec, offset=1, by=author),
        "create_section": lambda: services.create_section(version=draft, title="Vide", by=author),
        "place": lambda: services.place_requirement(requirement=req, section=draft.sections.get(title="Annuaire"), by=author),
        "shift": lambda: services.shift_requirement(requirement=req, offset=-1, by=author),
        "renumber": lambda: services.renumber_requirement(requirement=req, key="MSS 20", by=author),
        "bulk_level": lambda: services.bulk_change_requirements(
            requirements=[req], level=LevelFactory(slug="bloquante"), by=author
        ),
        "delete": lambda: services.delete_requirements(requirements=[req], by=author),
        "add": lambda: services.create_requirement(version=draft, section=sec, key="MSS 9", title="t", statement="s", by=author),
    }[change]()
    assert not review_status(draft).approval_holds


def test_the_submitter_cannot_approve_nor_decide_on_their_own_submission(draft, editor):
    services.submit_for_validation(version=draft, by=editor)
    with pytest.raises(PermissionRefused):
        services.approve_version(version=draft, by=editor)
    with pytest.raises(PermissionRefused):
        services.request_changes(version=draft, by=editor, note="Non")
    with pytest.raises(PermissionRefused):
        services.approve_version(version=draft, by=contributor_user(username="intrus"))


def test_the_approver_cannot_approve_text_they_changed_after_the_submission(draft, editor, api_for, settings):
    """Four eyes: an editor who rewrites a submitted draft and then approves it would be approving
    their own text. They may ask for changes; another editor approves."""
    settings.REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL = True
    reviewer = editor_user(username="relectrice")
    services.submit_for_validation(version=draft, by=editor)
    services.update_requirement(requirement=draft.requirements.get(key="MSS 1"), statement="Tout autre chose.", by=reviewer)
    api_url = f"/api/v1/referentials/{draft.referential.slug}/versions/{draft.number}/approve/"
    assert api_for(reviewer).post(api_url, {"note": "OK"}, format="json").status_code == 403
    with pytest.raises(PermissionRefused):
        services.approve_version(version=draft, by=reviewer)
    assert not review_status(draft).approval_holds
    # A third editor, who wrote nothing since the submission, may approve the text as it is now.
    services.approve_version(version=draft, by=editor_user(username="tierce"))
    assert review_status(draft).approval_holds


def test_self_approval_through_the_api_is_refused(draft, editor, api_for, settings):
    settings.REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL = True
    base = f"/api/v1/referentials/{draft.referential.slug}/versions/{draft.number}/"
    assert api_for(editor).post(base + "submit-for-validation/").status_code == 200
    assert api_for(editor).post(base + "approve/", {"note": "moi"}, format="json").status_code == 403
    assert api_for(None).post(base + "approve/").status_code in (401, 403)
    assert api_for(contributor_user(username="c")).post(base + "approve/").status_code == 403
    assert api_for(editor).post(base + "publish/").status_code == 409
    assert ReferentialVersion.objects.get(pk=draft.pk).status == Status.DRAFT


def test_the_editors_home_escapes_hostile_names_and_notes(draft, editor, client_for):
    from accounts.models import Organisation

    Organisation.objects.create(name="<script>alert('org')</script>", kind=Organisation.Kind.OPERATOR)
    other = editor_user(username="x", first_name="<img src=x onerror=alert(1)>")
    services.submit_for_validation(version=draft, by=other)
    services.request_changes(version=draft, by=editor, note="<b onmouseover=alert(3)>non</b>")
    services.submit_for_validation(version=draft, by=other)
    html = client_for(editor).get(reverse("referential:editor_home")).content
    assert b"<script>alert(" not in html and b"<img src=x" not in html
    detail = client_for(editor).get(draft.get_absolute_url()).content
    assert b"<b onmouseover" not in detail and b"<img src=x" not in detail


def test_a_nul_character_is_refused_in_a_chapter_title_and_a_review_note(draft, editor, ed_client, settings):
    """PostgreSQL cannot store U+0000 (a 500 there); the site's raw fields refuse it like its forms do."""
    sec = draft.sections.get(title="Sécurité")
    assert ed_client.post(url("draft_section", draft, pk=sec.pk), {"action": "rename", "title": "Sé\x00curité"}).status_code == 302
    assert Section.objects.get(pk=sec.pk).title == "Sécurité"
    with pytest.raises(ValidationError):
        services.create_section(version=draft, title="A\x00B", by=editor)
    services.submit_for_validation(version=draft, by=editor_user(username="autrice"))
    with pytest.raises(ValidationError):
        services.request_changes(version=draft, by=editor, note="non\x00")
    with pytest.raises(ValidationError):
        services.approve_version(version=draft, by=editor, note="oui\x00")
    assert review_status(draft).is_pending


@pytest.mark.parametrize("who", ["anonymous", "contributor"])
def test_the_editors_home_and_review_form_are_closed_to_others(draft, who, client_for):
    client = client_for(contributor_user(username="curieuse") if who == "contributor" else None)
    home = client.get(reverse("referential:editor_home"))
    assert home.status_code in (302, 403)
    assert client.post(url("version_review", draft), {"action": "submit"}).status_code in (302, 403)
    assert review_status(draft).review is None


@pytest.mark.parametrize("status", [Status.CONSULTATION, Status.PUBLISHED])
def test_the_workspace_of_a_frozen_text_refuses_without_a_500(draft, editor, ed_client, status):
    freeze(draft, status)
    before = snapshot(draft)
    assert ed_client.get(url("draft_workspace", draft)).status_code == 409
    req = draft.requirements.first()
    for path, data in workspace_posts(draft):
        assert ed_client.post(path, data).status_code in (302, 409), path
    assert ed_client.get(url("draft_requirement_edit", draft, pk=req.pk)).status_code == 302
    assert snapshot(draft) == before


@pytest.mark.parametrize("with_redline", [False, True])
def test_the_preview_link_reflects_no_script(draft, ed_client, with_redline):
    """The preview answers GET: a link sent to an editor must not run anything in their session."""
    query = {"texte": "<script>alert(1)</script> <img src=x onerror=alert(2)> [a](javascript:alert(3))"}
    if with_redline:
        query["depuis"] = draft.requirements.first().pk
    response = ed_client.get(url("draft_preview", draft), query)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in html and "<img" not in html
    assert 'href="javascript' not in html


def test_the_approver_may_approve_after_opening_the_consultation_but_not_after_editing_the_summary(draft, editor, settings):
    settings.REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL = True
    reviewer = editor_user(username="relectrice")
    services.submit_for_validation(version=draft, by=editor)
    services.submit_version_to_consultation(version=draft, by=reviewer)  # status only: not the text
    services.approve_version(version=draft, by=reviewer)
    assert review_status(draft).approval_holds

    second = VersionFactory(number="3.0", referential=draft.referential)
    services.submit_for_validation(version=second, by=editor)
    second.change_summary = "Résumé réécrit par la relectrice"
    from core.audit import stamp

    stamp(second, "Modification", by=reviewer).save()
    with pytest.raises(PermissionRefused):
        services.approve_version(version=second, by=reviewer)
