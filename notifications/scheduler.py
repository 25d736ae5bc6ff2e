"""Notifications that a date, not an action, triggers: a consultation closing in 7 days or today,
a consultation closed (for webhooks), a version coming into force today, yesterday's comments.

Each is recorded under a key naming the object and the date, so running this any number of
times a day records each event once; the unique delivery rows do the rest. Run it every few
minutes (``manage.py send_scheduled_notifications``): it also retries failed sends.
"""

from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.utils import timezone

from consultation.models import Comment, Consultation
from referential.models import ReferentialVersion

from .events import record_event
from .models import EventKind

CLOSING_SOON = timedelta(days=7)


def in_force_on(version: ReferentialVersion) -> date | None:
    """The day a published version comes into force: its in-force date, or else the day it was
    published. The one place that decides it, for mails and the scheduler alike."""
    return version.in_force_from


def _last_day(consultation: Consultation) -> date:
    # A window closing at midnight has the day before as its last day.
    return timezone.localdate(consultation.closes_at - timedelta(microseconds=1))


def record_scheduled_events(now=None) -> list[str]:
    """Record every event due at ``now``; returns the keys recorded this time (none on a re-run)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    recorded = []

    def record(**kwargs):
        if record_event(**kwargs):
            recorded.append(kwargs["key"])

    open_ones = Consultation.objects.select_related("version").filter(opens_at__lte=now, closes_at__gt=now)
    for consultation in open_ones.filter(closes_at__lte=now + CLOSING_SOON):
        last_day = _last_day(consultation)
        common = {"referential_id": consultation.version.referential_id, "payload": {"consultation_id": consultation.pk}}
        if last_day == today:
            record(kind=EventKind.CONSULTATION_LAST_DAY, key=f"consultation_last_day:{consultation.pk}:{last_day}", **common)
        else:
            # The closing date is in the key: a consultation extended later gets a new reminder.
            record(kind=EventKind.CONSULTATION_CLOSING_SOON, key=f"consultation_closing_soon:{consultation.pk}:{last_day}", **common)

    # Closed in the last week: a late run still tells the tools, an old one is not announced.
    for consultation in Consultation.objects.select_related("version").filter(closes_at__lte=now, closes_at__gt=now - CLOSING_SOON):
        record(
            kind=EventKind.CONSULTATION_CLOSED,
            key=f"consultation_closed:{consultation.pk}:{consultation.closes_at.isoformat()}",
            referential_id=consultation.version.referential_id,
            payload={"consultation_id": consultation.pk},
        )

    for version in ReferentialVersion.objects.published():
        if in_force_on(version) == today:
            record(
                kind=EventKind.VERSION_IN_FORCE,
                key=f"version_in_force:{version.pk}:{today}",
                referential_id=version.referential_id,
                payload={"version_id": version.pk},
            )

    yesterday = today - timedelta(days=1)
    start = timezone.make_aware(datetime.combine(yesterday, time.min))
    counts = (
        Comment.objects.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))
        .values("consultation_id", "consultation__version__referential_id")
        .annotate(count=Count("pk"))
        .order_by("consultation_id")
    )
    for row in counts:
        record(
            kind=EventKind.COMMENTS_DIGEST,
            key=f"comments_digest:{row['consultation_id']}:{yesterday}",
            referential_id=row["consultation__version__referential_id"],
            payload={"consultation_id": row["consultation_id"], "count": row["count"], "day": yesterday.isoformat()},
        )
    return recorded
