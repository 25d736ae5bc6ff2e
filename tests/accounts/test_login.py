"""Sign-in on allauth's page (by address or username), throttled per account and per IP by allauth's
``login_failed`` limit in the shared cache; the admin and the API token endpoint keep the project's
throttle (accounts.throttle, ThrottledModelBackend). A failure is counted by one of them only."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import throttle
from accounts.adapter import AccountAdapter
from accounts.models import LoginAttempt
from tests.accounts.factories import text_of
from tests.factories import UserFactory, editor_user, staff_editor_user, totp_code

LOGIN = reverse("account_login")
PASSWORD = "motdepasse-solide-42"  # tests.factories.UserFactory's
THROTTLED = "Trop de tentatives de connexion"


@pytest.fixture(autouse=True)
def _empty_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def alice(db):
    # A contributor with a confirmed address (only editors and staff sign in without one).
    from tests.accounts.factories import OrganisationFactory, member

    return member(OrganisationFactory(), username="alice@example.org", email="Alice@example.org").user


def log_in(client, identifier, password=PASSWORD, **extra):
    return client.post(LOGIN, {"login": identifier, "password": password}, **extra)


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def fail(client, identifier, times, **extra):
    for _ in range(times):
        response = log_in(client, identifier, "mauvais-mot-de-passe", **extra)
        assert response.status_code == 200 and not logged_in(client)


def refused(response) -> bool:
    return response.status_code == 200 and THROTTLED in text_of(response)


def later(minutes):
    """allauth's rate limits read time.time(): move it forward."""
    import time

    now = time.time() + minutes * 60
    return mock.patch("allauth.core.internal.ratelimit.time.time", return_value=now)


def test_a_contributor_logs_in_with_their_email_in_any_case(client, alice):
    response = log_in(client, "ALICE@example.org")

    assert response.status_code == 302 and response.url == reverse("accounts:account")
    assert logged_in(client)


def second_factor(client):
    """The TOTP stage an editor's sign-in goes through after the password (accounts/mfa.py)."""
    return client.post(reverse("mfa_authenticate"), {"code": totp_code()})


def test_the_demo_editor_logs_in_with_her_username(client, db):
    editor_user(username="editrice", email="claire.martin@esante.gouv.fr")

    response = log_in(client, "editrice")

    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert second_factor(client).status_code == 302 and logged_in(client)


def test_an_editor_without_a_confirmed_address_is_not_locked_out(client, db):
    from allauth.account.models import EmailAddress

    editor = editor_user(username="editrice", email="claire.martin@esante.gouv.fr")
    EmailAddress.objects.create(user=editor, email=editor.email, primary=True, verified=False)

    response = log_in(client, "claire.martin@esante.gouv.fr")

    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert second_factor(client).status_code == 302 and logged_in(client)


def test_an_unconfirmed_contributor_is_sent_to_confirm_first(client, db):
    from tests.accounts.factories import OrganisationFactory, member

    user = member(OrganisationFactory(), confirmed=False).user

    response = log_in(client, user.email)

    assert response.status_code == 302 and response.url == reverse("account_email_verification_sent")
    assert not logged_in(client)


def test_a_wrong_password_is_refused_and_counted_once(client, alice):
    response = log_in(client, "alice@example.org", "mauvais-mot-de-passe")

    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in text_of(response)
    assert not logged_in(client)
    # allauth's limit counts it; the project's backend stepped aside.
    assert not LoginAttempt.objects.exists()


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(client, alice):
    response = client.post(LOGIN, {"login": "alice@example.org", "password": PASSWORD, "next": "/referentiels/"})
    assert response.url == "/referentiels/"

    response = Client().post(LOGIN, {"login": "alice@example.org", "password": PASSWORD, "next": "https://evil.example/"})
    assert response.url == reverse("accounts:account")


def test_the_login_page_is_a_dsfr_form_with_links_to_signup_and_reset(client, db):
    html = text_of(client.get(LOGIN))

    for snippet in ('class="fr-input-group"', 'class="fr-label"', 'class="fr-input"', 'class="fr-btn"'):
        assert snippet in html
    assert reverse("account_signup") in html and reverse("account_reset_password") in html


def test_logout_is_a_post(client, alice):
    client.force_login(alice)

    assert client.get(reverse("account_logout")).status_code == 200  # a page asking to confirm
    assert logged_in(client)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302 and response.url == reverse("referential:home")
    assert not logged_in(client)


# Throttling of allauth's page -----------------------------------------------------------------------


def test_the_sixth_attempt_for_an_address_is_refused_even_with_the_right_password(client, alice):
    fail(client, "alice@example.org", 5)

    response = log_in(client, "alice@example.org")

    assert refused(response)
    assert "réessayez dans 15 minutes" in text_of(response)
    assert not logged_in(client)


def test_the_account_counter_holds_across_addresses_spellings_and_username(db):
    UserFactory(username="editrice", email="claire.martin@esante.gouv.fr")
    fail(Client(REMOTE_ADDR="10.0.0.1"), "claire.martin@esante.gouv.fr", 3)
    fail(Client(REMOTE_ADDR="10.0.0.2"), "CLAIRE.MARTIN@esante.gouv.fr", 1)
    fail(Client(REMOTE_ADDR="10.0.0.4"), "editrice", 1)

    assert refused(log_in(Client(REMOTE_ADDR="10.0.0.3"), "editrice"))


