"""Attacks on the editors' second factor: someone with an editor's password but not their code, and
an editor who has not set up a factor, try every way in (accounts/mfa.py, allauth.mfa)."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import EDITOR_TOTP_SECRET, UserFactory, contributor_user, editor_user, totp_code

PASSWORD = "motdepasse-solide-42"  # tests.factories.UserFactory's
EDITOR_HOME = reverse("referential:editor_home")

pytestmark = pytest.mark.django_db


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def sign_in(client, username, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": username, "password": password})


def ask_token(username, code):
    data = {"username": username, "password": PASSWORD, "code": code}
    return APIClient().post(reverse("api-token"), data, format="json")


def sent_to_setup(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("mfa_index"))


@pytest.fixture
def bare_superuser():
    return UserFactory(username="super-sans-code", is_staff=True, is_superuser=True, second_factor=False)


@pytest.fixture
def totp_editor():
    return editor_user(username="editrice", is_staff=True)


# --- An editor without a factor: every page but the setup ones sends them to set one up ---------


@pytest.mark.parametrize(
    "url_name", ["admin:mfa_authenticator_changelist", "admin:mfa_authenticator_add"]
)
def test_the_admin_pages_of_authenticators_are_not_open_to_an_editor_without_a_factor(client, bare_superuser, url_name):
    """Their URL names start with "mfa_" like the setup pages': the allow-list let them through, and
    a superuser could add an Authenticator row by hand that counts as a factor."""
    client.force_login(bare_superuser)

    assert sent_to_setup(client.get(reverse(url_name)))


@pytest.mark.parametrize("method", ["head", "options", "post", "put", "delete"])
def test_every_method_on_an_editor_page_is_sent_to_setup(client, bare_superuser, method):
    client.force_login(bare_superuser)

    assert sent_to_setup(getattr(client, method)(EDITOR_HOME))


def test_the_api_over_the_session_is_sent_to_setup(client, bare_superuser):
    client.force_login(bare_superuser)

    assert sent_to_setup(client.get("/api/v1/referentials/", HTTP_ACCEPT="application/json"))
    assert sent_to_setup(client.post("/api/v1/referentials/", {}, content_type="application/json"))


def test_the_language_switch_does_not_serve_the_next_page(client, bare_superuser):
    client.force_login(bare_superuser)

    response = client.post(reverse("set_language"), {"language": "fr", "next": EDITOR_HOME})

    assert response.status_code == 302  # a redirect only: the page itself goes through the middleware
    assert sent_to_setup(client.get(response["Location"]))


@pytest.mark.parametrize("path", ["/static/../admin/", "/media/../admin/", "/admin", "//admin/", "/admin/%2e%2e/"])
def test_static_looking_and_unknown_paths_serve_no_editor_page(client, bare_superuser, path):
    client.force_login(bare_superuser)

    response = client.get(path)

    assert response.status_code in (301, 302, 404)
    if response.status_code in (301, 302) and not sent_to_setup(response):
        followed = client.get(response["Location"])
        assert followed.status_code == 404 or sent_to_setup(followed)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "https:evil.example"]
)
def test_the_continue_link_after_setup_never_leaves_the_site(client, bare_superuser, target):
    from accounts.mfa import page_after_setup
    from django.test import RequestFactory

    request = RequestFactory().get("/", {"next": target})
    request.session = {}

    assert page_after_setup(request) is None


def test_a_contributor_is_never_sent_to_setup(client):
    client.force_login(contributor_user(username="operateur"))

    assert not sent_to_setup(client.get(reverse("accounts:account")))
    assert client.get("/api/v1/referentials/").status_code == 200


# --- Someone with an editor's password and not their code ----------------------------------------


def test_a_password_post_to_the_admin_login_signs_nobody_in(client, totp_editor):
    response = client.post(reverse("admin:login"), {"username": "editrice", "password": PASSWORD, "next": "/admin/"})

    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert not logged_in(client)
    assert client.get(reverse("admin:index")).status_code == 302


def test_between_the_password_and_the_code_nothing_is_reachable(client, totp_editor):
    sign_in(client, "editrice")

    assert not logged_in(client)
    assert client.get(EDITOR_HOME).status_code in (302, 403)
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))
    api = client.get("/api/v1/auth/token/")
    assert api.status_code in (401, 403, 405)
    # The MFA pages themselves ask for a signed-in user: a pending login cannot add a factor.
    assert client.get(reverse("mfa_activate_totp")).status_code == 302
    assert not logged_in(client)


def test_another_users_code_gets_no_token(totp_editor):
    other_secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    other = editor_user(username="autre", second_factor=False)
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(other, other_secret)

    response = ask_token("editrice", totp_code(other_secret))

    assert response.status_code == 403


def test_a_code_used_at_sign_in_gets_no_token(totp_editor):
    code = totp_code(EDITOR_TOTP_SECRET)
    client = Client()
    sign_in(client, "editrice")
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302

    response = ask_token("editrice", code)

    assert response.status_code == 403


def test_a_recovery_code_gets_one_token_only(totp_editor):
    codes = RecoveryCodes.activate(totp_editor).generate_codes()
    data = {"username": "editrice", "password": PASSWORD, "code": codes[0]}

    assert APIClient().post(reverse("api-token"), data, format="json").status_code == 200
    assert APIClient().post(reverse("api-token"), data, format="json").status_code == 403


def test_a_password_reset_does_not_sign_the_editor_in(
    client, totp_editor, mailoutbox, django_capture_on_commit_callbacks
):
    import re

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": totp_editor.email})
    link = re.search(r"https?://[^\s]+/compte/mot-de-passe/nouveau/[^\s]+/", mailoutbox[-1].body).group(0)
    path = "/" + link.split("/", 3)[3]
    form_page = client.get(path, follow=True)
    new = "un-autre-mot-de-passe-solide-77"
    form_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    client.post(form_url, {"password1": new, "password2": new})

    assert not logged_in(client)
    response = sign_in(client, "editrice", new)
    assert response["Location"] == reverse("mfa_authenticate") and not logged_in(client)


def test_the_webauthn_pages_of_another_users_key_are_a_404(client, totp_editor):
    other = editor_user(username="autre")
    key = Authenticator.objects.create(
        user=other, type=Authenticator.Type.WEBAUTHN, data={"name": "clé", "credential": {}}
    )
    client.force_login(totp_editor)

    assert client.get(reverse("mfa_edit_webauthn", args=[key.pk])).status_code in (302, 404)
    client.post(reverse("mfa_remove_webauthn", args=[key.pk]))
    client.post(reverse("mfa_edit_webauthn", args=[key.pk]), {"name": "volée"})

    key.refresh_from_db()
    assert key.data["name"] == "clé"


def test_signing_in_with_the_identity_provider_still_asks_an_editor_for_the_code(settings):
    """allauth's social login runs the same login stages as the password: the second factor is asked."""
    from allauth.account.models import EmailAddress
    from allauth.core import context
    from allauth.socialaccount.adapter import get_adapter
    from allauth.socialaccount.internal.flows.login import complete_login
    from allauth.socialaccount.models import SocialAccount, SocialLogin
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.middleware import MessageMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.test import RequestFactory

    from accounts.oidc_settings import openid_connect_providers

    settings.SOCIALACCOUNT_PROVIDERS = openid_connect_providers(
        server_url="http://127.0.0.1:9/", client_id="c", secret="s", name="ANS", provider_id="ans", token_auth_method=""
    )
    editor = editor_user(username="editrice", email="editrice@ans.fr", is_staff=True)
    EmailAddress.objects.create(user=editor, email="editrice@ans.fr", verified=True, primary=True)
    SocialAccount.objects.create(user=editor, provider="ans", uid="sub-1")
    request = RequestFactory().get(reverse("openid_connect_callback", args=["ans"]))
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    request.user = AnonymousUser()
    with context.request_context(request):
        provider = get_adapter().get_provider(request, "ans")
        login = SocialLogin(provider=provider, account=SocialAccount(provider="ans", uid="sub-1", extra_data={}))
        login.state = {"process": "login"}
        response = complete_login(request, login)

    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert SESSION_KEY not in request.session


