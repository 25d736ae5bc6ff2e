"""E-mails of accounts and organisations, each rendered from a subject/text/html trio under
``templates/accounts/email/`` by the project's one mail helper."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from core.mail import send_templated_mail

from .models import Membership, Organisation, OrganisationRefusal
from .tokens import CONFIRMATION_MAX_AGE, make_confirmation_token


def _account_url() -> str:
    return settings.SITE_URL + reverse("accounts:account")


def send_confirmation_link(user_id: int, language: str = "fr") -> None:
    user = get_user_model().objects.filter(pk=user_id).first()
    membership = Membership.objects.select_related("organisation").filter(user_id=user_id).first()
    if user is None or not user.email or membership is None or membership.email_confirmed_at is not None:
        return
    token = make_confirmation_token(user)
    send_templated_mail(
        template="accounts/email/confirm_email",
        to=[user.email],
        context={
            "user": user,
            "organisation": membership.organisation,
            "confirm_url": settings.SITE_URL + reverse("accounts:confirm_email", kwargs={"token": token}),
            "valid_days": CONFIRMATION_MAX_AGE.days,
            "account_url": _account_url(),
        },
        language=language,
    )


def send_signup_attempt_notice(user_id: int, language: str = "fr") -> None:
    """Tell an account's owner that someone tried to sign up with their address (the sign-up page
    answered as for a new address, so that it reveals nobody's account)."""
    user = get_user_model().objects.filter(pk=user_id).exclude(email="").first()
    if user is None:
        return
    send_templated_mail(
        template="accounts/email/signup_attempt",
        to=[user.email],
        context={
            "user": user,
            "login_url": settings.SITE_URL + reverse("accounts:login"),
            "password_reset_url": settings.SITE_URL + reverse("accounts:password_reset"),
        },
        language=language,
    )


def _confirmed_members(organisation: Organisation):
    # Only confirmed addresses: an unconfirmed one may have been typed by someone else, and its
    # owner never asked to hear from us. Members who confirm later see the status on their account page.
    return (
        Membership.objects.select_related("user")
        .filter(organisation=organisation, email_confirmed_at__isnull=False)
        .exclude(user__email="")
        .order_by("pk")
    )


def send_organisation_approved(organisation_id: int) -> None:
    organisation = Organisation.objects.filter(pk=organisation_id, status=Organisation.Status.APPROVED).first()
    if organisation is None:
        return
    # Members still waiting for their own approval are not told they may now comment.
    for membership in _confirmed_members(organisation).filter(status=Membership.Status.APPROVED):
        # One message per member: members do not see one another's addresses.
        send_templated_mail(
            template="accounts/email/organisation_approved",
            to=[membership.user.email],
            context={"user": membership.user, "organisation": organisation, "site_url": settings.SITE_URL, "account_url": _account_url()},
        )


def send_organisation_refused(refusal_id: int) -> None:
    refusal = OrganisationRefusal.objects.select_related("organisation").filter(pk=refusal_id).first()
    if refusal is None or refusal.organisation.status != Organisation.Status.REFUSED:
        return
    for membership in _confirmed_members(refusal.organisation):
        send_templated_mail(
            template="accounts/email/organisation_refused",
            to=[membership.user.email],
            context={"user": membership.user, "organisation": refusal.organisation, "refusal": refusal, "account_url": _account_url()},
        )
