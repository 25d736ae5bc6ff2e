"""Review before publication: an editor submits a version for validation, another editor approves it
or asks for changes with a note; publication waits for an approval by someone other than the one
who submitted it (setting ``REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL``, on by default), given on the
text as it is now; the approver is the *validateur* printed in the PDF's document history."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from core.errors import PermissionRefused, TransitionNotAllowed
from referential import services
from referential.models import ReferentialVersion, Requirement, VersionReview
from tests.factories import editor_user, filled_version

pytestmark = pytest.mark.django_db
State = VersionReview.State


@pytest.fixture(autouse=True)
def approval_required(settings):
    # tests/conftest.py turns the requirement off for the other tests; here it is on, as in production.
    settings.REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL = True


@pytest.fixture
def author(db):
    return editor_user(username="auteure", first_name="Claire", last_name="Martin")


@pytest.fixture
def reviewer(db):
    return editor_user(username="relecteur", first_name="Inès", last_name="Robert")


@pytest.fixture
def draft(db):
    return filled_version(number="1.0")


def blockers_of(version):
    return services.publication_problems(ReferentialVersion.objects.get(pk=version.pk))


def has_approval_blocker(version) -> bool:
    return any(problem.startswith("Validation manquante") for problem in blockers_of(version))


def pdf_history(version) -> str:
    reader = PdfReader(io.BytesIO(version.pdf.read()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text[text.index("Historique du document") : text.index("Sommaire")]


def test_the_default_setting_requires_approval():
    from config import settings as project_settings

    assert project_settings.REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL is True


def test_a_version_never_submitted_is_not_published(draft, author):
    assert has_approval_blocker(draft)

    with pytest.raises(TransitionNotAllowed):
        services.publish_version(version=draft, by=author)

    draft.refresh_from_db()
    assert draft.status == ReferentialVersion.Status.DRAFT


def test_the_author_cannot_approve_their_own_submission(draft, author):
    services.submit_for_validation(version=draft, by=author)

    with pytest.raises(PermissionRefused):
        services.approve_version(version=draft, by=author)

    assert VersionReview.objects.get(version=draft).state == State.PENDING
    assert has_approval_blocker(draft)


def test_another_editors_approval_lets_the_author_publish(draft, author, reviewer):
    services.submit_for_validation(version=draft, by=author)
    review = services.approve_version(version=draft, by=reviewer, note="Relu, bon pour publication.")

    assert review.state == State.APPROVED and review.decided_by == reviewer
    assert not has_approval_blocker(draft)
    published = services.publish_version(version=draft, by=author)
    assert published.status == ReferentialVersion.Status.PUBLISHED
    assert [h.history_change_reason for h in review.history.order_by("history_date")] == [
        "Soumise à validation",
        "Approuvée",
    ]


def test_publication_does_not_wait_for_an_approval_when_the_setting_is_off(draft, author, settings):
    settings.REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL = False

    assert not has_approval_blocker(draft)
    assert services.publish_version(version=draft, by=author).status == ReferentialVersion.Status.PUBLISHED


def test_a_change_after_the_approval_needs_a_new_approval(draft, author, reviewer):
    services.submit_for_validation(version=draft, by=author)
    services.approve_version(version=draft, by=reviewer)
    requirement = Requirement.objects.filter(version=draft).first()

    services.update_requirement(requirement=requirement, by=author, statement="Le texte a changé après l'approbation.")

    assert has_approval_blocker(draft)
    with pytest.raises(TransitionNotAllowed):
        services.publish_version(version=draft, by=author)
    # The outdated approval is submitted again and approved again.
    services.submit_for_validation(version=draft, by=author)
    services.approve_version(version=draft, by=reviewer)
    assert not has_approval_blocker(draft)


def test_an_approval_that_still_holds_is_not_submitted_again(draft, author, reviewer):
    services.submit_for_validation(version=draft, by=author)
    services.approve_version(version=draft, by=reviewer)

    with pytest.raises(TransitionNotAllowed):
        services.submit_for_validation(version=draft, by=author)
    assert VersionReview.objects.filter(version=draft).count() == 1


def test_changes_requested_need_a_note_and_a_new_submission(draft, author, reviewer):
    services.submit_for_validation(version=draft, by=author)

    with pytest.raises(ValidationError) as refused:
        services.request_changes(version=draft, by=reviewer, note="  ")
    assert "note" in refused.value.message_dict

    services.request_changes(version=draft, by=reviewer, note="Préciser le niveau de MSS 1.")
    problems = blockers_of(draft)
    assert any("Préciser le niveau de MSS 1." in problem for problem in problems)
    with pytest.raises(TransitionNotAllowed):
        services.approve_version(version=draft, by=reviewer)
    services.submit_for_validation(version=draft, by=author)
    assert VersionReview.objects.filter(version=draft).count() == 2


def test_the_pdf_history_names_the_approver_as_validateur(draft, author, reviewer):
    services.submit_for_validation(version=draft, by=author)
    services.approve_version(version=draft, by=reviewer)

    published = services.publish_version(version=draft, by=author)

    history = pdf_history(published)
    assert "Inès Robert" in history
    assert "Claire Martin" not in history


def test_contributors_cannot_submit_approve_or_ask_for_changes(draft, author, contributor_a):
    with pytest.raises(PermissionRefused):
        services.submit_for_validation(version=draft, by=contributor_a)
    services.submit_for_validation(version=draft, by=author)
    with pytest.raises(PermissionRefused):
        services.approve_version(version=draft, by=contributor_a)
    with pytest.raises(PermissionRefused):
        services.request_changes(version=draft, by=contributor_a, note="Non.")
    assert VersionReview.objects.get(version=draft).state == State.PENDING


def review_url(version):
    return reverse("referential:version_review", kwargs={"slug": version.referential.slug, "number": version.number})


def test_the_forms_on_the_drafts_page_submit_and_approve(draft, author, reviewer, client_for):
    author_client, reviewer_client = client_for(author), client_for(reviewer)

    page = author_client.get(draft.get_absolute_url())
    assert 'id="validation"' in page.content.decode()
    response = author_client.post(review_url(draft), {"action": "submit"})
    assert response.status_code == 302 and response["Location"].endswith("#validation")
    page = reviewer_client.get(draft.get_absolute_url()).content.decode()
    assert 'value="approve"' in page
    # The author sees no approval button on their own submission.
    assert 'value="approve"' not in author_client.get(draft.get_absolute_url()).content.decode()

    reviewer_client.post(review_url(draft), {"action": "approve", "note": ""})

    assert VersionReview.objects.get(version=draft).state == State.APPROVED
    publish_page = author_client.get(
        reverse("referential:version_publish", kwargs={"slug": draft.referential.slug, "number": draft.number})
    )
    assert "Validation manquante" not in publish_page.content.decode()


def test_the_publication_page_shows_the_missing_approval_as_a_blocker(draft, author, client_for):
    response = client_for(author).get(
        reverse("referential:version_publish", kwargs={"slug": draft.referential.slug, "number": draft.number})
    )

    assert "Validation manquante" in response.content.decode()
    assert services.review_anchor_url(draft) in response.content.decode()


@pytest.mark.parametrize("who", ["contributor", "anonymous"])
def test_a_contributor_or_anonymous_post_changes_nothing(draft, who, contributor_a, client_for, client):
    browser = client_for(contributor_a) if who == "contributor" else client

    response = browser.post(review_url(draft), {"action": "submit"})

    assert response.status_code in (403, 404)
    assert not VersionReview.objects.filter(version=draft).exists()
    assert 'id="validation"' not in browser.get(draft.get_absolute_url()).content.decode()
