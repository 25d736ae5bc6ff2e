"""The second factors' secrets stored in clear before ``accounts.adapter.MFAAdapter`` (allauth.mfa's
default adapter stores them as they are) are encrypted: a TOTP app's ``secret``, the recovery
codes' ``seed`` (and ``migrated_codes``) in ``Authenticator.data``, under the first key of
``MFA_ENCRYPTION_KEYS`` (accounts/mfa_secrets.py). Values already encrypted are left alone, so the
migration may run again. Backwards, they are decrypted back to clear text (what allauth's default
adapter reads); a token no configured key opens stops it, nothing changed.
"""

from django.db import migrations

from accounts import mfa_secrets


def _authenticators(apps):
    Authenticator = apps.get_model("mfa", "Authenticator")
    return Authenticator.objects.filter(type__in=list(mfa_secrets.ENCRYPTED_FIELDS)).order_by("pk")


def forwards(apps, schema_editor):
    mfa_secrets.rewrite_authenticators(_authenticators(apps), mfa_secrets.encrypted_data)


def backwards(apps, schema_editor):
    mfa_secrets.rewrite_authenticators(_authenticators(apps), mfa_secrets.decrypted_data)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_revoke_editor_tokens_had_without_second_factor"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