def test_login_works_again_once_the_window_has_passed(client, alice):
    fail(client, "alice@example.org", 5)
    with later(minutes=14):
        assert refused(log_in(client, "alice@example.org"))

    with later(minutes=16):
        assert log_in(client, "alice@example.org").status_code == 302
    assert logged_in(client)


def test_twenty_failures_from_one_address_lock_it_for_every_account(alice):
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for number in range(20):
        fail(attacker, f"victime{number}@example.org", 1)

    assert refused(log_in(attacker, "alice@example.org"))
    # Alice, from her own address, is not affected.
    assert log_in(Client(REMOTE_ADDR="198.51.100.4"), "alice@example.org").status_code == 302


def test_a_success_does_not_wash_the_ip_counter(alice):
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for number in range(15):
        fail(attacker, f"victime{number}@example.org", 1)
    fail(attacker, "alice@example.org", 4)  # 19 failures from this address, 4 for Alice

    assert log_in(attacker, "alice@example.org").status_code == 302

    attacker = Client(REMOTE_ADDR="203.0.113.7")
    fail(attacker, "victime99@example.org", 1)
    assert refused(log_in(attacker, "alice@example.org"))


def test_a_forged_forwarded_for_header_does_not_escape_the_ip_counter(alice):
    for number in range(20):
        fail(Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}"), f"victime{number}@example.org", 1)

    assert refused(log_in(Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="192.0.2.200"), "alice@example.org"))


def test_allauth_reads_the_client_address_behind_the_trusted_proxies(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.post(LOGIN, REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4")
    assert AccountAdapter(request).get_client_ip(request) == "198.51.100.4"

    settings.TRUSTED_PROXY_COUNT = 0
    assert AccountAdapter(request).get_client_ip(request) == "10.1.1.1"


def test_the_proxy_count_setting_reaches_allauth():
    from django.conf import settings

    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == settings.TRUSTED_PROXY_COUNT
    assert settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER is None


# The project's throttle: the admin and the API token endpoint ----------------------------------------


def age_attempts(minutes):
    LoginAttempt.objects.update(attempted_at=timezone.now() - timedelta(minutes=minutes))


def test_the_rule_with_a_fixed_clock(alice):
    start = timezone.now()
    for second in range(5):
        throttle.record_failure(key="alice@example.org", ip="10.0.0.1", now=start + timedelta(seconds=second))

    refusal = throttle.refusal(key="alice@example.org", ip=None, now=start + timedelta(minutes=1))
    assert refusal.retry_at == start + throttle.WINDOW
    assert throttle.refusal(key="alice@example.org", ip=None, now=start + timedelta(minutes=15, seconds=1)) is None
    # Another account is not locked; the address has 5 failures out of 20.
    assert throttle.refusal(key="bob@example.org", ip="10.0.0.1", now=start + timedelta(minutes=1)) is None


def test_old_failures_are_pruned(alice):
    for _ in range(3):
        throttle.record_failure(key="alice@example.org", ip="10.0.0.1")
    age_attempts(minutes=20)

    throttle.record_failure(key="alice@example.org", ip="10.0.0.1")

    assert LoginAttempt.objects.count() == 1


def admin_sign_in(client, identifier, password=PASSWORD):
    """The admin's login, which is the site's (allauth's) login page with ``next=/admin/``."""
    login_page = client.get(reverse("admin:login") + "?next=/admin/")["Location"]
    assert login_page.startswith(reverse("account_login"))
    return client.post(login_page, {"login": identifier, "password": password})


def test_the_admin_login_is_throttled_too(client, db):
    staff_editor_user(username="editrice", email="claire.martin@esante.gouv.fr")
    for _ in range(5):
        admin_sign_in(client, "editrice", "non")

    response = admin_sign_in(client, "editrice")

    # The admin signs in on allauth's page: refused like a wrong password (allauth's login_failed
    # limit), neither signed in nor sent on to the second factor.
    assert THROTTLED in text_of(response) or response.status_code == 429
    assert not logged_in(client)
    assert client.get(reverse("mfa_authenticate")).status_code != 200


def test_editors_log_into_the_admin_with_their_email_too(client, db):
    staff_editor_user(username="editrice", email="claire.martin@esante.gouv.fr")

    response = admin_sign_in(client, "claire.martin@esante.gouv.fr")
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})

    assert response["Location"] == "/admin/" and logged_in(client)


def test_the_api_token_endpoint_is_throttled_too(db):
    UserFactory(username="script")
    client = Client()
    for _ in range(5):
        client.post(reverse("api-token"), {"username": "script", "password": "non"})

    response = client.post(reverse("api-token"), {"username": "script", "password": PASSWORD})

    assert response.status_code == 400 and "token" not in response.json()


def test_the_client_address_is_read_behind_the_trusted_proxies(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.post(LOGIN, REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4")
    assert throttle.client_ip(request) == "198.51.100.4"

    settings.TRUSTED_PROXY_COUNT = 0
    assert throttle.client_ip(request) == "10.1.1.1"
    assert throttle.client_ip(rf.post(LOGIN, REMOTE_ADDR="pas-une-adresse")) is None
