"""POST …/versions/{number}/publish/: editors publish through the task interface; others get 403."""

import pytest

from referential.models import ReferentialVersion
from tests.factories import ActorFactory, RequirementFactory, VersionFactory


def publish_url(version):
    return f"/api/v1/referentials/{version.referential.slug}/versions/{version.number}/publish/"


@pytest.fixture
def draft(db):
    requirement = RequirementFactory(actors=[ActorFactory()])
    return requirement.version


def test_editor_publishes_a_valid_draft(api_for, editor, draft):
    response = api_for(editor).post(publish_url(draft))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"
    draft.refresh_from_db()
    assert draft.status == ReferentialVersion.Status.PUBLISHED and draft.pdf_sha256


def test_refusal_lists_every_problem_and_changes_nothing(api_for, editor, db):
    version = VersionFactory()
    RequirementFactory(version=version, key="MSS 1", level=None)
    RequirementFactory(version=version, key="MSS 2")
    response = api_for(editor).post(publish_url(version))
    assert response.status_code == 409
    body = response.json()
    assert "ne peut pas être publiée" in body["detail"]
    assert any("MSS 1" in p and "niveau" in p for p in body["problems"])
    assert any("MSS 2" in p and "acteur" in p for p in body["problems"])
    version.refresh_from_db()
    assert version.status == ReferentialVersion.Status.DRAFT


@pytest.mark.parametrize("persona, status", [("anonymous", 401), ("contributor_a", 403)])
def test_others_get_403_and_nothing_changes(request, api_for, draft, persona, status):
    """A contributor without the right: 403; anonymous: 401, sign in first."""
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    response = api_for(user).post(publish_url(draft))
    assert response.status_code == status
    draft.refresh_from_db()
    assert draft.status == ReferentialVersion.Status.DRAFT and not draft.pdf


def test_publishing_a_published_version_is_a_conflict(api_for, editor, draft):
    api_for(editor).post(publish_url(draft))
    response = api_for(editor).post(publish_url(draft))
    assert response.status_code == 409


def test_with_a_queued_backend_the_version_shows_publication_in_progress(api_for, client_for, editor, draft, queued_tasks):
    response = api_for(editor).post(publish_url(draft))
    assert response.status_code == 202
    draft.refresh_from_db()
    assert draft.status == ReferentialVersion.Status.DRAFT and draft.is_publishing
    page = client_for(editor).get(draft.get_absolute_url())
    assert "Publication en cours" in page.content.decode()
