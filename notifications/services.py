"""Every state change of notifications: following a referential, confirming, unsubscribing,
personal preferences and webhooks. One function, one transaction, checks first."""

from datetime import timedelta

from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from core.errors import PermissionRefused
from referential.models import Referential

from . import mail
from .models import ALL_TOPICS, PERSONAL_EVENTS, NotificationPreference, Subscription, Webhook

CONFIRMATION_MAX_AGE = timedelta(days=7)
# A stranger typing someone's address again and again gets them one mail per quarter of an hour at most.
RESEND_COOLDOWN = timedelta(minutes=15)
SECRET_MIN_LENGTH = 16
LANGUAGE_CODES = ("fr", "en")


class LinkInvalid(Exception):
    """A confirmation or unsubscribe link that was tampered with or has expired."""


def _topics(topics) -> list[str]:
    chosen = [topic for topic in ALL_TOPICS if topic in set(topics or [])]
    if not chosen:
        raise ValidationError({"topics": _("Choisissez au moins un sujet à suivre.")})
    return chosen


def _language(language: str | None) -> str:
    return language if language in LANGUAGE_CODES else "fr"


def _after_commit(task, *args) -> None:
    transaction.on_commit(lambda: task.enqueue(*args))


@transaction.atomic
def subscribe_user(*, referential: Referential, by: User, topics: list[str], language: str | None = None) -> Subscription:
    """A signed-in user follows a referential, or changes what they follow in it: active at once.
    Refuses an account without an e-mail address and an empty choice."""
    if not by or not by.is_authenticated:
        raise PermissionRefused(_("Connectez-vous pour suivre un référentiel avec votre compte."))
    if not by.email:
        raise ValidationError({"topics": _("Votre compte n'a pas d'adresse électronique : nous ne pourrions rien vous envoyer.")})
    topics = _topics(topics)
    subscription = Subscription.objects.select_for_update().filter(referential=referential, user=by).first()
    if subscription is None:
        return Subscription.objects.create(
            referential=referential, user=by, topics=topics, language=_language(language), confirmed_at=timezone.now()
        )
    subscription.topics = topics
    if language:
        subscription.language = _language(language)
    subscription.save(update_fields=["topics", "language"])
    return subscription


@transaction.atomic
def subscribe_email(*, referential: Referential, email: str, topics: list[str], language: str | None = None) -> Subscription:
    """A visitor without an account asks to follow a referential: nothing but a confirmation link
    is sent until they open it (double opt-in). Asking again sends the link again, at most once per
    quarter of an hour; a confirmed subscription is not changed from here (its owner gets a link
    to manage it), so nobody can change another person's choices by typing their address."""
    email = (email or "").strip().lower()
    try:
        EmailValidator()(email)
    except ValidationError:
        raise ValidationError({"email": _("Saisissez une adresse électronique valide.")}) from None
    topics = _topics(topics)
    now = timezone.now()
    subscription = Subscription.objects.select_for_update().filter(referential=referential, user=None, email=email).first()
    if subscription is None:
        subscription = Subscription.objects.create(
            referential=referential, email=email, topics=topics, language=_language(language), confirmation_sent_at=now
        )
    else:
        if subscription.confirmed_at is None:
            subscription.topics, subscription.language = topics, _language(language)
        if subscription.confirmation_sent_at and now - subscription.confirmation_sent_at < RESEND_COOLDOWN:
            subscription.save(update_fields=["topics", "language"])
            return subscription
        subscription.confirmation_sent_at = now
        subscription.save(update_fields=["topics", "language", "confirmation_sent_at"])
    from .tasks import send_subscription_confirmation  # import here: tasks imports this module

    _after_commit(send_subscription_confirmation, subscription.pk)
    return subscription


def confirmation_token(subscription_id: int) -> str:
    return signing.dumps({"c": subscription_id}, salt=mail.CONFIRM_SALT)


def send_confirmation(subscription_id: int) -> None:
    """Mail the confirmation link of a pending subscription, or the manage link of a confirmed one."""
    subscription = Subscription.objects.select_related("referential").filter(pk=subscription_id, user=None).first()
    if subscription is None:
        return
    token = mail.subscription_token(subscription.pk)
    context = {
        "subscription": subscription,
        "referential": subscription.referential,
        "manage_url": mail.absolute(reverse("notifications:manage", kwargs={"token": token})),
        "confirm_url": mail.absolute(reverse("notifications:confirm", kwargs={"token": confirmation_token(subscription.pk)})),
        "valid_days": CONFIRMATION_MAX_AGE.days,
    }
    pending = subscription.confirmed_at is None
    context["url"] = context["confirm_url"] if pending else context["manage_url"]
    template = "notifications/email/subscription_confirm" if pending else "notifications/email/subscription_manage"
    mail.build_message(
        template=template,
        context=context,
        to=subscription.email,
        language=subscription.language,
        unsubscribe=mail.unsubscribe_url(token),
    ).send()


