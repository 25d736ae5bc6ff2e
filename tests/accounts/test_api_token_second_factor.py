"""An editor's API token is not had with a password alone: the token endpoint asks editors for the
current code of their authenticator app (allauth.mfa's own check), as the site's sign-in does."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import EDITOR_TOTP_SECRET, contributor_user, editor_user, totp_code

PASSWORD = "motdepasse-solide-42"  # tests.factories.UserFactory's

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # allauth remembers used TOTP codes and failed attempts there
    yield
    cache.clear()


def ask(**data):
    return APIClient().post(reverse("api-token"), data, format="json")


def test_a_contributor_still_gets_a_token_with_a_password():
    contributor_user(username="alice")

    response = ask(username="alice", password=PASSWORD)

    assert response.status_code == 200 and response.json()["token"]


def test_an_editor_with_a_password_alone_gets_a_403_saying_how_to_get_one():
    editor_user(username="editrice")

    response = ask(username="editrice", password=PASSWORD)

    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "double authentification" in detail and "« code »" in detail
    assert not Token.objects.exists()


def test_an_editor_with_the_current_code_gets_a_token():
    editor = editor_user(username="editrice")

    response = ask(username="editrice", password=PASSWORD, code=totp_code(EDITOR_TOTP_SECRET))

    assert response.status_code == 200
    assert Token.objects.get(user=editor).key == response.json()["token"]


def test_a_wrong_code_gets_no_token():
    editor_user(username="editrice")

    response = ask(username="editrice", password=PASSWORD, code="000000" if totp_code() != "000000" else "111111")

    assert response.status_code == 403
    assert "code" in response.json()["detail"]
    assert not Token.objects.exists()


def test_a_code_cannot_be_used_twice():
    editor_user(username="editrice")
    code = totp_code()
    assert ask(username="editrice", password=PASSWORD, code=code).status_code == 200

    assert ask(username="editrice", password=PASSWORD, code=code).status_code == 403


def test_an_editor_without_a_second_factor_is_told_to_set_one_up():
    editor_user(username="editrice", second_factor=False)

    response = ask(username="editrice", password=PASSWORD, code="123456")

    assert response.status_code == 403
    assert "activez" in response.json()["detail"]
    assert not Token.objects.exists()


def test_a_wrong_password_is_still_a_400_whatever_the_code():
    editor_user(username="editrice")

    assert ask(username="editrice", password="non", code=totp_code()).status_code == 400
