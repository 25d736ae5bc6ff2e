"""From an event to mails and webhook calls, each exactly once.

``dispatch`` fixes an event's recipients (one ``MailDelivery`` row per address, unique per event)
and its webhook calls (one ``WebhookDelivery`` per webhook), then sends what is pending. A row is
*claimed* by a conditional update before it is sent, so two workers (or a task and the scheduled
command) never send the same row; a sent row is never sent again. A failed send is retried later
with a growing delay, then abandoned.
"""

import logging
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend

from accounts.models import Membership, Organisation
from assessment.models import Submission
from consultation.models import Comment, Consultation
from core.roles import EDITOR_GROUP
from referential.models import ReferentialVersion
from workshops.models import Workshop

from . import mail
from .models import (
    PERSONAL_EVENTS,
    TOPIC_OF_EVENT,
    WEBHOOK_EVENTS,
    DeliveryStatus,
    EventKind,
    MailDelivery,
    NotificationEvent,
    NotificationPreference,
    Subscription,
    Webhook,
    WebhookDelivery,
)

logger = logging.getLogger(__name__)

# Delay before the next attempt, after the 1st, 2nd… failure; after the last one, the row is abandoned.
# A row still "sending" this long after it was claimed belongs to a worker that died (killed, out of
# memory) between claiming and recording: it is due again. Longer than any send or webhook call
# (10 s timeouts), so a live worker is never overtaken; the price is that a mail whose worker died
# right after the SMTP server took it may go twice — rather than never.
CLAIM_TIMEOUT = timedelta(minutes=15)
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12))
CLAIM_BATCH = 200


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after ``attempts`` failed attempts; None when it is time to give up."""
    return RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else None


def _due(now) -> Q:
    return Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.FAILED, next_attempt_at__lte=now)


def claim(model, pk: int, now) -> bool:
    """Take a pending or due row for sending; False if another worker has it or it is done."""
    return model.objects.filter(_due(now), pk=pk).update(status=DeliveryStatus.SENDING, claimed_at=now) == 1


def claim_mails(ids: list[int], now) -> set[int]:
    """Take the due rows among ``ids`` for sending, in one statement; returns those this worker holds."""
    token = uuid.uuid4().hex
    MailDelivery.objects.filter(_due(now), pk__in=ids).update(status=DeliveryStatus.SENDING, claimed_by=token, claimed_at=now)
    return set(MailDelivery.objects.filter(claimed_by=token).values_list("pk", flat=True))


def record_failure(model, pk: int, attempts: int, error: Exception | str, now) -> None:
    delay = retry_delay(attempts)
    model.objects.filter(pk=pk).update(
        status=DeliveryStatus.FAILED if delay else DeliveryStatus.ABANDONED,
        attempts=attempts,
        next_attempt_at=now + delay if delay else None,
        last_error=str(error)[:2000],
    )


# Recipients ---------------------------------------------------------------------------------------


def _preferences(user_ids) -> dict[int, NotificationPreference]:
    return {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=list(user_ids))}


def _subscribers(event: NotificationEvent) -> list[MailDelivery]:
    topic = TOPIC_OF_EVENT[event.kind]
    referential_ids = [event.referential_id] if event.referential_id else event.payload.get("referential_ids", [])
    subscriptions = [
        subscription
        for subscription in Subscription.objects.select_related("user")
        .filter(referential_id__in=referential_ids, confirmed_at__isnull=False)
        .order_by("pk")
        if subscription.wants(topic)
    ]
    preferences = _preferences(s.user_id for s in subscriptions if s.user_id)
    rows = []
    for subscription in subscriptions:
        if subscription.user_id and not subscription.user.is_active:
            continue
        email = subscription.recipient_email
        if not email:
            continue
        preference = preferences.get(subscription.user_id)
        rows.append(
            MailDelivery(
                event=event,
                email=email.lower(),
                user_id=subscription.user_id,
                subscription=subscription,
                language=preference.language if preference else subscription.language,
            )
        )
    return rows


def _people(event: NotificationEvent) -> list:
    User = get_user_model()
    if event.kind == EventKind.COMMENT_HIDDEN:
        comment = Comment.objects.select_related("author").filter(pk=event.payload.get("comment_id")).first()
        return [comment.author] if comment else []
    if event.kind == EventKind.ASSESSMENT_CHANGES_REQUESTED:
        # The organisation's members in good standing: those who can answer with a new revision.
        submission = Submission.objects.filter(pk=event.payload.get("submission_id")).first()
        if submission is None:
            return []
        members = Membership.objects.in_good_standing().filter(organisation_id=submission.assessment.organisation_id)
        return list(User.objects.filter(membership__in=members, is_active=True).exclude(email="").order_by("pk"))
    # Approvals and digests are the editors' business.
    return list(
        User.objects.filter(Q(groups__name=EDITOR_GROUP) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _subscription_languages(user_ids) -> dict[int, str]:
    """The language each user chose when last following a referential (one query)."""
    languages: dict[int, str] = {}
    rows = Subscription.objects.filter(user_id__in=list(user_ids)).order_by("user_id", "-pk").values_list("user_id", "language")
    for user_id, language in rows:
        languages.setdefault(user_id, language)
    return languages


def _named_people(event: NotificationEvent) -> list[MailDelivery]:
    """A personal mail's recipients, each in their language: the one of their preferences, else the
    one they chose when following a referential (the only one some people ever gave), else French."""
    people = [user for user in _people(event) if user.email and user.is_active]
    preferences = _preferences(user.pk for user in people)
    followed_in = _subscription_languages(user.pk for user in people if user.pk not in preferences)
    rows = []
    for user in people:
        preference = preferences.get(user.pk)
        if preference and event.kind in (preference.muted or []):
            continue
        language = preference.language if preference else followed_in.get(user.pk, "fr")
        rows.append(MailDelivery(event=event, email=user.email.lower(), user=user, language=language))
    return rows


def recipients(event: NotificationEvent) -> list[MailDelivery]:
    """The mails an event calls for, one per address, not yet saved."""
    rows = _subscribers(event) if event.kind in TOPIC_OF_EVENT else _named_people(event) if event.kind in PERSONAL_EVENTS else []
    unique = {}
    for row in rows:
        unique.setdefault(row.email, row)
    return list(unique.values())


# Dispatch -----------------------------------------------------------------------------------------


def dispatch(event_id: int) -> None:
    """Fix the recipients of an event (once), then send its pending mails and webhook calls."""
    event = NotificationEvent.objects.filter(pk=event_id).first()
    if event is None:
        return
    if event.dispatched_at is None:
        # ignore_conflicts: a dispatch that ran before (and crashed, or raced with this one) already
        # created some rows; the unique (event, email) keeps one row, hence one mail, per address.
        MailDelivery.objects.bulk_create(recipients(event), ignore_conflicts=True, batch_size=500)
        if event.kind in WEBHOOK_EVENTS:
            webhooks = Webhook.objects.filter(is_active=True, organisation__status=Organisation.Status.APPROVED)
            WebhookDelivery.objects.bulk_create(
                [WebhookDelivery(webhook=webhook, event=event) for webhook in webhooks], ignore_conflicts=True
            )
        NotificationEvent.objects.filter(pk=event.pk, dispatched_at__isnull=True).update(dispatched_at=timezone.now())
    send_mails(MailDelivery.objects.filter(event=event, status=DeliveryStatus.PENDING))
    _enqueue_webhook_calls(WebhookDelivery.objects.filter(event=event, status=DeliveryStatus.PENDING))


def _enqueue_webhook_calls(deliveries) -> None:
    from .tasks import deliver_webhook  # import here: tasks imports this module

    for delivery_id in deliveries.values_list("pk", flat=True):
        deliver_webhook.enqueue(delivery_id)


def retry_due(now=None) -> tuple[int, int]:
    """Send again what failed and is due, and hand over events the queue never took. Returns the
    number of mails and webhook calls attempted."""
    now = now or timezone.now()
    release_abandoned_claims(now)
    for event_id in NotificationEvent.objects.filter(dispatched_at__isnull=True, created_at__lt=now - timedelta(minutes=5)).values_list("pk", flat=True):
        dispatch(event_id)
    mails = MailDelivery.objects.filter(status=DeliveryStatus.FAILED, next_attempt_at__lte=now)
    mail_count = mails.count()
    send_mails(mails, now=now)
    calls = WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED, next_attempt_at__lte=now)
    from .webhooks import deliver  # import here: webhooks imports this module

    call_ids = list(calls.values_list("pk", flat=True))
    for delivery_id in call_ids:
        deliver(delivery_id, now=now)
    return mail_count, len(call_ids)


def release_abandoned_claims(now) -> int:
    """Make due again the rows a dead worker left "sending" (claimed more than ``CLAIM_TIMEOUT``
    ago); returns how many. Counted as a failed attempt, with the reason in ``last_error``."""
    released = 0
    for model in (MailDelivery, WebhookDelivery):
        released += model.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT).update(
            status=DeliveryStatus.FAILED,
            next_attempt_at=now,
            attempts=F("attempts") + 1,
            last_error="Interrompu : le processus d'envoi s'est arrêté avant d'enregistrer le résultat.",
        )
    return released


def schedule_retry(when) -> None:
    """With a queue that can defer (the database backend), retry by itself; otherwise the
    scheduled command, run every few minutes, does it."""
    from .tasks import retry_deliveries  # import here: tasks imports this module

    if default_task_backend.supports_defer:
        retry_deliveries.using(run_after=when).enqueue()


# Mails --------------------------------------------------------------------------------------------


def send_mails(deliveries, now=None) -> int:
    """Send the given delivery rows that are still due, over one SMTP connection; returns how many left.

    Each row is claimed on its own (two workers never send one row); an event's mail is rendered
    once per language and kind of recipient, then copied with each recipient's links."""
    now = now or timezone.now()
    rows = list(deliveries.select_related("event").order_by("event_id", "pk"))
    if not rows:
        return 0
    contexts: dict[int, dict | None] = {}
    rendered: dict[tuple, tuple[str, str, str]] = {}
    sent_ids: list[int] = []
    earliest_retry = None
    connection = get_connection()
    try:
        connection.open()
        held: set[int] = set()
        for index, row in enumerate(rows):
            if index % CLAIM_BATCH == 0:
                held = claim_mails([r.pk for r in rows[index : index + CLAIM_BATCH]], now)
            if row.pk not in held:
                continue
            if row.event_id not in contexts:
                contexts[row.event_id] = event_context(row.event)
            context = contexts[row.event_id]
            if context is None:
                MailDelivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.ABANDONED, last_error="object gone")
                continue
            try:
                personal = not row.subscription_id
                key = (row.event_id, row.language, personal)
                if key not in rendered:
                    rendered[key] = mail.render(
                        template=f"notifications/email/{row.event.kind}",
                        context={**context, "personal": personal, **({"manage_url": _my_notifications_url()} if personal else {})},
                        language=row.language,
                    )
                message = delivery_message(row, rendered[key])
                message.connection = connection
                message.send()
            except Exception as error:  # SMTP refusals and outages alike: retried later
                logger.warning("Mail %s to %s failed: %s", row.pk, row.email, error)
                record_failure(MailDelivery, row.pk, row.attempts + 1, error, now)
                delay = retry_delay(row.attempts + 1)
                if delay and (earliest_retry is None or now + delay < earliest_retry):
                    earliest_retry = now + delay
                _reopen(connection)
                continue
            sent_ids.append(row.pk)
            if len(sent_ids) >= CLAIM_BATCH:
                _mark_sent(sent_ids)
    finally:
        _mark_sent(sent_ids)
        try:
            connection.close()
        except Exception:
            logger.warning("Closing the mail connection failed", exc_info=True)
    if earliest_retry:
        schedule_retry(earliest_retry)
    return len(sent_ids)


