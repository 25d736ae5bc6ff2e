"""API tokens die with the password they were obtained with, and expire (issue 14)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory, staff_editor_user

PASSWORD = "motdepasse-solide-42"  # tests.factories.UserFactory's
NEW_PASSWORD = "un-nouveau-mot-de-passe-2024"


@pytest.fixture
def alice(db):
    return UserFactory(username="alice@example.org", email="alice@example.org")


def api_with(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_resetting_the_password_revokes_the_tokens(alice, client):
    token = Token.objects.create(user=alice)
    client.post(reverse("account_reset_password"), {"email": "alice@example.org"})
    link = re.search(r"https?://[^/\s]+(/compte/mot-de-passe/nouveau/[^\s]+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url

    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists()
    response = api_with(token).get("/api/v1/referentials/")
    assert response.status_code == 401


def test_changing_the_password_on_the_account_page_revokes_the_tokens(alice, client):
    token = Token.objects.create(user=alice)
    client.force_login(alice)

    response = client.post(
        reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert not Token.objects.filter(pk=token.pk).exists()
    assert api_with(token).get("/api/v1/referentials/").status_code == 401


def test_changing_the_password_anywhere_revokes_the_tokens(alice):
    Token.objects.create(user=alice)
    alice.set_password(NEW_PASSWORD)
    alice.save()
    assert not Token.objects.filter(user=alice).exists()

    Token.objects.create(user=alice)
    alice.refresh_from_db()
    alice.set_password("encore-un-autre-2024")
    alice.save(update_fields=["password"])
    assert not Token.objects.filter(user=alice).exists()


def test_an_editor_changing_a_password_in_the_admin_revokes_the_tokens(alice, db):
    token = Token.objects.create(user=alice)
    admin = staff_editor_user(username="admin-user", is_superuser=True)
    client = Client()
    client.force_login(admin)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[alice.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists()


def test_saving_the_user_without_changing_the_password_keeps_the_tokens(alice):
    token = Token.objects.create(user=alice)
    alice.first_name = "Alice"
    alice.save()
    alice.last_login = timezone.now()
    alice.save(update_fields=["last_login"])

    assert Token.objects.filter(pk=token.pk).exists()


def test_an_expired_token_gets_a_401_that_says_so(alice, settings):
    token = Token.objects.create(user=alice)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=91))

    response = api_with(token).get("/api/v1/referentials/")

    assert response.status_code == 401
    detail = response.json()["detail"]
    assert "a expiré" in detail and "90 jours" in detail and "/api/v1/auth/token/" in detail
    assert response["WWW-Authenticate"].startswith("Token")


def test_the_lifetime_is_a_setting(alice, settings):
    settings.API_TOKEN_MAX_AGE_DAYS = 30
    token = Token.objects.create(user=alice)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=29))
    assert api_with(token).get("/api/v1/referentials/").status_code == 200

    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=31))
    assert api_with(token).get("/api/v1/referentials/").status_code == 401


def test_the_token_endpoint_replaces_an_expired_token(alice):
    first = Client().post(reverse("api-token"), {"username": "alice@example.org", "password": PASSWORD}).json()["token"]
    assert Client().post(reverse("api-token"), {"username": "alice@example.org", "password": PASSWORD}).json()["token"] == first

    Token.objects.filter(key=first).update(created=timezone.now() - timedelta(days=91))
    second = Client().post(reverse("api-token"), {"username": "alice@example.org", "password": PASSWORD}).json()["token"]

    assert second != first
    assert api_with(Token.objects.get(key=second)).get("/api/v1/referentials/").status_code == 200
