"""The second factors' secrets are encrypted at rest (accounts/mfa_secrets.py, ``MFAAdapter``): a
database dump gives nobody an editor's TOTP secret or recovery codes' seed. Secrets stored in clear
before still work and the migration encrypts them; an old key still decrypts after rotation; a wrong
key refuses the code with a logged error, never a 500."""

import importlib
import json
import logging

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from cryptography.fernet import Fernet
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import mfa_secrets
from tests.accounts.factories import text_of
from tests.factories import EDITOR_TOTP_SECRET, editor_user, totp_code, totp_codes

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-42"  # tests.factories.UserFactory's
OLD_KEY, NEW_KEY, OTHER_KEY = (Fernet.generate_key().decode() for _ in range(3))
CLEAR_SEED = "0123456789abcdef" * 5  # the shape of allauth's seed: 40 random bytes in hex
migration = importlib.import_module("accounts.migrations.0007_encrypt_mfa_secrets")


def stored_rows(user) -> str:
    """What a database dump shows of ``user``'s authenticators: the column as SQL reads it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE user_id = %s", [user.pk])
        values = [row[0] for row in cursor.fetchall()]
    assert values
    return " ".join(value if isinstance(value, str) else json.dumps(value) for value in values)


def signs_in(username: str, code: str) -> bool:
    client = Client()
    client.post(reverse("account_login"), {"login": username, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code in (200, 302)  # refused or accepted, never an error page
    return SESSION_KEY in client.session


def signs_in_with_totp(username: str, secret: str = EDITOR_TOTP_SECRET) -> bool:
    """A sign-in with the TOTP app's code (the next period's if the current one was used already)."""
    return any(signs_in(username, code) for code in totp_codes(secret)[:2])


def authenticator(user, kind) -> Authenticator:
    return Authenticator.objects.get(user=user, type=kind)


# Encrypted at rest -----------------------------------------------------------------------------


def test_totp_activated_on_the_site_and_its_recovery_codes_store_no_clear_secret(client):
    editor = editor_user(username="nouvelle", second_factor=False)
    client.post(reverse("account_login"), {"login": "nouvelle", "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    assert client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)}).status_code == 302
    assert client.post(reverse("mfa_generate_recovery_codes")).status_code == 302

    dump = stored_rows(editor)
    totp_data = authenticator(editor, Authenticator.Type.TOTP).data
    codes_data = authenticator(editor, Authenticator.Type.RECOVERY_CODES).data
    seed = mfa_secrets.decrypt_secret(codes_data["seed"])
    assert secret not in dump and seed not in dump
    assert mfa_secrets.is_token(totp_data["secret"]) and mfa_secrets.is_token(codes_data["seed"])
    assert mfa_secrets.decrypt_secret(totp_data["secret"]) == secret
    assert len(seed) == 80  # allauth's seed, intact once decrypted
    # The codes the site shows are still those allauth checks.
    shown = client.get(reverse("mfa_view_recovery_codes")).context["unused_codes"]
    assert shown == RecoveryCodes(authenticator(editor, Authenticator.Type.RECOVERY_CODES)).generate_codes()


def test_an_editor_signs_in_with_a_totp_code_and_with_a_recovery_code():
    editor = editor_user(username="editrice")
    codes = RecoveryCodes.activate(editor).generate_codes()

    assert EDITOR_TOTP_SECRET not in stored_rows(editor)
    assert not any(code in stored_rows(editor) for code in codes)
    assert signs_in_with_totp("editrice")
    assert signs_in("editrice", codes[3])
    assert not signs_in("editrice", codes[3])  # once only, as before


def test_no_clear_secret_is_ever_taken_for_a_token():
    for _ in range(200):
        assert not mfa_secrets.is_token(generate_totp_secret())
        assert not mfa_secrets.is_token(RecoveryCodes.generate_seed())
    assert mfa_secrets.is_token(mfa_secrets.encrypt_secret(EDITOR_TOTP_SECRET))


# Secrets stored before the change, and the migration ---------------------------------------------


def stored_in_clear(user) -> tuple[Authenticator, Authenticator]:
    """Authenticators as allauth's default adapter wrote them: secret and seed in clear."""
    totp = Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": EDITOR_TOTP_SECRET})
    codes = Authenticator.objects.create(
        user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": CLEAR_SEED, "used_mask": 0}
    )
    return totp, codes


def test_a_secret_stored_in_clear_before_still_works():
    editor = editor_user(username="ancienne", second_factor=False)
    _totp, codes = stored_in_clear(editor)
    recovery = RecoveryCodes(codes).generate_codes()

    assert signs_in_with_totp("ancienne")
    assert signs_in("ancienne", recovery[0])