def test_turning_totp_off_asks_for_the_password_again(client, totp_editor):
    """A session left open (no recent sign-in) cannot remove the factor."""
    client.force_login(totp_editor)

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    assert Authenticator.objects.filter(user=totp_editor, type=Authenticator.Type.TOTP).exists()


def test_guessing_codes_at_the_token_endpoint_is_rate_limited(totp_editor):
    for _ in range(5):
        ask_token("editrice", "000000")

    response = ask_token("editrice", totp_code(EDITOR_TOTP_SECRET))

    assert response.status_code == 403


def test_the_login_by_code_page_signs_nobody_in(client, totp_editor):
    sign_in(client, "editrice")

    client.post(reverse("account_confirm_login_code"), {"code": "ABCDEF"})

    assert not logged_in(client)


def test_a_staff_account_that_is_no_editor_gives_a_second_factor_before_the_admin(client):
    """Staff enter the admin (Django lets in any is_staff account, with the rights given it by hand):
    a password alone must not be enough there either."""
    from django.contrib.auth.models import Permission

    staff = UserFactory(username="agent", is_staff=True, second_factor=False)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="referential"))
    client.force_login(staff)

    assert sent_to_setup(client.get(reverse("admin:index")))
    assert sent_to_setup(client.get(reverse("admin:referential_referential_changelist")))


