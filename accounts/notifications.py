"""E-mails of accounts and organisations, each rendered from a subject/text/html trio under
``templates/accounts/email/`` by the project's one mail helper."""

from django.conf import settings
from django.urls import reverse

from core.mail import send_templated_mail

from .models import Membership, Organisation, OrganisationRefusal


def _account_url() -> str:
    return settings.SITE_URL + reverse("accounts:account")


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
