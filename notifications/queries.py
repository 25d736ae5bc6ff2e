"""Reads of the notification pages, each shaped in one or two queries."""


from accounts.models import Membership

from .models import NotificationPreference, Subscription, Webhook, WebhookDelivery

LOG_LENGTH = 20


def subscriptions_of(user):
    return Subscription.objects.filter(user=user).select_related("referential").order_by("referential__position", "referential__code")


def subscription_of(user, referential) -> Subscription | None:
    return Subscription.objects.filter(user=user, referential=referential).first()


def preference_of(user) -> NotificationPreference | None:
    return NotificationPreference.objects.filter(user=user).first()


def approved_membership(user) -> Membership | None:
    """The user's membership if they may act for their organisation (``Membership.in_good_standing``)."""
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.in_good_standing().select_related("organisation").filter(user=user).first()


def webhooks_of(user):
    membership = approved_membership(user)
    return Webhook.objects.filter(organisation=membership.organisation) if membership else Webhook.objects.none()


def webhooks_with_log(organisation) -> list[Webhook]:
    """The organisation's webhooks, each with its last calls in ``log`` (newest first). One query
    per webhook: an organisation has a handful, and each log is cut at LOG_LENGTH rows."""
    webhooks = list(Webhook.objects.filter(organisation=organisation).order_by("created_at"))
    for webhook in webhooks:
        webhook.log = list(
            WebhookDelivery.objects.filter(webhook=webhook).select_related("event").order_by("-created_at", "-id")[:LOG_LENGTH]
        )
    return webhooks