def test_the_migration_encrypts_secrets_stored_in_clear_and_may_run_twice():
    editor = editor_user(username="ancienne", second_factor=False)
    totp, codes = stored_in_clear(editor)
    recovery = RecoveryCodes(codes).generate_codes()
    codes.data["used_mask"] = 0b1  # the first code is used: the mask is no secret and stays
    codes.save()
    key = Authenticator.objects.create(
        user=editor, type=Authenticator.Type.WEBAUTHN, data={"name": "clé", "credential": {"id": "abc"}}
    )

    migration.forwards(apps, None)

    totp.refresh_from_db()
    codes.refresh_from_db()
    dump = stored_rows(editor)
    assert EDITOR_TOTP_SECRET not in dump and CLEAR_SEED not in dump
    assert mfa_secrets.decrypt_secret(totp.data["secret"]) == EDITOR_TOTP_SECRET
    assert mfa_secrets.decrypt_secret(codes.data["seed"]) == CLEAR_SEED
    assert codes.data["used_mask"] == 0b1
    assert Authenticator.objects.get(pk=key.pk).data == {"name": "clé", "credential": {"id": "abc"}}
    key.delete()  # no real security key: the sign-in page would try to offer it

    migrated = {row.pk: row.data for row in Authenticator.objects.filter(user=editor)}
    assert len(migrated) == 2
    migration.forwards(apps, None)  # again: already-encrypted values are left alone
    assert {row.pk: row.data for row in Authenticator.objects.filter(user=editor)} == migrated

    assert signs_in_with_totp("ancienne")
    assert not signs_in("ancienne", recovery[0])  # used before the migration, used still
    assert signs_in("ancienne", recovery[1])


def test_the_migration_backwards_gives_the_secrets_back_in_clear():
    editor = editor_user(username="ancienne", second_factor=False)
    totp, codes = stored_in_clear(editor)
    migration.forwards(apps, None)

    migration.backwards(apps, None)

    totp.refresh_from_db()
    codes.refresh_from_db()
    assert totp.data == {"secret": EDITOR_TOTP_SECRET}
    assert codes.data == {"seed": CLEAR_SEED, "used_mask": 0}


# Key rotation ---------------------------------------------------------------------------------------


def test_a_secret_encrypted_with_the_old_key_still_works_once_a_new_key_comes_first(settings):
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    editor = editor_user(username="editrice")
    codes = RecoveryCodes.activate(editor).generate_codes()
    old_token = authenticator(editor, Authenticator.Type.TOTP).data["secret"]
    assert Fernet(OLD_KEY).decrypt(old_token.encode()).decode() == EDITOR_TOTP_SECRET

    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    assert signs_in_with_totp("editrice")
    assert signs_in("editrice", codes[0])
    # New secrets go under the new key.
    other = editor_user(username="autre", second_factor=False)
    TOTP.activate(other, EDITOR_TOTP_SECRET)
    new_token = authenticator(other, Authenticator.Type.TOTP).data["secret"]
    assert Fernet(NEW_KEY).decrypt(new_token.encode()).decode() == EDITOR_TOTP_SECRET


def test_rotate_mfa_secrets_moves_every_secret_to_the_new_key_so_the_old_one_can_go(settings):
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    editor = editor_user(username="editrice")
    codes = RecoveryCodes.activate(editor).generate_codes()
    stored_in_clear(editor_user(username="ancienne", second_factor=False))
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    call_command("rotate_mfa_secrets", stdout=open("/dev/null", "w"))

    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]
    for row in Authenticator.objects.all():
        for field in ("secret", "seed"):
            if field in row.data:
                Fernet(NEW_KEY).decrypt(row.data[field].encode())  # raises if not under the new key
    assert signs_in_with_totp("editrice")
    assert signs_in("editrice", codes[1])
    assert signs_in_with_totp("ancienne")


def test_rotate_mfa_secrets_changes_nothing_when_a_secret_cannot_be_decrypted(settings):
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    editor_user(username="editrice")
    before = {row.pk: row.data for row in Authenticator.objects.all()}
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(Exception, match="DJANGO_MFA_ENCRYPTION_KEY"):
        call_command("rotate_mfa_secrets", stdout=open("/dev/null", "w"))

    assert {row.pk: row.data for row in Authenticator.objects.all()} == before


# A wrong key ----------------------------------------------------------------------------------------


@pytest.fixture
def editor_under_another_key(settings):
    """An editor whose secrets were encrypted with a key the site no longer has."""
    settings.MFA_ENCRYPTION_KEYS = [OTHER_KEY]
    editor = editor_user(username="editrice")
    codes = RecoveryCodes.activate(editor).generate_codes()
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]
    return editor, codes


def test_a_wrong_key_refuses_the_right_code_with_a_logged_error_not_a_500(editor_under_another_key, caplog):
    _editor, codes = editor_under_another_key
    client = Client(raise_request_exception=False)
    client.post(reverse("account_login"), {"login": "editrice", "password": PASSWORD})

    with caplog.at_level(logging.ERROR, logger="accounts.mfa_secrets"):
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})

    assert response.status_code == 200 and SESSION_KEY not in client.session
    assert "Code incorrect." in text_of(response)
    assert any("DJANGO_MFA_ENCRYPTION_KEY" in record.getMessage() for record in caplog.records)
    assert not signs_in("editrice", codes[0])


def test_a_wrong_key_refuses_the_api_token_with_a_403(editor_under_another_key):
    response = APIClient().post(
        reverse("api-token"), {"username": "editrice", "password": PASSWORD, "code": totp_code()}, format="json"
    )

    assert response.status_code == 403


def test_a_wrong_key_shows_no_useless_recovery_codes(editor_under_another_key, caplog):
    editor, _codes = editor_under_another_key
    client = Client(raise_request_exception=False)
    client.force_login(editor)

    with caplog.at_level(logging.ERROR, logger="accounts.mfa_secrets"):
        listing = client.get(reverse("mfa_view_recovery_codes"))
        download = client.get(reverse("mfa_download_recovery_codes"))

    for response in (listing, download):
        assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
    page = client.get(reverse("mfa_index"))
    assert page.status_code == 200
    assert "Vos codes de secours ne peuvent pas être lus" in text_of(page)
    assert caplog.records
