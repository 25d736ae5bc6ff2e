"""The consultation services: for each, the allowed path, the refused path and the history row.
The window is the server's: a comment one second before closing is stored, one second after is refused."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Membership, Organisation
from consultation import services
from consultation.errors import ConsultationClosed
from consultation.models import Answer, Comment, Consultation
from core.errors import PermissionRefused, TransitionNotAllowed
from referential.models import ReferentialVersion
from tests.factories import RequirementFactory, SectionFactory, VersionFactory, filled_version, freeze

from .conftest import approved_organisation, close, comment_by, join

pytestmark = pytest.mark.django_db


def later(days=0, **kwargs):
    return timezone.now() + timedelta(days=days, **kwargs)


# Opening, extending, closing -------------------------------------------------------------------------


def test_opening_puts_the_draft_in_consultation_and_records_who_did_it(editor):
    version = filled_version()

    consultation = services.open_consultation(version=version, opens_at=later(), closes_at=later(14), by=editor)

    version.refresh_from_db()
    assert version.status == ReferentialVersion.Status.CONSULTATION
    assert consultation.opened_by == editor
    record = consultation.history.latest()
    assert (record.history_type, record.history_change_reason, record.history_user) == ("+", "Ouverture de la concertation", editor)
    assert version.history.latest().history_change_reason == "Soumise à concertation"


def test_opening_is_refused_to_a_contributor(contributor_a):
    version = filled_version()

    with pytest.raises(PermissionRefused):
        services.open_consultation(version=version, opens_at=later(), closes_at=later(14), by=contributor_a)

    assert not Consultation.objects.exists()
    version.refresh_from_db()
    assert version.status == ReferentialVersion.Status.DRAFT


def test_only_a_draft_can_be_opened(editor):
    published = freeze(filled_version())

    with pytest.raises(TransitionNotAllowed):
        services.open_consultation(version=published, opens_at=later(), closes_at=later(14), by=editor)


@pytest.mark.parametrize(
    "opens, closes, field",
    [(later(2), later(1), "closes_at"), (later(-10), later(-1), "closes_at")],
    ids=["closing-before-opening", "closing-in-the-past"],
)
def test_a_window_that_makes_no_sense_is_refused(editor, opens, closes, field):
    with pytest.raises(ValidationError) as error:
        services.open_consultation(version=filled_version(), opens_at=opens, closes_at=closes, by=editor)
    assert field in error.value.message_dict
    assert not Consultation.objects.exists()


def test_extending_pushes_the_closing_date_and_keeps_the_old_one_in_history(consultation, editor):
    before = consultation.closes_at

    services.extend_consultation(consultation=consultation, closes_at=before + timedelta(days=7), by=editor)

    consultation.refresh_from_db()
    assert consultation.closes_at == before + timedelta(days=7)
    latest, previous = consultation.history.all()[:2]
    assert latest.history_change_reason == "Prolongation de la concertation"
    assert previous.closes_at == before


def test_extending_to_an_earlier_date_is_refused(consultation, editor):
    with pytest.raises(ValidationError) as error:
        services.extend_consultation(consultation=consultation, closes_at=consultation.closes_at - timedelta(days=1), by=editor)
    assert "closes_at" in error.value.message_dict


def test_extending_is_refused_to_a_contributor(consultation, contributor_a):
    with pytest.raises(PermissionRefused):
        services.extend_consultation(consultation=consultation, closes_at=later(30), by=contributor_a)


def test_a_consultation_whose_version_is_published_cannot_be_reopened(consultation, editor):
    close(consultation, editor)
    freeze(consultation.version)

    with pytest.raises(TransitionNotAllowed):
        services.extend_consultation(consultation=consultation, closes_at=later(30), by=editor)


def test_closing_now_ends_the_window_and_is_in_history(consultation, editor):
    services.close_consultation_now(consultation=consultation, by=editor)

    consultation.refresh_from_db()
    assert consultation.is_closed()
    assert consultation.history.latest().history_change_reason == "Clôture anticipée"
    with pytest.raises(TransitionNotAllowed):
        services.close_consultation_now(consultation=consultation, by=editor)


# Submitting -----------------------------------------------------------------------------------------


def test_a_contributor_comments_a_requirement_and_the_comment_is_in_history(members, consultation, contributor_a, mss1, org_a):
    comment = comment_by(contributor_a, consultation, requirement=mss1, proposed_wording="Nouveau texte.")

    assert (comment.author, comment.organisation, comment.status) == (contributor_a, org_a, Comment.Status.SUBMITTED)
    record = comment.history.get()
    assert (record.history_type, record.history_change_reason, record.history_user) == ("+", "Dépôt", contributor_a)


def test_a_comment_one_second_before_closing_is_stored(members, consultation, contributor_a):
    comment = comment_by(contributor_a, consultation, now=consultation.closes_at - timedelta(seconds=1))

    assert Comment.objects.filter(pk=comment.pk).exists()


def test_a_comment_one_second_after_closing_is_refused(members, consultation, contributor_a):
    with pytest.raises(ConsultationClosed) as error:
        comment_by(contributor_a, consultation, now=consultation.closes_at + timedelta(seconds=1))

    assert "close depuis le" in str(error.value)
    assert not Comment.objects.exists()


def test_a_comment_at_the_closing_instant_is_refused(members, consultation, contributor_a):
    with pytest.raises(ConsultationClosed):
        comment_by(contributor_a, consultation, now=consultation.closes_at)


def test_a_comment_before_opening_is_refused(members, editor, contributor_a):
    upcoming = services.open_consultation(version=filled_version(), opens_at=later(3), closes_at=later(10), by=editor)

    with pytest.raises(ConsultationClosed) as error:
        comment_by(contributor_a, upcoming)

    assert "ouvre le" in str(error.value)


def test_the_window_is_the_servers_clock_in_paris_time(members, consultation, contributor_a, monkeypatch):
    """Freezing the server's clock one second past closing refuses the comment, whatever the client."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: consultation.closes_at + timedelta(seconds=1))

    with pytest.raises(ConsultationClosed) as error:
        comment_by(contributor_a, consultation)

    # The refusal names the closing time in Europe/Paris.
    assert timezone.localtime(consultation.closes_at).strftime("%H:%M") in str(error.value)


