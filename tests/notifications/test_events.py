"""Actions become mails: after commit, through the task interface, once per (event, recipient),
in the recipient's language, retried on failure, never failing the action."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts import services as account_services
from consultation import services as consultation_services
from consultation.models import Comment
from notifications import delivery, services
from notifications.models import (
    ALL_TOPICS,
    DeliveryStatus,
    EventKind,
    MailDelivery,
    NotificationEvent,
    NotificationPreference,
    Topic,
)
from referential.services import publish_version
from tests.factories import ReferentialFactory, UserFactory, filled_version
from tests.workshops.factories import WorkshopFactory
from workshops import services as workshop_services

from .conftest import approved_organisation, html_of, join, text_of
from core.typography import french_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def referential():
    return ReferentialFactory(code="Ref#1", slug="ref1-mssante")


@pytest.fixture
def followers(referential):
    """An English-speaking user, a confirmed visitor, a visitor who never confirmed, and a user who
    follows only the workshops."""
    english = UserFactory(username="reader_en", email="reader.en@example.org")
    NotificationPreference.objects.create(user=english, language="en")
    services.subscribe_user(referential=referential, by=english, topics=ALL_TOPICS)
    visitor = services.subscribe_email(referential=referential, email="visiteur@example.org", topics=ALL_TOPICS)
    services.confirm_subscription(token=services.confirmation_token(visitor.pk))
    services.subscribe_email(referential=referential, email="jamais@example.org", topics=ALL_TOPICS)
    services.subscribe_user(referential=referential, by=UserFactory(email="ateliers@example.org"), topics=[Topic.MINUTES_PUBLISHED])
    return referential


def open_consultation(version, editor):
    now = timezone.now()
    return consultation_services.open_consultation(version=version, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=14), by=editor)


def test_publishing_a_version_mails_each_follower_once_in_their_language(followers, editor, smtp, django_capture_on_commit_callbacks):
    version = filled_version(referential=followers, number="1.0")
    smtp.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish_version(version=version, by=editor)

    assert sorted(m["To"] for m in smtp.messages) == ["reader.en@example.org", "visiteur@example.org"]
    [english] = smtp.to("reader.en@example.org")
    [french] = smtp.to("visiteur@example.org")
    assert english["Subject"] == "Ref#1: version 1.0 is published"
    assert french["Subject"] == "Ref#1\u202f: la version 1.0 est publiée"
    assert "http://127.0.0.1:8000/referentiels/ref1-mssante/1.0/" in text_of(french)
    assert 'href="http://127.0.0.1:8000/referentiels/ref1-mssante/1.0/"' in html_of(french)
    assert "République" in html_of(french)
    for message in (english, french):
        assert "/notifications/desabonnement/" in message["List-Unsubscribe"]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The task runs again (a worker retried it, or the queue delivered it twice): nothing more leaves.
    event = NotificationEvent.objects.get(kind=EventKind.VERSION_PUBLISHED)
    delivery.dispatch(event.pk)
    assert len(smtp.messages) == 2
    assert MailDelivery.objects.filter(event=event, status=DeliveryStatus.SENT).count() == 2


def test_nothing_is_sent_before_the_action_commits(followers, editor, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        open_consultation(filled_version(referential=followers), editor)
    # (the other callbacks move the pages generation again on commit: referential.page_cache)
    assert smtp.messages == [] and callbacks
    for callback in callbacks:
        callback()
    assert len(smtp.messages) == 2


def test_a_refused_send_is_retried_later_and_then_sent_once(followers, editor, smtp, django_capture_on_commit_callbacks):
    smtp.refuse_next = 1
    with django_capture_on_commit_callbacks(execute=True):
        open_consultation(filled_version(referential=followers), editor)
    failed = MailDelivery.objects.get(status=DeliveryStatus.FAILED)
    assert failed.attempts == 1 and failed.next_attempt_at > timezone.now()
    assert len(smtp.messages) == 1

    assert delivery.retry_due() == (0, 0), "not before its time"
    delivery.retry_due(timezone.now() + timedelta(minutes=2))
    delivery.retry_due(timezone.now() + timedelta(minutes=10))
    assert sorted(m["To"] for m in smtp.messages) == ["reader.en@example.org", "visiteur@example.org"]
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.SENT and failed.attempts == 2


def test_a_send_that_keeps_failing_is_abandoned_after_the_last_retry(followers, editor, smtp, django_capture_on_commit_callbacks):
    smtp.refuse_next = 100
    with django_capture_on_commit_callbacks(execute=True):
        open_consultation(filled_version(referential=followers), editor)
    moment = timezone.now()
    for _ in range(len(delivery.RETRY_DELAYS) + 2):
        moment += timedelta(hours=13)
        delivery.retry_due(moment)
    assert set(MailDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.ABANDONED}
    assert set(MailDelivery.objects.values_list("attempts", flat=True)) == {len(delivery.RETRY_DELAYS) + 1}


def test_a_broken_task_queue_never_fails_the_action_and_the_event_is_dispatched_later(followers, editor, smtp, monkeypatch, django_capture_on_commit_callbacks):
    from notifications import tasks

    def refuse(*args, **kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr(tasks, "dispatch_event", SimpleNamespace(enqueue=refuse))
    with django_capture_on_commit_callbacks(execute=True):
        consultation = open_consultation(filled_version(referential=followers), editor)
    assert consultation.pk and smtp.messages == []
    monkeypatch.undo()

    delivery.retry_due(timezone.now() + timedelta(minutes=10))
    assert len(smtp.messages) == 2


def test_subscribers_hear_of_an_opened_consultation_and_of_its_synthesis(followers, editor, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        consultation = open_consultation(filled_version(referential=followers), editor)
    [opened] = smtp.to("visiteur@example.org")
    assert "concertation" in opened["Subject"] and f"/concertations/{consultation.pk}/" in text_of(opened)

    smtp.clear()
    with django_capture_on_commit_callbacks(execute=True):
        consultation_services.close_consultation_now(consultation=consultation, by=editor)
        consultation_services.publish_synthesis(consultation=consultation, by=editor)
    [synthesis] = smtp.to("visiteur@example.org")
    assert "synthèse" in synthesis["Subject"] and f"/concertations/{consultation.pk}/synthese/" in text_of(synthesis)
    assert len(smtp.messages) == 2


def test_workshop_minutes_reach_the_followers_of_the_referentials_they_concern(followers, editor, smtp, django_capture_on_commit_callbacks):
    workshop = WorkshopFactory(status="draft")
    workshop.referentials.add(followers)
    with django_capture_on_commit_callbacks(execute=True):
        workshop_services.publish_workshop(workshop=workshop, by=editor)
    assert sorted(m["To"] for m in smtp.messages) == ["ateliers@example.org", "reader.en@example.org", "visiteur@example.org"]
    assert f"/ateliers/{workshop.pk}/" in text_of(smtp.to("ateliers@example.org")[0])


def test_the_author_of_a_hidden_comment_is_told_why(editor, contributor_a, smtp, django_capture_on_commit_callbacks):
    join(contributor_a, approved_organisation("Messagerie A"))
    consultation = open_consultation(filled_version(), editor)
    comment = consultation_services.submit_comment(consultation=consultation, author=contributor_a, kind=Comment.Kind.REMARK, body="Texte")
    smtp.clear()
    with django_capture_on_commit_callbacks(execute=True):
        consultation_services.hide_comment(comment=comment, by=editor, reason="Propos injurieux envers un éditeur")

    [message] = smtp.to(contributor_a.email)
    assert "masqué" in message["Subject"]
    assert "Propos injurieux envers un éditeur" in text_of(message)
    assert "Propos injurieux envers un éditeur" in html_of(message)
    assert message["List-Unsubscribe"]

    # Restored, then hidden again for another reason: a new decision, a new mail.
    with django_capture_on_commit_callbacks(execute=True):
        consultation_services.unhide_comment(comment=comment, by=editor)
        consultation_services.hide_comment(comment=comment, by=editor, reason="Hors sujet")
    assert len(smtp.to(contributor_a.email)) == 2


def test_an_author_who_muted_hidden_comment_mails_gets_none(editor, contributor_a, smtp, django_capture_on_commit_callbacks, anonymous):
    join(contributor_a, approved_organisation("Messagerie A"))
    consultation = open_consultation(filled_version(), editor)
    first = consultation_services.submit_comment(consultation=consultation, author=contributor_a, kind=Comment.Kind.REMARK, body="Un")
    second = consultation_services.submit_comment(consultation=consultation, author=contributor_a, kind=Comment.Kind.REMARK, body="Deux")
    smtp.clear()
    with django_capture_on_commit_callbacks(execute=True):
        consultation_services.hide_comment(comment=first, by=editor, reason="Doublon")
    [message] = smtp.messages
    # The one-click link of that mail mutes this kind of mail for its recipient.
    url = message["List-Unsubscribe"].strip().strip("<>").removeprefix("http://127.0.0.1:8000")
    assert anonymous.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 204

    with django_capture_on_commit_callbacks(execute=True):
        consultation_services.hide_comment(comment=second, by=editor, reason="Doublon")
    assert len(smtp.messages) == 1


def test_editors_are_told_when_a_new_organisation_waits_for_approval(editor, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        account_services.register_contributor(
            email="nouvelle@example.org",
            password="motdepasse-solide-42",
            first_name="Nina",
            last_name="Nouvel",
            organisation_name="Messagerie Nouvelle",
            organisation_kind="operator",
        )
    [message] = smtp.to(editor.email)
    assert "Messagerie Nouvelle" in message["Subject"]
    assert "/admin/" in text_of(message)
    assert "nouvelle@example.org" in text_of(message)
    assert smtp.to("nouvelle@example.org"), "the newcomer still gets their confirmation link"


def test_editors_are_told_when_someone_asks_to_join_a_registered_organisation(editor, smtp, django_capture_on_commit_callbacks):
    approved_organisation("Messagerie Santé Services")
    with django_capture_on_commit_callbacks(execute=True):
        membership = account_services.register_contributor(
            email="intrus@ailleurs.fr",
            password="motdepasse-solide-42",
            first_name="Ivan",
            last_name="Intrus",
            organisation_name="messagerie   sante SERVICES",
            organisation_kind="operator",
        )
    [message] = smtp.to(editor.email)
    assert french_text("Rattachement à valider : Messagerie Santé Services") in message["Subject"]
    assert f"/admin/accounts/membership/{membership.pk}/change/" in text_of(message)
    assert "intrus@ailleurs.fr" in text_of(message)
