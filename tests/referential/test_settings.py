"""Settings come from the environment and fail loudly, at start, on a missing or bad value."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# A Fernet key (32 url-safe base64-encoded bytes), for these tests only.
MFA_KEY = "YmVuY2ggYW5kIHRlc3RzLCBuZXZlciBpbiBwcm9kISE="
SETUP = "import django; django.setup(); from django.conf import settings; print('DEBUG', settings.DEBUG)"


def start_django(**env):
    """Run django.setup() in a fresh interpreter with only these DJANGO_* variables set."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", SETUP], cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def test_production_without_a_secret_key_refuses_to_start():
    result = start_django(DJANGO_ENV="production", DJANGO_ALLOWED_HOSTS="referentiels.esante.gouv.fr")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start():
    result = start_django(DJANGO_ENV="production", DJANGO_SECRET_KEY="s3cr3t-" * 8)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_a_debug_flag_that_is_not_a_boolean_refuses_to_start():
    result = start_django(DJANGO_DEBUG="maybe")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_DEBUG" in result.stderr


def test_production_without_a_key_for_the_second_factors_secrets_refuses_to_start():
    result = start_django(
        DJANGO_ENV="production", DJANGO_SECRET_KEY="s3cr3t-" * 8, DJANGO_ALLOWED_HOSTS="referentiels.esante.gouv.fr"
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_MFA_ENCRYPTION_KEY" in result.stderr


def test_a_key_for_the_second_factors_secrets_that_is_no_fernet_key_refuses_to_start():
    result = start_django(DJANGO_MFA_ENCRYPTION_KEY=f"{MFA_KEY},pas-une-cle")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_MFA_ENCRYPTION_KEY: key 2 is no Fernet key" in result.stderr


def test_production_with_its_secret_and_hosts_starts_without_debug():
    result = start_django(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="s3cr3t-" * 8,
        DJANGO_ALLOWED_HOSTS="referentiels.esante.gouv.fr",
        DJANGO_MFA_ENCRYPTION_KEY=MFA_KEY,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DEBUG False"


def test_development_starts_with_no_configuration_at_all():
    result = start_django()

    assert result.returncode == 0, result.stderr