def _mark_sent(ids: list[int]) -> None:
    if ids:
        MailDelivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="")
        ids.clear()


def _reopen(connection) -> None:
    try:
        connection.close()
    except Exception:
        pass
    try:
        connection.open()
    except Exception:
        logger.warning("Reopening the mail connection failed", exc_info=True)


def _my_notifications_url() -> str:
    return mail.absolute(reverse("notifications:my_notifications"))


def delivery_message(row: MailDelivery, rendered):
    """One recipient's copy: a subscriber's links name their subscription; a person's mute this kind of mail."""
    if row.subscription_id:
        token = mail.subscription_token(row.subscription_id)
        return mail.message_from(
            rendered,
            to=row.email,
            unsubscribe=mail.unsubscribe_url(token),
            manage=mail.absolute(reverse("notifications:manage", kwargs={"token": token})),
        )
    return mail.message_from(rendered, to=row.email, unsubscribe=mail.unsubscribe_url(mail.personal_token(row.user_id, row.event.kind)))


def event_context(event: NotificationEvent) -> dict | None:
    """What the templates of an event need, loaded once for all its recipients; None when the
    object it speaks of is gone."""
    payload = event.payload
    context: dict = {"event": event}
    if "version_id" in payload:
        version = ReferentialVersion.objects.select_related("referential").filter(pk=payload["version_id"]).first()
        if version is None:
            return None
        context.update(version=version, referential=version.referential, url=mail.absolute(version.get_absolute_url()))
        from .scheduler import in_force_on  # import here: scheduler imports this module

        context["in_force_on"] = in_force_on(version)
    if "consultation_id" in payload:
        consultation = Consultation.objects.select_related("version__referential").filter(pk=payload["consultation_id"]).first()
        if consultation is None:
            return None
        context.update(consultation=consultation, version=consultation.version, referential=consultation.version.referential)
        context["url"] = mail.absolute(consultation.get_absolute_url())
        if event.kind == EventKind.SYNTHESIS_PUBLISHED:
            context["url"] = mail.absolute(reverse("consultation:synthesis", kwargs={"pk": consultation.pk}))
        if event.kind == EventKind.COMMENTS_DIGEST:
            context["url"] = mail.absolute(reverse("consultation:consultation_dashboard", kwargs={"pk": consultation.pk}))
            context["count"] = payload.get("count", 0)
            context["day"] = payload.get("day", "")
    if "workshop_id" in payload:
        workshop = Workshop.objects.filter(pk=payload["workshop_id"]).first()
        if workshop is None:
            return None
        context.update(workshop=workshop, url=mail.absolute(workshop.get_absolute_url()))
    if "comment_id" in payload:
        comment = (
            Comment.objects.select_related("consultation__version__referential", "requirement", "section")
            .filter(pk=payload["comment_id"])
            .first()
        )
        if comment is None:
            return None
        context.update(comment=comment, reason=payload.get("reason", ""), url=mail.absolute(comment.consultation.get_absolute_url()))
    if "submission_id" in payload:
        submission = (
            Submission.objects.select_related("assessment__organisation", "assessment__version__referential", "assessment__actor")
            .filter(pk=payload["submission_id"])
            .first()
        )
        if submission is None:
            return None
        assessment = submission.assessment
        context.update(
            submission=submission,
            assessment=assessment,
            version=assessment.version,
            referential=assessment.version.referential,
            review_count=submission.review_comments.count(),
            url=mail.absolute(assessment.get_absolute_url()),
        )
    if "organisation_id" in payload:
        organisation = Organisation.objects.filter(pk=payload["organisation_id"]).first()
        if organisation is None:
            return None
        membership = Membership.objects.select_related("user").filter(pk=payload.get("membership_id")).first()
        # A pending membership is decided on its own admin page; an organisation, on the organisation's.
        subject = membership if event.kind == EventKind.MEMBERSHIP_PENDING and membership is not None else organisation
        opts = subject._meta
        context.update(
            organisation=organisation,
            membership=membership,
            url=mail.absolute(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[subject.pk])),
        )
    return context
