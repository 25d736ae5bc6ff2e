"""Which existing account a provider's identity reaches by e-mail: only one whose address both the
provider and the site verified (accounts/social_adapter.py). The browser flow: test_oidc_sign_in.py."""

from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress

from accounts.models import Organisation
from accounts.social_adapter import SocialAccountAdapter
from tests.accounts.factories import OrganisationFactory, member
from tests.factories import UserFactory, contributor_user

pytestmark = pytest.mark.django_db

ADDRESS = "alice@ans.fr"


def identity(email: str = ADDRESS, *, verified: bool = True):
    """What allauth hands the adapter for a provider's identity (only the parts it reads)."""
    provider = SimpleNamespace(app=None, get_settings=lambda: {})
    return SimpleNamespace(email_addresses=[EmailAddress(email=email, verified=verified, primary=True)], provider=provider)


def reached(login) -> object | None:
    found = SocialAccountAdapter().authenticate_by_email(login)
    return found[0] if found else None


def confirmed_member(**kwargs):
    return member(OrganisationFactory(status=Organisation.Status.APPROVED), **kwargs).user


def test_an_address_verified_in_allauth_is_reached():
    user = contributor_user(email=ADDRESS)
    EmailAddress.objects.create(user=user, email=ADDRESS, verified=True, primary=True)

    assert reached(identity("Alice@ANS.fr")) == user


def test_an_address_the_provider_does_not_verify_reaches_nobody():
    user = contributor_user(email=ADDRESS)
    EmailAddress.objects.create(user=user, email=ADDRESS, verified=True, primary=True)

    assert reached(identity(verified=False)) is None


def test_an_address_allauth_holds_unverified_is_not_reached_even_with_a_confirmed_membership():
    user = confirmed_member(email=ADDRESS)
    EmailAddress.objects.filter(user=user).update(verified=False)

    assert reached(identity()) is None


def test_a_confirmed_member_is_reached_through_the_address_allauth_holds_verified():
    user = confirmed_member(email=ADDRESS)

    assert reached(identity()) == user
    assert EmailAddress.objects.get(user=user).verified


def test_an_unconfirmed_membership_is_not_reached():
    membership = member(OrganisationFactory(status=Organisation.Status.APPROVED), confirmed=False, email=ADDRESS)

    assert reached(identity()) is None
    assert not EmailAddress.objects.get(user=membership.user).verified


def test_an_account_allauth_holds_no_address_for_is_not_reached_even_as_staff():
    # Every account has its allauth address (sign-up, data migration): User.email alone is not a proof.
    UserFactory(email=ADDRESS, is_staff=True)

    assert reached(identity()) is None


def test_an_account_without_membership_nor_staff_is_not_reached():
    contributor_user(email=ADDRESS)

    assert reached(identity()) is None


def test_an_inactive_account_is_not_reached():
    user = confirmed_member(email=ADDRESS)
    user.is_active = False
    user.save()

    assert reached(identity()) is None


def test_only_the_account_allauth_holds_the_address_for_is_reached():
    # Another account's User.email with the same address (allauth keeps an address on one account).
    user = confirmed_member(email=ADDRESS)
    contributor_user(email=ADDRESS.upper())

    assert reached(identity()) == user
