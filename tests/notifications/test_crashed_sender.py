"""A worker that dies between claiming a mail (or a webhook call) and recording what happened leaves
the row "sending": after ``CLAIM_TIMEOUT`` the scheduled retry makes it due again, so it is sent
rather than silently lost; a row a live worker holds is left alone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import delivery
from notifications.models import DeliveryStatus, EventKind, MailDelivery, NotificationEvent
from tests.consultation.conftest import approved_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(editor):
    return NotificationEvent.objects.create(
        kind=EventKind.ORGANISATION_PENDING, key="organisation_pending:test", payload={"organisation_id": approved_organisation("Org").pk},
        created_at=timezone.now(), dispatched_at=timezone.now(),
    )


def stuck(event, email, claimed_ago):
    now = timezone.now()
    return MailDelivery.objects.create(
        event=event, email=email, status=DeliveryStatus.SENDING, claimed_by="dead-worker", claimed_at=now - claimed_ago
    )


def test_a_mail_left_sending_by_a_dead_worker_is_sent_by_the_next_retry(event, smtp):
    abandoned = stuck(event, "perdu@example.org", timedelta(minutes=20))
    held = stuck(event, "en-cours@example.org", timedelta(minutes=1))

    delivery.retry_due()

    abandoned.refresh_from_db()
    held.refresh_from_db()
    assert abandoned.status == DeliveryStatus.SENT and len(smtp.to("perdu@example.org")) == 1
    assert held.status == DeliveryStatus.SENDING and not smtp.to("en-cours@example.org")


def test_the_interruption_is_recorded_as_an_attempt(event, smtp):
    smtp.refuse_next = 1
    abandoned = stuck(event, "perdu@example.org", timedelta(hours=1))
    delivery.retry_due()
    abandoned.refresh_from_db()
    assert abandoned.status == DeliveryStatus.FAILED and abandoned.attempts == 2
    assert abandoned.next_attempt_at > timezone.now()