@pytest.mark.parametrize("who", ["editor", "anonymous", "no-membership"])
def test_only_registered_contributors_comment(consultation, who, editor, contributor_b, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    author = {"editor": editor, "anonymous": AnonymousUser(), "no-membership": contributor_b}[who]
    with pytest.raises(PermissionRefused):
        comment_by(author, consultation)
    assert not Comment.objects.exists()


def test_an_unconfirmed_address_cannot_comment(consultation, contributor_a):
    organisation = approved_organisation("Opérateur")
    Membership.objects.create(status="approved", user=contributor_a, organisation=organisation, email_confirmed_at=None)

    with pytest.raises(PermissionRefused) as error:
        comment_by(contributor_a, consultation)
    assert "adresse" in str(error.value)


def test_an_organisation_awaiting_approval_cannot_comment(consultation, contributor_a):
    organisation = Organisation.objects.create(name="Nouvelle", kind=Organisation.Kind.OPERATOR)
    join(contributor_a, organisation)

    with pytest.raises(PermissionRefused) as error:
        comment_by(contributor_a, consultation)
    assert "validée" in str(error.value)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"body": "   "}, "body"),
        ({"body": "x" * (Comment.BODY_MAX_LENGTH + 1)}, "body"),
        ({"proposed_wording": "x" * (Comment.BODY_MAX_LENGTH + 1)}, "proposed_wording"),
        ({"kind": "insult"}, "kind"),
    ],
    ids=["empty-body", "body-too-long", "wording-too-long", "unknown-kind"],
)
def test_bad_input_is_refused_naming_the_field(members, consultation, contributor_a, fields, field):
    with pytest.raises(ValidationError) as error:
        comment_by(contributor_a, consultation, **fields)

    assert field in error.value.message_dict
    assert not Comment.objects.exists()


def test_a_body_of_exactly_the_limit_is_accepted(members, consultation, contributor_a):
    comment = comment_by(contributor_a, consultation, body="x" * Comment.BODY_MAX_LENGTH)
    assert len(comment.body) == Comment.BODY_MAX_LENGTH


