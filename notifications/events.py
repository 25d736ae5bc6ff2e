"""Recording events: once per key, in the transaction of the action, handed to the task queue on commit.

Recording inside the action's transaction means a rolled-back action leaves no event, and a
committed one always has its event, even if the task queue is down at that moment: the scheduled
command hands over any event still undispatched (see ``delivery.retry_due``).
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import NotificationEvent

logger = logging.getLogger(__name__)


def record_event(*, kind: str, key: str, referential_id: int | None = None, payload: dict | None = None) -> NotificationEvent | None:
    """Record an event under ``key`` and dispatch it after commit; a key already recorded records nothing."""
    if NotificationEvent.objects.filter(key=key).exists():
        return None
    try:
        # A savepoint: a concurrent twin of this event must not break the caller's transaction.
        with transaction.atomic():
            event = NotificationEvent.objects.create(
                kind=kind, key=key, referential_id=referential_id, payload=payload or {}, created_at=timezone.now()
            )
    except IntegrityError:
        return None
    event_id = event.pk
    transaction.on_commit(lambda: enqueue_dispatch(event_id))
    return event


def enqueue_dispatch(event_id: int) -> None:
    """Hand an event to the task queue; a queue that fails never fails the action that caused it."""
    from .tasks import dispatch_event  # import here: tasks imports delivery, which imports this module

    try:
        dispatch_event.enqueue(event_id)
    except Exception:
        logger.exception("Could not enqueue the dispatch of notification event %s; the scheduled command will retry", event_id)
