"""The endpoints that send e-mail are limited per address and per IP, in the cache every web process
shares (issue 14: five reset requests in two seconds sent five mails). allauth's rate limits carry
them (ACCOUNT_RATE_LIMITS); accounts.ratelimit keeps the project's own (following by e-mail)."""

import runpy
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts import ratelimit
from core.typography import french_text
from tests.accounts.factories import OrganisationFactory, member, text_of
from tests.factories import UserFactory

RESET = reverse("account_reset_password")
SIGNUP = reverse("account_signup")
SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings.py"


@pytest.fixture(autouse=True)
def _empty_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def alice(db):
    from allauth.account.models import EmailAddress

    user = UserFactory(username="alice@example.org", email="alice@example.org")
    EmailAddress.objects.create(user=user, email="alice@example.org", primary=True, verified=True)
    return user


def test_five_reset_requests_for_one_address_send_three_mails(alice):
    responses = [Client().post(RESET, {"email": "alice@example.org"}, REMOTE_ADDR=f"192.0.2.{n}") for n in range(5)]

    assert [response.status_code for response in responses] == [302, 302, 302, 429, 429]
    assert len(mail.outbox) == 3
    assert french_text("Trop de demandes") in text_of(responses[3])


def test_an_unknown_address_is_counted_like_a_known_one(db):
    statuses = [Client().post(RESET, {"email": "personne@example.org"}).status_code for _ in range(4)]

    assert statuses == [302, 302, 302, 429]
    assert not mail.outbox  # nobody asked us to write to an unknown address


def test_one_ip_asking_for_many_addresses_is_stopped(db):
    client = Client(REMOTE_ADDR="198.51.100.7")
    statuses = [client.post(RESET, {"email": f"personne{n}@example.org"}).status_code for n in range(21)]

    assert statuses[:20] == [302] * 20 and statuses[20] == 429
    # Another address of the network is not held back.
    assert Client(REMOTE_ADDR="198.51.100.8").post(RESET, {"email": "x@example.org"}).status_code == 302


def test_sign_up_mails_are_limited_per_address(signup_data, django_capture_on_commit_callbacks):
    for n in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            response = Client(REMOTE_ADDR=f"192.0.2.{n}").post(SIGNUP, signup_data)
        # The same answer every time: the limit does not tell whether the address has an account.
        assert response.status_code == 302

    # The confirmation link; the notices to the account's owner wait for the address's limit.
    assert len(mail.outbox) == 1


def test_sign_up_is_limited_per_ip(signup_data, django_capture_on_commit_callbacks):
    client = Client(REMOTE_ADDR="198.51.100.9")
    statuses = []
    for n in range(11):
        with django_capture_on_commit_callbacks(execute=True):
            statuses.append(client.post(SIGNUP, {**signup_data, "email": f"p{n}@exemple.fr"}).status_code)

    assert statuses[:10] == [302] * 10 and statuses[10] == 429


def test_a_new_confirmation_link_is_limited_per_address(client_for, db, django_capture_on_commit_callbacks):
    user = member(OrganisationFactory(), confirmed=False).user
    for _ in range(5):
        client = client_for(user)  # a fresh session each time
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("account_email"), {"action_send": "", "email": user.email}, follow=True)

    assert len(mail.outbox) == 1


def test_the_forged_forwarded_for_header_does_not_reset_the_ip_count(db):
    statuses = [
        Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").post(RESET, {"email": f"p{n}@example.org"}).status_code
        for n in range(21)
    ]

    assert statuses[20] == 429


def test_the_count_starts_again_in_the_next_window(db):
    now = 1_000_000_000.0
    for _ in range(3):
        assert ratelimit.consume("follow", email="a@example.org", ip=None, now=now) is None
    refusal = ratelimit.consume("follow", email="A@Example.org", ip=None, now=now)

    assert refusal is not None and 0 < refusal.retry_after <= 3600
    assert ratelimit.consume("follow", email="a@example.org", ip=None, now=now + refusal.retry_after) is None


def test_the_limits_live_in_the_shared_cache(alice, settings):
    for _ in range(3):
        Client().post(RESET, {"email": "alice@example.org"})
    cache.clear()  # the counts are in the cache and nowhere else

    # Shared by every web process: the database cache by default, Redis when REDIS_URL is set (CI's
    # PostgreSQL pass), never a per-process memory cache.
    assert settings.CACHES["default"]["BACKEND"] in {
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.cache.backends.redis.RedisCache",
    }
    assert Client().post(RESET, {"email": "alice@example.org"}).status_code == 302


def test_the_cache_is_the_database_by_default_and_redis_when_configured(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert runpy.run_path(str(SETTINGS))["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"

    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    cache_settings = runpy.run_path(str(SETTINGS))["CACHES"]["default"]
    assert cache_settings == {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://cache.internal:6379/0"}