# --- Tokens had with a password alone before the account became an editor's ----------------------


def token_for(username) -> str:
    response = APIClient().post(reverse("api-token"), {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()["token"]


def works(token) -> bool:
    return APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/referentials/").status_code == 200


def test_a_contributors_token_stops_working_when_the_account_becomes_an_editors():
    """Whoever had the contributor's password got it without a code: it must not carry editor rights."""
    from django.contrib.auth.models import Group

    user = contributor_user(username="promue")
    token = token_for("promue")
    assert works(token)

    user.groups.add(Group.objects.get_or_create(name="editor")[0])

    assert not works(token)


def test_a_token_stops_working_when_the_account_becomes_superuser():
    user = contributor_user(username="promue")
    token = token_for("promue")

    user.is_superuser = True
    user.save()

    assert not works(token)



def test_a_token_stops_working_when_the_editor_group_adds_the_account():
    from django.contrib.auth.models import Group

    user = contributor_user(username="promue")
    token = token_for("promue")

    Group.objects.get_or_create(name="editor")[0].user_set.add(user)

    assert not works(token)


def test_joining_another_group_keeps_the_token():
    from django.contrib.auth.models import Group

    user = contributor_user(username="reste")
    token = token_for("reste")

    user.groups.add(Group.objects.create(name="lecteurs"))

    assert works(token)


def test_editors_tokens_issued_before_the_second_factor_are_revoked_by_the_migration():
    """Tokens had with a password alone before editors had to give their code for one."""
    from importlib import import_module

    from django.apps import apps
    from rest_framework.authtoken.models import Token

    migration = import_module("accounts.migrations.0006_revoke_editor_tokens_had_without_second_factor")
    editor = editor_user(username="editrice-ancienne")
    chief = UserFactory(username="racine", is_superuser=True)
    contributor = contributor_user(username="contributrice")
    for user in (editor, chief, contributor):
        Token.objects.create(user=user)

    migration.forwards(apps, None)

    assert list(Token.objects.values_list("user__username", flat=True)) == ["contributrice"]


def test_the_admin_shows_nobody_an_authenticators_secret(client):
    """A TOTP secret (or the recovery codes' seed) shown in the admin lets whoever reads it make the
    codes of another editor: the admin lists authenticators, to delete a lost one, and no more."""
    chief = UserFactory(username="racine", is_staff=True, is_superuser=True)
    editor = editor_user(username="editrice-cible")
    RecoveryCodes.activate(editor)
    client.force_login(chief)
    secrets = [str(value) for value in Authenticator.objects.filter(user=editor).values_list("data", flat=True)]

    pages = [client.get(reverse("admin:mfa_authenticator_changelist"))]
    for authenticator in Authenticator.objects.filter(user=editor):
        pages.append(client.get(reverse("admin:mfa_authenticator_change", args=[authenticator.pk])))
    assert all(page.status_code in (200, 403, 404) for page in pages)
    shown = " ".join(page.content.decode() for page in pages)
    assert EDITOR_TOTP_SECRET not in shown
    for authenticator in Authenticator.objects.filter(user=editor):
        for value in authenticator.data.values():
            if isinstance(value, str) and len(value) > 8:
                assert value not in shown
    assert secrets  # the editor has a TOTP app and recovery codes


@pytest.mark.parametrize(
    "url_name", ["mfa_view_recovery_codes", "mfa_download_recovery_codes", "mfa_generate_recovery_codes"]
)
def test_a_session_left_open_does_not_read_the_recovery_codes(client, totp_editor, url_name):
    """Whoever sits at an editor's open session must give the password (or code) again first."""
    codes = RecoveryCodes.activate(totp_editor).generate_codes()
    client.force_login(totp_editor)

    response = client.get(reverse(url_name))

    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    assert codes[0] not in response.content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/"])
def test_next_after_activating_totp_never_leaves_the_site(client, target):
    editor_user(username="nouvelle", is_staff=True, second_factor=False)
    sign_in(client, "nouvelle")
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    url = reverse("mfa_activate_totp") + "?" + __import__("urllib.parse").parse.urlencode({"next": target})
    secret = client.get(url).context["form"].secret

    response = client.post(url, {"code": totp_code(secret), "next": target})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user__username="nouvelle", type=Authenticator.Type.TOTP).exists()
    assert "evil.example" not in response["Location"]
    follow = client.get(response["Location"])
    assert "evil.example" not in follow.get("Location", "")