def subscription_for_confirmation(token: str) -> Subscription:
    try:
        claims = signing.loads(token, salt=mail.CONFIRM_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.BadSignature:
        raise LinkInvalid() from None
    subscription = Subscription.objects.select_related("referential").filter(pk=claims.get("c")).first()
    if subscription is None:
        raise LinkInvalid()
    return subscription


@transaction.atomic
def confirm_subscription(*, token: str) -> Subscription:
    """Activate the subscription a genuine, unexpired link names; confirming twice changes nothing."""
    subscription = subscription_for_confirmation(token)
    subscription = Subscription.objects.select_for_update().select_related("referential").get(pk=subscription.pk)
    if subscription.confirmed_at is None:
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return subscription


def subscription_for_token(token: str) -> Subscription | None:
    """The subscription a manage/unsubscribe link names; None once it is gone. Raises LinkInvalid."""
    try:
        claims = mail.read_unsubscribe_token(token)
    except signing.BadSignature:
        raise LinkInvalid() from None
    if "s" not in claims:
        raise LinkInvalid()
    return Subscription.objects.select_related("referential", "user").filter(pk=claims["s"]).first()


@transaction.atomic
def update_subscription(*, subscription: Subscription, topics: list[str], language: str | None = None, by: User | None = None) -> Subscription:
    """Change what a subscription receives; for a user's own subscription, only that user may."""
    if subscription.user_id and (by is None or by.pk != subscription.user_id):
        raise PermissionRefused(_("Cet abonnement n'est pas le vôtre."))
    subscription.topics = _topics(topics)
    if language:
        subscription.language = _language(language)
    subscription.save(update_fields=["topics", "language"])
    return subscription


@transaction.atomic
def unsubscribe(*, token: str) -> str:
    """Act on a one-click unsubscribe link: a subscription is removed, a personal notification is
    muted. Returns what stopped, for the page; a second click finds nothing left and is fine."""
    try:
        claims = mail.read_unsubscribe_token(token)
    except signing.BadSignature:
        raise LinkInvalid() from None
    if "s" in claims:
        subscription = Subscription.objects.select_related("referential").filter(pk=claims["s"]).first()
        if subscription is None:
            return ""
        label = str(subscription.referential)
        subscription.delete()
        return label
    if claims.get("k") in PERSONAL_EVENTS and "u" in claims:
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user_id=claims["u"])
        if claims["k"] not in preference.muted:
            preference.muted = [*preference.muted, claims["k"]]
            preference.save(update_fields=["muted"])
        from .models import EventKind

        return str(EventKind(claims["k"]).label)
    raise LinkInvalid()


@transaction.atomic
def delete_subscription(*, subscription: Subscription, by: User) -> None:
    """Stop following a referential from one's own notifications page."""
    if subscription.user_id is None or by is None or by.pk != subscription.user_id:
        raise PermissionRefused(_("Cet abonnement n'est pas le vôtre."))
    subscription.delete()


@transaction.atomic
def set_preferences(*, by: User, language: str, muted: list[str]) -> NotificationPreference:
    """A user's language for all their mails, and the personal notifications they do not want."""
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=by)
    preference.language = _language(language)
    preference.muted = [kind for kind in PERSONAL_EVENTS if kind in set(muted or [])]
    preference.save()
    return preference


# Webhooks -----------------------------------------------------------------------------------------


def _approved_membership(user) -> Membership:
    membership = (
        Membership.objects.in_good_standing().select_related("organisation").filter(user=user).first()
        if user and user.is_authenticated
        else None
    )
    if membership is None:
        raise PermissionRefused(_("Seuls les membres d'une organisation validée peuvent déclarer un webhook."))
    return membership


@transaction.atomic
def register_webhook(*, by: User, url: str, secret: str) -> Webhook:
    """A member of an approved organisation declares an endpoint for it. Refuses an address that is
    not public (unless the site allows it) and a secret shorter than 16 characters."""
    from .webhooks import AddressRefused, vetted_address  # import here: webhooks imports delivery, which imports tasks

    membership = _approved_membership(by)
    url, secret = (url or "").strip(), (secret or "").strip()
    errors = {}
    try:
        vetted_address(url)
    except AddressRefused as error:
        errors["url"] = [str(error)]
    if len(secret) < SECRET_MIN_LENGTH:
        errors["secret"] = [_("Le secret doit compter au moins %(count)s caractères.") % {"count": SECRET_MIN_LENGTH}]
    if errors:
        raise ValidationError(errors)
    webhook = Webhook(organisation=membership.organisation, url=url, secret=secret, created_by=by)
    webhook.full_clean()
    webhook.save()
    return webhook


@transaction.atomic
def remove_webhook(*, webhook: Webhook, by: User) -> None:
    """Stop calling an endpoint; only a member of its organisation may. Its log goes with it."""
    membership = _approved_membership(by)
    if webhook.organisation_id != membership.organisation_id:
        raise PermissionRefused(_("Ce webhook appartient à une autre organisation."))
    webhook.delete()
