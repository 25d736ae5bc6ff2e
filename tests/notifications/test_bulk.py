"""Publishing a version followed by 1,000 people: the request does not wait for the mails, and
each follower gets exactly one."""

import time
from collections import Counter

import pytest
from asgiref.local import Local
from django_tasks import task_backends

from notifications.models import ALL_TOPICS, MailDelivery, Subscription
from tests.factories import ReferentialFactory, filled_version

from .backends import ImmediateExceptNotificationsBackend

pytestmark = pytest.mark.django_db
FOLLOWERS = 1000


@pytest.fixture
def notifications_kept(settings):
    def reset():
        task_backends.__dict__.pop("settings", None)
        task_backends._connections = Local(task_backends.thread_critical)

    settings.TASKS = {"default": {"BACKEND": "tests.notifications.backends.ImmediateExceptNotificationsBackend"}}
    reset()
    ImmediateExceptNotificationsBackend.kept.clear()
    yield ImmediateExceptNotificationsBackend
    ImmediateExceptNotificationsBackend.kept.clear()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    reset()


def test_publishing_to_a_thousand_followers_returns_at_once_and_mails_each_exactly_once(
    api_for, editor, notifications_kept, mailoutbox, django_capture_on_commit_callbacks
):
    referential = ReferentialFactory()
    filled_version(referential=referential, number="2.0")
    Subscription.objects.bulk_create(
        [Subscription(referential=referential, email=f"suiveur{n}@example.org", topics=ALL_TOPICS, confirmed_at="2026-01-01T00:00Z") for n in range(FOLLOWERS)]
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(editor).post(f"/api/v1/referentials/{referential.slug}/versions/2.0/publish/")
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert mailoutbox == [], "the request sent no mail: it queued their dispatch"
    assert len(notifications_kept.kept) == 1

    started = time.perf_counter()
    notifications_kept.run_kept()
    elapsed = time.perf_counter() - started
    recipients = Counter(message.to[0] for message in mailoutbox)
    assert len(recipients) == FOLLOWERS and set(recipients.values()) == {1}
    assert all(message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for message in mailoutbox)
    print(f"\n{FOLLOWERS} mails dispatched in {elapsed:.1f} s")

    # The dispatch delivered twice by the queue sends nothing more.
    from notifications.delivery import dispatch

    dispatch(MailDelivery.objects.first().event_id)
    assert len(mailoutbox) == FOLLOWERS
