"""Sign-up gives the same answer whether or not the address already has an account; the owner of
that account is told by mail that someone tried (issue 14)."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import Membership, Organisation
from tests.accounts.factories import text_of
from tests.factories import UserFactory
from core.typography import french_text

User = get_user_model()
SIGNUP = reverse("account_signup")


def post_signup(data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return Client().post(SIGNUP, data)


def test_a_known_and_an_unknown_address_get_the_same_answer(signup_data, django_capture_on_commit_callbacks):
    cache.clear()
    new = post_signup(signup_data, django_capture_on_commit_callbacks)
    again = post_signup(
        {**signup_data, "email": "ALICE.DURAND@operateur-exemple.fr", "first_name": "Autre", "organisation_name": "Autre SA"},
        django_capture_on_commit_callbacks,
    )

    assert (new.status_code, new.url) == (again.status_code, again.url) == (302, reverse("account_email_verification_sent"))
    page = text_of(Client().get(again.url))
    assert "Consultez votre messagerie" in page and "existe déjà" not in page
    assert User.objects.count() == 1 and Organisation.objects.count() == 1 and Membership.objects.count() == 1


def test_the_owner_of_the_address_is_told_by_mail(signup_data, django_capture_on_commit_callbacks):
    owner = UserFactory(username="alice.durand@operateur-exemple.fr", email="alice.durand@operateur-exemple.fr", first_name="Alice")

    post_signup(signup_data, django_capture_on_commit_callbacks)

    [message] = mail.outbox
    assert message.to == [owner.email]
    assert french_text("Tentative d'inscription") in message.subject
    # Links on SITE_URL, never on the request's Host header.
    assert "http://127.0.0.1:8000/compte/mot-de-passe/oubli/" in message.body
    assert french_text("Aucun compte n'a été créé") in message.body and "/compte/mot-de-passe/oubli/" in message.body
    owner.refresh_from_db()
    assert owner.first_name == "Alice" and not Membership.objects.exists()


def test_an_address_used_as_a_username_is_treated_as_known(db, django_capture_on_commit_callbacks):
    owner = UserFactory(username="bob@example.org", email="")
    owner.email = "bob@example.org"  # the notice needs an address to go to
    owner.save()

    with django_capture_on_commit_callbacks(execute=True):
        result = services.register_contributor(
            email="Bob@example.org", password="un-mot-de-passe-solide-2024", first_name="B", last_name="O",
            organisation_name="Org", organisation_kind="other",
        )

    assert result is None and User.objects.count() == 1
    assert [message.to for message in mail.outbox] == [["bob@example.org"]]


@pytest.mark.parametrize("known", [False, True])
def test_a_weak_password_is_refused_alike_for_known_and_unknown_addresses(known, signup_data, django_capture_on_commit_callbacks):
    if known:
        UserFactory(username="alice.durand@operateur-exemple.fr", email="alice.durand@operateur-exemple.fr")

    response = post_signup({**signup_data, "password1": "12345678", "password2": "12345678"}, django_capture_on_commit_callbacks)

    assert response.status_code == 200 and set(response.context["form"].errors) == {"password1"}
    assert not mail.outbox
