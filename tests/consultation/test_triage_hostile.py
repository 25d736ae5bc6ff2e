"""The editors' triage tried by contributors and by editors making mistakes or forging requests:
internal notes and assignments never reach a contributor (pages, API, exports, synthesis, e-mails),
a comment goes only to an active editor, a proposed wording lands only in a later draft descending
from the commented requirement, and junk never answers 500."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from consultation import services
from consultation.models import Answer, Comment, Consultation, InternalNote
from core.errors import DomainError, PermissionRefused
from referential import services as referential_services
from referential.models import Requirement
from tests.factories import editor_user

from .conftest import comment_by

pytestmark = pytest.mark.django_db

SECRET_NOTE = "NOTE-SECRETE-QX7"
ASSIGNEE = "Zoé Confidentielle"
PROPOSAL = "L'opérateur **DOIT** chiffrer en TLS 1.3."


@pytest.fixture
def proposal(members, consultation, contributor_a, mss1):
    return comment_by(
        contributor_a, consultation, requirement=mss1, kind=Comment.Kind.PROPOSAL, body="Passons au TLS 1.3.",
        proposed_wording=PROPOSAL,
    )


@pytest.fixture
def triaged(proposal, editor):
    """The proposal assigned to an editor with an internal note, and answered."""
    assignee = editor_user(username="zoe", first_name="Zoé", last_name="Confidentielle")
    services.assign_comment(comment=proposal, assignee=assignee, by=editor)
    services.add_internal_note(comment=proposal, text=f"{SECRET_NOTE} <script>alert(1)</script>", by=editor)
    return proposal


def cons_url(name, consultation):
    return reverse(f"consultation:{name}", kwargs={"pk": consultation.pk})


def test_notes_and_assignee_never_reach_contributors(
    triaged, consultation, editor, client_for, contributor_a, contributor_b, mss1, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_comment(comment=triaged, by=editor, decision=Answer.Decision.ACCEPTED, body="Reprise.")
    assert mail.outbox  # the author is told, without the note
    Consultation.objects.filter(pk=consultation.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1), synthesis_published_at=timezone.now()
    )
    for user in (contributor_a, contributor_b, None):
        client = client_for(user)
        paths = [
            cons_url("consultation_detail", consultation),
            cons_url("synthesis", consultation),
            cons_url("synthesis_csv", consultation),
            cons_url("my_comments_csv", consultation),
            mss1.get_absolute_url(),
            f"/api/v1/consultations/{consultation.pk}/comments/",
            f"/api/v1/comments/{triaged.pk}/",
            f"/api/v1/consultations/{consultation.pk}/",
        ]
        for path in paths:
            response = client.get(path)
            assert response.status_code < 500, path
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            assert SECRET_NOTE not in text, (user, path)
            assert "Confidentielle" not in text, (user, path)
    for message in mail.outbox:
        assert SECRET_NOTE not in message.body and "Confidentielle" not in message.body
        for alternative, _type in getattr(message, "alternatives", []):
            assert SECRET_NOTE not in alternative


def test_the_dashboard_escapes_a_hostile_note(triaged, consultation, editor, client_for):
    html = client_for(editor).get(cons_url("consultation_dashboard", consultation)).content
    assert SECRET_NOTE.encode() in html
    assert b"<script>alert(1)" not in html


def test_contributors_cannot_triage(triaged, consultation, client_for, contributor_a, contributor_b, mss1):
    for user in (contributor_a, contributor_b, None):
        client = client_for(user)
        for name, data in (
            ("comment_assign", {"assignee": user.pk if user else ""}),
            ("comment_note", {"text": "moi aussi"}),
            ("comment_apply_wording", {"requirement": mss1.pk}),
            ("comment_answer", {"decision": "accepted", "body": "oui"}),
        ):
            response = client.post(reverse(f"consultation:{name}", kwargs={"pk": triaged.pk}), data)
            assert response.status_code in (302, 403, 404), name
        response = client.post(
            cons_url("comments_bulk_answer", consultation), {"comments": [triaged.pk], "decision": "accepted", "body": "x"}
        )
        assert response.status_code in (302, 403, 404)
    triaged.refresh_from_db()
    assert triaged.assigned_to.username == "zoe"
    assert InternalNote.objects.filter(comment=triaged).count() == 1
    assert not Answer.objects.filter(comment=triaged).exists()


def test_a_comment_goes_only_to_an_active_editor(proposal, editor, contributor_b):
    with pytest.raises(ValidationError):
        services.assign_comment(comment=proposal, assignee=contributor_b, by=editor)
    former = editor_user(username="partie", is_active=False)
    with pytest.raises(ValidationError):
        services.assign_comment(comment=proposal, assignee=former, by=editor)
    with pytest.raises(PermissionRefused):
        services.assign_comment(comment=proposal, assignee=editor, by=contributor_b)
    proposal.refresh_from_db()
    assert proposal.assigned_to is None


@pytest.mark.parametrize("junk", ["abc", "-1", "0", "9" * 23, ""])
def test_junk_triage_input_never_answers_500(proposal, consultation, editor, client_for, junk):
    client = client_for(editor)
    comment_path = lambda name: reverse(f"consultation:{name}", kwargs={"pk": proposal.pk})  # noqa: E731
    for path, data in (
        (comment_path("comment_assign"), {"assignee": junk}),
        (comment_path("comment_note"), {"text": junk}),
        (comment_path("comment_apply_wording"), {"requirement": junk, "expected_revision": junk, "decision": junk}),
        (cons_url("comments_bulk_answer", consultation), {"comments": [junk], "decision": "accepted", "body": "x"}),
    ):
        assert client.post(path, data).status_code < 500, (path, data)
    for query in ({"attribution": junk}, {"etat": junk, "page": junk, "exigence": junk}):
        assert client.get(cons_url("consultation_dashboard", consultation), query).status_code < 500
    assert not Answer.objects.exists()


def test_bulk_answers_ignore_comments_of_another_consultation(proposal, consultation, editor, client_for, contributor_a):
    other_version = referential_services.start_draft(
        referential=consultation.version.referential, number="8.0", source=consultation.version, by=editor
    )
    assert other_version.pk  # a draft; its comments would be of another consultation
    response = client_for(editor).post(
        reverse("consultation:comments_bulk_answer", kwargs={"pk": 999999}),
        {"comments": [proposal.pk], "decision": "accepted", "body": "x"},
    )
    assert response.status_code == 404
    assert not Answer.objects.exists()


# Applying a proposed wording ---------------------------------------------------------------------


@pytest.fixture
def next_draft(consultation, editor):
    return referential_services.start_draft(
        referential=consultation.version.referential, number="9.0", source=consultation.version, by=editor
    )


def test_a_wording_is_not_applied_to_the_consulted_text_another_referential_or_a_frozen_text(proposal, consultation, next_draft, editor, mss1):
    from tests.factories import filled_version

    elsewhere = filled_version().requirements.get(key="MSS 1")
    for target in (mss1, elsewhere, next_draft.requirements.get(key="MSS 2")):
        with pytest.raises((ValidationError, DomainError)):
            services.apply_proposed_wording(comment=proposal, requirement=target, by=editor)
    assert not Answer.objects.exists()
    carrier = next_draft.requirements.get(key="MSS 1")
    assert carrier.statement != PROPOSAL


def test_a_wording_goes_only_into_a_later_version_descending_from_the_commented_requirement(members, editor, contributor_a):
    """A draft started from the published version before this one went to consultation holds a
    *cousin* of the commented requirement (same root, another branch): it does not carry the
    comment's wording, whatever the lineage's root says."""
    from tests.factories import filled_version, freeze

    published = freeze(filled_version(number="1.0"))
    referential = published.referential
    consulted = referential_services.start_draft(referential=referential, number="2.0", source=published, by=editor)
    cousin_draft = referential_services.start_draft(referential=referential, number="1.1", source=published, by=editor)
    now = timezone.now()
    consultation = services.open_consultation(
        version=consulted, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=14), by=editor
    )
    comment = comment_by(
        contributor_a, consultation, requirement=consulted.requirements.get(key="MSS 1"),
        kind=Comment.Kind.PROPOSAL, body="Autre rédaction.", proposed_wording=PROPOSAL,
    )
    cousin = cousin_draft.requirements.get(key="MSS 1")
    with pytest.raises(ValidationError):
        services.apply_proposed_wording(comment=comment, requirement=cousin, by=editor)
    assert Requirement.objects.get(pk=cousin.pk).statement != PROPOSAL
    assert not Answer.objects.filter(comment=comment).exists()


def test_a_stale_revision_refuses_the_wording_and_leaves_the_answer_alone(proposal, next_draft, editor):
    from referential.errors import ConcurrentEdit

    carrier = next_draft.requirements.get(key="MSS 1")
    referential_services.update_requirement(requirement=carrier, title="Changé", by=editor)
    with pytest.raises(ConcurrentEdit):
        services.apply_proposed_wording(comment=proposal, requirement=carrier, by=editor, expected_revision=carrier.revision)
    assert not Answer.objects.exists()


def test_applying_a_wording_voids_an_approval(proposal, next_draft, editor, settings):
    from referential.queries import review_status

    settings.REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL = True
    reviewer = editor_user(username="relectrice")
    referential_services.submit_for_validation(version=next_draft, by=editor)
    referential_services.approve_version(version=next_draft, by=reviewer)
    assert review_status(next_draft).approval_holds
    services.apply_proposed_wording(comment=proposal, requirement=next_draft.requirements.get(key="MSS 1"), by=reviewer)
    assert not review_status(next_draft).approval_holds
