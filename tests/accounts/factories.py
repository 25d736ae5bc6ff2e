"""Organisations and members built directly: tests of the services go through the services."""

import html

import factory
from django.utils import timezone

from accounts.models import Membership, Organisation
from tests.factories import contributor_user


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.OPERATOR
    status = Organisation.Status.PENDING


def member(organisation, *, confirmed=True, status=Membership.Status.APPROVED, **user_kwargs) -> Membership:
    """A contributor of ``organisation``, approved in it and with a confirmed address unless told otherwise."""
    from allauth.account.models import EmailAddress

    user = contributor_user(**user_kwargs)
    if user.email:
        # allauth's record of the address, verified iff confirmed (as the data migration carried them over).
        EmailAddress.objects.create(user=user, email=user.email.lower(), primary=True, verified=confirmed)
    return Membership.objects.create(
        user=user, organisation=organisation, status=status, email_confirmed_at=timezone.now() if confirmed else None
    )


def text_of(response) -> str:
    """A page's HTML with entities decoded, to look for French text (apostrophes come out as &#x27;)."""
    return html.unescape(response.content.decode())
