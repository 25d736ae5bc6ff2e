import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import text_of
from tests.factories import UserFactory

RESET = reverse("account_reset_password")
LOGIN = reverse("account_login")
NEW_PASSWORD = "un-nouveau-mot-de-passe-2024"


@pytest.fixture(autouse=True)
def _empty_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def alice(db):
    # A contributor with a confirmed address (only editors and staff sign in without one).
    from tests.accounts.factories import OrganisationFactory, member

    return member(OrganisationFactory(), username="alice@example.org", email="alice@example.org").user


def log_in(client, login, password):
    return client.post(LOGIN, {"login": login, "password": password})


def reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/compte/mot-de-passe/nouveau/[^\s]+/)", message.body).group(1)


def test_the_reset_mail_carries_a_link_to_the_site(client, alice, settings):
    settings.SITE_URL = "https://referentiels.example.fr"

    response = client.post(RESET, {"email": "ALICE@example.org"}, HTTP_HOST="testserver")

    assert response.status_code == 302 and response.url == reverse("account_reset_password_done")
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == "Choisissez un nouveau mot de passe — Référentiels MSSanté"
    assert "https://referentiels.example.fr/compte/mot-de-passe/nouveau/" in message.body
    assert "alice@example.org" in message.body
    assert "https://referentiels.example.fr/compte/mot-de-passe/nouveau/" in message.alternatives[0][0]


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, db):
    response = client.post(RESET, {"email": "personne@example.org"})

    assert response.status_code == 302 and response.url == reverse("account_reset_password_done")
    assert not mail.outbox


def test_the_full_reset_flow(client, alice):
    client.post(RESET, {"email": "alice@example.org"})
    link = reset_link(mail.outbox[0])

    # allauth swaps the key for a session marker, then shows the form.
    response = client.get(link)
    assert response.status_code == 302
    form_url = response.url
    page = client.get(form_url)
    assert page.status_code == 200 and "Nouveau mot de passe" in text_of(page)

    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302 and response.url == reverse("account_reset_password_from_key_done")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    login = log_in(Client(), "alice@example.org", NEW_PASSWORD)
    assert login.status_code == 302
    # The link serves once.
    assert "Lien refusé" in text_of(Client().get(link, follow=True))


def test_a_weak_new_password_is_refused(client, alice):
    client.post(RESET, {"email": "alice@example.org"})
    form_url = client.get(reset_link(mail.outbox[0])).url

    response = client.post(form_url, {"password1": "123456789", "password2": "123456789"})

    assert response.status_code == 200 and response.context["form"].errors["password1"]
    alice.refresh_from_db()
    assert alice.check_password("motdepasse-solide-42")


def test_a_reset_ends_a_lock_out(client, alice):
    for n in range(5):
        log_in(Client(REMOTE_ADDR=f"192.0.2.{n}"), "alice@example.org", "non")
    assert log_in(Client(REMOTE_ADDR="198.51.100.4"), "alice@example.org", "motdepasse-solide-42").status_code == 200

    client.post(RESET, {"email": "alice@example.org"})
    form_url = client.get(reset_link(mail.outbox[0])).url
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    response = log_in(Client(REMOTE_ADDR="198.51.100.4"), "alice@example.org", NEW_PASSWORD)
    assert response.status_code == 302 and SESSION_KEY in response.client.session


def test_the_reset_pages_are_in_french(client, db):
    assert "Mot de passe oublié" in text_of(client.get(RESET))
    assert "Consultez votre messagerie" in text_of(client.get(reverse("account_reset_password_done")))
    assert "Mot de passe enregistré" in text_of(client.get(reverse("account_reset_password_from_key_done")))
    bad = client.get(reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "faux-jeton"}))
    assert "Lien refusé" in text_of(bad)
