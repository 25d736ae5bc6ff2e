"""Sign-in with an OpenID Connect provider, end to end against a real provider on loopback (npm's
oidc-provider, tests/accounts/oidc_server): the browser clicks the login page's button, signs in at
the provider, and comes back; the site calls the provider's token and userinfo endpoints itself.

An existing account is reached only through an address both sides verified; anyone else is refused
with a message (the account matching rules themselves: test_oidc_account_matching.py).
"""

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import Organisation
from accounts.oidc_settings import openid_connect_providers
from core.typography import french_text
from tests.accounts.factories import OrganisationFactory, member
from tests.accounts.oidc_server import running_oidc_server
from tests.browser_fixtures import describe

PROVIDER_ID = "ans"
PROVIDER_NAME = "Agence du numérique en santé"
BUTTON = f"Se connecter avec {PROVIDER_NAME}"


@pytest.fixture(scope="module")
def oidc_server(live_server):
    callback = live_server.url + reverse("openid_connect_callback", kwargs={"provider_id": PROVIDER_ID})
    with running_oidc_server(redirect_uris=[callback]) as server:
        yield server


@pytest.fixture
def provider_configured(settings, oidc_server):
    """The site's settings pointed at the loopback provider, as DJANGO_OIDC_* would."""
    settings.SOCIALACCOUNT_PROVIDERS = openid_connect_providers(
        server_url=oidc_server.issuer,
        client_id=oidc_server.client_id,
        secret=oidc_server.client_secret,
        name=PROVIDER_NAME,
        provider_id=PROVIDER_ID,
    )
    return oidc_server


@pytest.fixture
def alice(transactional_db):
    """A contributor of an approved organisation whose address (alice@ans.fr) is confirmed."""
    organisation = OrganisationFactory(status=Organisation.Status.APPROVED)
    return member(organisation, username="alice", email="alice@ans.fr", first_name="Alice", last_name="Martin").user


def sign_in_at_provider(page, live_server, server, login: str, axe=None):
    """From the site's login page, through the provider's sign-in form, back to the site."""
    # Nothing leaves the machine (the provider's development page asks for a web font).
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda route: route.abort())
    page.goto(live_server.url + reverse("account_login"))
    if axe:
        violations = axe(page)
        assert violations == [], describe(violations)
    page.get_by_role("button", name=BUTTON).click()
    page.wait_for_url(f"{server.issuer}/interaction/**")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "n-importe-quel-mot-de-passe")
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/**")
    page.wait_for_load_state()


@pytest.mark.e2e
def test_a_contributor_with_a_verified_address_signs_in_with_the_provider(
    live_server, page, axe, provider_configured, alice
):
    sign_in_at_provider(page, live_server, provider_configured, "alice@ans.fr", axe=axe)

    assert page.url == live_server.url + reverse("accounts:account")
    assert page.get_by_role("heading", level=1).inner_text() == "Mon compte"
    assert "alice@ans.fr" in page.locator("main").inner_text()
    account = SocialAccount.objects.get(provider=PROVIDER_ID, uid="alice@ans.fr")
    assert account.user == alice
    alice.refresh_from_db()
    assert alice.has_usable_password()  # allauth wipes it when it takes the address for unverified

    # The linked identity is listed on the connections page, reached from the account page.
    page.get_by_role("link", name="Connexions externes").click()
    assert page.url == live_server.url + reverse("socialaccount_connections")
    assert PROVIDER_NAME in page.locator("main").inner_text()
    violations = axe(page)
    assert violations == [], describe(violations)


@pytest.mark.e2e
def test_an_address_the_provider_does_not_verify_never_signs_into_the_account(live_server, page, provider_configured, alice):
    sign_in_at_provider(page, live_server, provider_configured, "unverified:alice@ans.fr")

    assert page.url.startswith(live_server.url + reverse("account_login"))
    assert french_text(f"{PROVIDER_NAME} n'atteste pas que votre adresse électronique est vérifiée") in page.inner_text(
        "body"
    )
    page.goto(live_server.url + reverse("accounts:account"))
    assert page.url.startswith(live_server.url + reverse("account_login"))  # not signed in
    assert not SocialAccount.objects.exists()
    alice.refresh_from_db()
    assert alice.has_usable_password()


@pytest.mark.e2e
def test_a_person_without_an_account_is_told_to_create_one(live_server, page, provider_configured, alice):
    sign_in_at_provider(page, live_server, provider_configured, "bob@ans.fr")

    assert page.url.startswith(live_server.url + reverse("account_login"))
    assert french_text("Aucun compte ne correspond à cette adresse ; créez d'abord un compte.") in page.inner_text("body")
    assert not SocialAccount.objects.exists()
    assert not type(alice).objects.filter(email__iexact="bob@ans.fr").exists()