def test_a_requirement_of_another_version_is_refused(members, consultation, contributor_a):
    elsewhere = RequirementFactory(version=VersionFactory())

    with pytest.raises(ValidationError) as error:
        comment_by(contributor_a, consultation, requirement=elsewhere)

    assert "requirement" in error.value.message_dict
    assert not Comment.objects.exists()


def test_a_chapter_of_another_version_is_refused(members, consultation, contributor_a):
    with pytest.raises(ValidationError) as error:
        comment_by(contributor_a, consultation, section=SectionFactory())
    assert "section" in error.value.message_dict


def test_a_comment_targets_one_thing_only(members, consultation, contributor_a, mss1):
    with pytest.raises(ValidationError) as error:
        comment_by(contributor_a, consultation, requirement=mss1, section=mss1.section)
    assert "requirement" in error.value.message_dict


# The author's edits and withdrawal ----------------------------------------------------------------


def test_the_author_edits_their_comment_and_the_old_text_stays_in_history(comment_a, contributor_a):
    services.edit_comment(comment=comment_a, by=contributor_a, body="Question reformulée.", kind=Comment.Kind.REMARK)

    comment_a.refresh_from_db()
    assert (comment_a.body, comment_a.kind) == ("Question reformulée.", Comment.Kind.REMARK)
    latest, previous = comment_a.history.all()[:2]
    assert latest.history_change_reason == "Modification par l'auteur"
    assert previous.body == "Le TLS 1.3 suffit-il ?"


def test_nobody_else_edits_a_comment(comment_a, contributor_b, editor):
    for someone in (contributor_b, editor):
        with pytest.raises(PermissionRefused):
            services.edit_comment(comment=comment_a, by=someone, body="Piraté.")
    comment_a.refresh_from_db()
    assert comment_a.body == "Le TLS 1.3 suffit-il ?"
    assert comment_a.history.count() == 1


def test_an_edit_after_closing_is_refused(comment_a, contributor_a, editor):
    close(comment_a.consultation, editor)

    with pytest.raises(ConsultationClosed):
        services.edit_comment(comment=comment_a, by=contributor_a, body="Trop tard.")


def test_an_edit_one_second_before_closing_is_stored(comment_a, contributor_a):
    moment = comment_a.consultation.closes_at - timedelta(seconds=1)
    services.edit_comment(comment=comment_a, by=contributor_a, body="Juste à temps.", now=moment)
    comment_a.refresh_from_db()
    assert comment_a.body == "Juste à temps."


def test_withdrawing_keeps_the_comment_marked_withdrawn(comment_a, contributor_a):
    services.withdraw_comment(comment=comment_a, by=contributor_a)

    comment_a.refresh_from_db()
    assert comment_a.status == Comment.Status.WITHDRAWN
    assert comment_a.history.latest().history_change_reason == "Retrait par l'auteur"
    with pytest.raises(TransitionNotAllowed):
        services.edit_comment(comment=comment_a, by=contributor_a, body="Je reviens.")


def test_withdrawing_is_refused_after_closing_and_to_others(comment_a, contributor_a, contributor_b, editor):
    with pytest.raises(PermissionRefused):
        services.withdraw_comment(comment=comment_a, by=contributor_b)
    close(comment_a.consultation, editor)
    with pytest.raises(ConsultationClosed):
        services.withdraw_comment(comment=comment_a, by=contributor_a)
    comment_a.refresh_from_db()
    assert comment_a.status == Comment.Status.SUBMITTED


# Moderation ----------------------------------------------------------------------------------------


def test_an_editor_hides_a_comment_with_a_reason_and_can_restore_it(comment_a, editor):
    services.hide_comment(comment=comment_a, by=editor, reason="Propos injurieux.")
    comment_a.refresh_from_db()
    assert (comment_a.status, comment_a.hidden_reason) == (Comment.Status.HIDDEN, "Propos injurieux.")
    assert comment_a.history.latest().history_change_reason == "Masqué par l'ANS"

    services.unhide_comment(comment=comment_a, by=editor)
    comment_a.refresh_from_db()
    assert (comment_a.status, comment_a.hidden_reason) == (Comment.Status.SUBMITTED, "")


