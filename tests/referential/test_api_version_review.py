"""POST …/versions/{number}/submit-for-validation/, …/approve/, …/request-changes/: the review before
publication through the API, with the services' rules (403 for the author approving and for
non-editors, 409 out of turn, 400 without a note to ask for changes)."""

import pytest

from referential.models import ReferentialVersion, VersionReview
from tests.factories import editor_user, filled_version

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def approval_required(settings):
    settings.REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL = True


@pytest.fixture
def draft():
    return filled_version(number="1.0")


@pytest.fixture
def reviewer():
    return editor_user(username="relecteur")


def url(version, action):
    return f"/api/v1/referentials/{version.referential.slug}/versions/{version.number}/{action}/"


def test_submit_approve_then_publish(api_for, editor, reviewer, draft):
    refused = api_for(editor).post(url(draft, "publish"))
    assert refused.status_code == 409
    assert any(problem.startswith("Validation manquante") for problem in refused.json()["problems"])

    submitted = api_for(editor).post(url(draft, "submit-for-validation"))
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "pending"
    approved = api_for(reviewer).post(url(draft, "approve"), {"note": "Bon pour publication."}, format="json")
    assert approved.status_code == 200
    assert approved.json()["decided_by"] == "relecteur"

    assert api_for(editor).post(url(draft, "publish")).status_code == 200
    draft.refresh_from_db()
    assert draft.status == ReferentialVersion.Status.PUBLISHED


def test_the_author_cannot_approve_and_a_second_submission_conflicts(api_for, editor, draft):
    api_for(editor).post(url(draft, "submit-for-validation"))

    assert api_for(editor).post(url(draft, "approve")).status_code == 403
    assert api_for(editor).post(url(draft, "submit-for-validation")).status_code == 409
    assert VersionReview.objects.get(version=draft).state == VersionReview.State.PENDING


def test_asking_for_changes_needs_a_note(api_for, editor, reviewer, draft):
    api_for(editor).post(url(draft, "submit-for-validation"))

    response = api_for(reviewer).post(url(draft, "request-changes"), {"note": ""}, format="json")

    assert response.status_code == 400
    assert "note" in response.json()
    assert VersionReview.objects.get(version=draft).state == VersionReview.State.PENDING


@pytest.mark.parametrize("action", ["submit-for-validation", "approve", "request-changes"])
def test_contributors_get_403_and_nothing_changes(api_for, contributor_a, draft, action):
    response = api_for(contributor_a).post(url(draft, action), {"note": "Non."}, format="json")

    assert response.status_code in (403, 404)
    assert not VersionReview.objects.filter(version=draft).exists()
