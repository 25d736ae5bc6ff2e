"""Multi-factor authentication: required for editors before any editor page (the admin included),
offered to everyone, asked at sign-in once set up (allauth.mfa)."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import text_of
from tests.factories import EDITOR_TOTP_SECRET, UserFactory, contributor_user, editor_user, staff_editor_user, totp_code

PASSWORD = "motdepasse-solide-42"  # tests.factories.UserFactory's
EDITOR_HOME = reverse("referential:editor_home")


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def confirm_password(client, password=PASSWORD):
    """allauth asks for the password again before a second factor is added."""
    return client.post(reverse("account_reauthenticate"), {"password": password})


def sign_in(client, username, password=PASSWORD, next_url=None):
    """allauth's login form, as the browser posts it."""
    data = {"login": username, "password": password}
    url = reverse("account_login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, data)


@pytest.fixture
def bare_editor(db):
    """An editor who has not set up a second factor yet."""
    return editor_user(username="nouvelle-editrice", is_staff=True, second_factor=False)


def test_an_editor_without_a_second_factor_is_sent_to_set_one_up(client, bare_editor):
    client.force_login(bare_editor)

    response = client.get(EDITOR_HOME)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_index"))
    assert "next=" in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "double authentification" in text_of(page).lower()


def test_the_admin_too(client, bare_editor):
    client.force_login(bare_editor)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_index"))


def test_the_setup_pages_and_logout_stay_open(client, bare_editor):
    client.force_login(bare_editor)

    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("mfa_activate_totp")).status_code in (200, 302)
    client.post(reverse("account_logout"))
    assert not logged_in(client)


def test_after_activating_totp_the_editor_reaches_editor_pages(client, bare_editor):
    sign_in(client, "nouvelle-editrice")
    assert logged_in(client)
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(reverse("account_reauthenticate"))
    confirm_password(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert secret in text_of(page)  # shown for typing into an app
    assert "data:image/svg+xml;base64," in text_of(page)  # the QR code

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=bare_editor, type=Authenticator.Type.TOTP).exists()
    assert client.get(EDITOR_HOME).status_code == 200


def test_a_wrong_code_does_not_activate(client, bare_editor):
    sign_in(client, "nouvelle-editrice")
    confirm_password(client)
    client.get(reverse("mfa_activate_totp"))

    response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})

    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=bare_editor).exists()


@pytest.fixture
def totp_editor(db):
    return editor_user(username="editrice", is_staff=True)


def test_factory_editors_have_a_totp_app(totp_editor):
    assert Authenticator.objects.filter(user=totp_editor, type=Authenticator.Type.TOTP).exists()


def test_the_password_alone_does_not_sign_an_editor_in(client, totp_editor):
    response = sign_in(client, "editrice")

    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert not logged_in(client)
    assert client.get(EDITOR_HOME).status_code != 200


def test_the_code_completes_the_sign_in(client, totp_editor):
    sign_in(client, "editrice")

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(EDITOR_TOTP_SECRET)})

    assert response.status_code == 302 and logged_in(client)
    assert client.get(EDITOR_HOME).status_code == 200


def test_a_wrong_code_is_refused(client, totp_editor):
    sign_in(client, "editrice")

    response = client.post(reverse("mfa_authenticate"), {"code": "123456"})

    assert response.status_code == 200 and not logged_in(client)


def test_a_recovery_code_works_once(totp_editor):
    codes = RecoveryCodes.activate(totp_editor).generate_codes()
    first = Client()
    sign_in(first, "editrice")
    assert first.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert logged_in(first)

    second = Client()
    sign_in(second, "editrice")
    response = second.post(reverse("mfa_authenticate"), {"code": codes[0]})

    assert response.status_code == 200 and not logged_in(second)


def test_a_contributor_is_never_forced(client, db):
    contributor = contributor_user(username="operateur")
    client.force_login(contributor)

    assert client.get(reverse("accounts:account")).status_code == 200
    response = sign_in(Client(), "operateur")
    assert response.status_code == 302 and response["Location"] != reverse("mfa_authenticate")


def test_a_superuser_counts_as_an_editor(client, db):
    root = UserFactory(username="root", is_staff=True, is_superuser=True, second_factor=False)
    client.force_login(root)

    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("mfa_index"))


def test_the_admin_login_goes_through_the_site_login(client, db):
    response = client.get(reverse("admin:login") + "?next=/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=%2Fadmin%2F" in response["Location"]


def test_the_admin_login_form_does_not_take_a_password_alone(client, totp_editor):
    client.post(reverse("admin:login"), {"username": "editrice", "password": PASSWORD, "next": "/admin/"})

    assert not logged_in(client)
    assert client.get(reverse("admin:index")).status_code == 302


def test_an_editor_with_totp_enters_the_admin_after_the_code(client, db):
    staff_editor_user(username="editrice-admin")
    sign_in(client, "editrice-admin", next_url="/admin/")

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(EDITOR_TOTP_SECRET)})

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_my_account_shows_the_second_factor_state(client, db):
    contributor = contributor_user(username="operateur")
    client.force_login(contributor)

    page = text_of(client.get(reverse("accounts:account")))
    assert reverse("mfa_index") in page and "Double authentification" in page and "Non activée" in page

    Authenticator.objects.create(user=contributor, type=Authenticator.Type.TOTP, data={})
    page = text_of(client.get(reverse("accounts:account")))
    assert "Activée" in page and "Non activée" not in page


def test_the_mfa_pages_are_in_the_site_layout_in_french(client, totp_editor):
    RecoveryCodes.activate(totp_editor)
    sign_in(client, "editrice")
    client.post(reverse("mfa_authenticate"), {"code": totp_code(EDITOR_TOTP_SECRET)})
    assert "Confirmer votre identité" in text_of(client.get(reverse("mfa_reauthenticate")))
    confirm_password(client)
    session = client.session
    session["accounts.mfa_next"] = EDITOR_HOME
    session.save()

    names = ("mfa_index", "mfa_deactivate_totp", "mfa_view_recovery_codes", "mfa_generate_recovery_codes")
    for name in (*names, "mfa_list_webauthn", "mfa_add_webauthn"):
        response = client.get(reverse(name))
        page = text_of(response)
        assert response.status_code == 200, name
        assert 'class="fr-breadcrumb"' in page and "Mon compte" in page, name
        assert "Two-Factor" not in page and "Security Keys" not in page, name

    codes = text_of(client.get(reverse("mfa_view_recovery_codes")))
    assert reverse("mfa_download_recovery_codes") in codes and f'href="{EDITOR_HOME}"' in codes
    download = client.get(reverse("mfa_download_recovery_codes"))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]


def test_an_editor_who_removes_the_last_factor_is_sent_back_to_set_one_up(client, totp_editor):
    # allauth lets anyone remove their factor; an editor is then stopped before any editor page.
    sign_in(client, "editrice")
    client.post(reverse("mfa_authenticate"), {"code": totp_code(EDITOR_TOTP_SECRET)})
    assert client.get(EDITOR_HOME).status_code == 200

    confirm_password(client)  # allauth asks for the password again before a factor is removed
    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=totp_editor, type=Authenticator.Type.TOTP).exists()
    assert logged_in(client)
    response = client.get(EDITOR_HOME)
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_index"))
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("mfa_index"))