def test_hiding_needs_a_reason_and_an_editor(comment_a, editor, contributor_b):
    with pytest.raises(ValidationError) as error:
        services.hide_comment(comment=comment_a, by=editor, reason="  ")
    assert "reason" in error.value.message_dict
    with pytest.raises(PermissionRefused):
        services.hide_comment(comment=comment_a, by=contributor_b, reason="Je n'aime pas.")
    comment_a.refresh_from_db()
    assert comment_a.status == Comment.Status.SUBMITTED


def test_a_withdrawn_comment_cannot_be_hidden(comment_a, contributor_a, editor):
    services.withdraw_comment(comment=comment_a, by=contributor_a)
    with pytest.raises(TransitionNotAllowed):
        services.hide_comment(comment=comment_a, by=editor, reason="Sans objet.")


# Answers -------------------------------------------------------------------------------------------


def test_an_answer_is_recorded_and_the_author_is_told_by_email(comment_a, editor, contributor_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = services.answer_comment(comment=comment_a, by=editor, decision=Answer.Decision.ACCEPTED, body="Oui, TLS 1.3 suffit.")

    assert (answer.answered_by, answer.decision) == (editor, "accepted")
    assert answer.history.get().history_change_reason == "Réponse de l'ANS"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [contributor_a.email]
    assert "MSS 1" in message.body and "Oui, TLS 1.3 suffit." in message.body
    assert "&#x27;" not in message.body  # the text part is not HTML-escaped


def test_editors_still_answer_after_closing(comment_a, editor):
    close(comment_a.consultation, editor)
    answer = services.answer_comment(comment=comment_a, by=editor, decision=Answer.Decision.FORWARDED, body="Question soumise aux équipes PSC.")
    assert answer.pk


def test_revising_an_answer_keeps_the_first_one_in_history(comment_a, editor):
    services.answer_comment(comment=comment_a, by=editor, decision=Answer.Decision.NOTED, body="Pris en compte.")
    services.answer_comment(comment=comment_a, by=editor, decision=Answer.Decision.ACCEPTED, body="Accepté finalement.")

    answer = Answer.objects.get(comment=comment_a)
    assert answer.decision == "accepted"
    assert [r.history_change_reason for r in answer.history.order_by("history_date")] == ["Réponse de l'ANS", "Réponse révisée"]


def test_answers_are_refused_to_contributors_and_bad_decisions_named(comment_a, contributor_a, editor):
    with pytest.raises(PermissionRefused):
        services.answer_comment(comment=comment_a, by=contributor_a, decision="accepted", body="Moi-même.")
    with pytest.raises(ValidationError) as error:
        services.answer_comment(comment=comment_a, by=editor, decision="maybe", body="Peut-être.")
    assert "decision" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.answer_comment(comment=comment_a, by=editor, decision="accepted", body="")
    assert "body" in error.value.message_dict
    assert not Answer.objects.exists()


def test_the_carrying_requirement_must_be_of_the_same_referential(comment_a, editor):
    elsewhere = RequirementFactory(version=VersionFactory())
    with pytest.raises(ValidationError) as error:
        services.answer_comment(comment=comment_a, by=editor, decision="accepted", body="Ailleurs.", carried_by=elsewhere)
    assert "carried_by" in error.value.message_dict


def test_the_synthesis_waits_for_the_closing(comment_a, editor):
    consultation = comment_a.consultation
    with pytest.raises(TransitionNotAllowed):
        services.publish_synthesis(consultation=consultation, by=editor)
    close(consultation, editor)
    services.publish_synthesis(consultation=consultation, by=editor)
    consultation.refresh_from_db()
    assert consultation.synthesis_is_published


def test_comment_refusal_tells_why_without_raising(members, consultation, contributor_a, contributor_b, editor):
    assert services.comment_refusal(consultation, contributor_a) is None
    assert isinstance(services.comment_refusal(consultation, editor), PermissionRefused)
    assert isinstance(
        services.comment_refusal(consultation, contributor_b, now=consultation.closes_at), ConsultationClosed
    )
