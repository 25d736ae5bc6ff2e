"""send_scheduled_notifications: closing in 7 days and last day, in force today, daily digest of
comments for editors; running it again sends nothing twice."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from consultation import services as consultation_services
from consultation.models import Comment, Consultation
from notifications import services
from notifications.models import ALL_TOPICS, EventKind, MailDelivery, Topic
from notifications.scheduler import in_force_on
from referential.models import ReferentialVersion
from tests.factories import ReferentialFactory, UserFactory, VersionFactory, filled_version

from .conftest import approved_organisation, join, text_of

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the command at a moment, as cron would (its work commits, so its dispatches run)."""

    def run_at(moment):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_scheduled_notifications", now=moment.isoformat(), stdout=StringIO())

    return run_at


@pytest.fixture
def follower():
    referential = ReferentialFactory(code="Ref#1")
    subscription = services.subscribe_email(referential=referential, email="suivi@example.org", topics=ALL_TOPICS)
    services.confirm_subscription(token=services.confirmation_token(subscription.pk))
    return referential


def consultation_closing(referential, closes_at):
    version = VersionFactory(referential=referential, status=ReferentialVersion.Status.CONSULTATION)
    return Consultation.objects.create(version=version, opens_at=closes_at - timedelta(days=30), closes_at=closes_at)


def test_a_consultation_closing_within_7_days_is_announced_once_then_on_its_last_day(follower, smtp, run):
    consultation = consultation_closing(follower, datetime(2026, 3, 20, 18, 0, tzinfo=PARIS))

    run(datetime(2026, 3, 10, 8, 0, tzinfo=PARIS))
    assert smtp.messages == [], "11 days before: nothing yet"

    run(datetime(2026, 3, 13, 19, 0, tzinfo=PARIS))
    run(datetime(2026, 3, 13, 19, 5, tzinfo=PARIS))
    run(datetime(2026, 3, 16, 8, 0, tzinfo=PARIS))
    [soon] = smtp.messages
    assert "bientôt" in soon["Subject"] and "20 mars 2026" in text_of(soon)

    run(datetime(2026, 3, 20, 7, 0, tzinfo=PARIS))
    run(datetime(2026, 3, 20, 12, 0, tzinfo=PARIS))
    assert len(smtp.messages) == 2
    last = smtp.messages[1]
    assert "dernier jour" in last["Subject"] and "18:00" in text_of(last)
    assert f"/concertations/{consultation.pk}/" in text_of(last)


def test_subscribers_who_did_not_choose_closing_reminders_get_none(smtp, run):
    referential = ReferentialFactory()
    services.subscribe_user(referential=referential, by=UserFactory(), topics=[Topic.VERSION_PUBLISHED])
    consultation_closing(referential, datetime(2026, 3, 20, 18, 0, tzinfo=PARIS))
    run(datetime(2026, 3, 16, 8, 0, tzinfo=PARIS))
    run(datetime(2026, 3, 20, 8, 0, tzinfo=PARIS))
    assert smtp.messages == []


def test_a_version_is_announced_on_the_day_it_comes_into_force_and_only_then(follower, smtp, run):
    version = VersionFactory(referential=follower, number="2.0")
    ReferentialVersion.objects.filter(pk=version.pk).update(
        status=ReferentialVersion.Status.PUBLISHED,
        published_at=datetime(2026, 3, 1, 10, 0, tzinfo=PARIS),
        effective_at=datetime(2026, 4, 1).date(),
    )
    version.refresh_from_db()
    assert in_force_on(version) == datetime(2026, 4, 1).date()

    run(datetime(2026, 3, 31, 23, 0, tzinfo=PARIS))
    assert smtp.messages == []
    run(datetime(2026, 4, 1, 0, 5, tzinfo=PARIS))
    run(datetime(2026, 4, 1, 9, 0, tzinfo=PARIS))
    [message] = smtp.messages
    assert "entre en vigueur aujourd’hui" in message["Subject"] and "2.0" in message["Subject"]


def test_without_an_in_force_date_a_version_is_in_force_from_its_publication_day(follower):
    version = VersionFactory(referential=follower)
    ReferentialVersion.objects.filter(pk=version.pk).update(
        status=ReferentialVersion.Status.PUBLISHED, published_at=datetime(2026, 3, 1, 23, 30, tzinfo=PARIS)
    )
    version.refresh_from_db()
    assert in_force_on(version) == datetime(2026, 3, 1).date(), "the day in Paris, not in UTC"


def test_editors_get_one_digest_per_consultation_for_the_comments_of_the_day_before(editor, contributor_a, smtp, run):
    join(contributor_a, approved_organisation("Messagerie A"))
    now = timezone.now()
    consultation = consultation_services.open_consultation(
        version=filled_version(), opens_at=now - timedelta(days=3), closes_at=now + timedelta(days=10), by=editor
    )
    for body in ("Un", "Deux", "Trois"):
        consultation_services.submit_comment(consultation=consultation, author=contributor_a, kind=Comment.Kind.REMARK, body=body)
    day = timezone.localdate(now)
    Comment.objects.filter(body="Trois").update(created_at=now - timedelta(days=2))
    smtp.clear()

    next_morning = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=PARIS) + timedelta(hours=6)
    run(next_morning)
    run(next_morning + timedelta(hours=1))
    [digest] = smtp.to(editor.email)
    assert "2 nouveaux commentaires" in digest["Subject"]
    assert f"/concertations/{consultation.pk}/tableau-de-bord/" in text_of(digest)
    assert smtp.to(contributor_a.email) == []


def test_running_the_command_twice_sends_nothing_twice(follower, editor, smtp, run):
    consultation_closing(follower, datetime(2026, 3, 20, 18, 0, tzinfo=PARIS))
    moment = datetime(2026, 3, 20, 8, 0, tzinfo=PARIS)
    run(moment)
    count = len(smtp.messages)
    deliveries = MailDelivery.objects.count()
    run(moment)
    run(moment + timedelta(minutes=15))
    assert count == 1 and len(smtp.messages) == count and MailDelivery.objects.count() == deliveries


def test_a_closed_consultation_is_recorded_for_webhooks_once(follower, smtp, run):
    from notifications.models import NotificationEvent

    consultation_closing(follower, datetime(2026, 3, 20, 18, 0, tzinfo=PARIS))
    run(datetime(2026, 3, 20, 18, 30, tzinfo=PARIS))
    run(datetime(2026, 3, 21, 9, 0, tzinfo=PARIS))
    assert NotificationEvent.objects.filter(kind=EventKind.CONSULTATION_CLOSED).count() == 1
    assert smtp.messages == [], "closing is not a subscriber's topic: tools hear of it"
