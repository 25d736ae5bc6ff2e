"""Hardened responses: a Content-Security-Policy (scripts from self or by nonce) and a Permissions-Policy on
every page, the API docs included and served from our own static files; ``check --deploy`` clean with
production settings; anonymous or bad-token API calls answer 401 with ``WWW-Authenticate``."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/concertations/", "/compte/connexion/", "/api/docs/", "/api/v1/referentials/"])
def test_every_page_carries_a_csp_with_nonce_scripts_and_a_permissions_policy(url, anonymous):
    response = anonymous.get(url)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    # Scripts from our origin only; a page that needs an inline script gets the request's nonce for it.
    assert re.search(r"script-src 'self'( 'nonce-[^']+')?(;|$)", policy)
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/api/docs/"])
def test_every_script_of_a_page_is_a_file_of_ours_or_carries_the_nonce(url, anonymous):
    response = anonymous.get(url)
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
    assert scripts
    for tag in scripts:
        assert (nonce and f'nonce="{nonce.group(1)}"' in tag) or re.search(r'src="/(static|api/docs)/', tag), tag


def test_no_template_has_an_inline_handler_or_an_inline_script():
    offenders = []
    for template in (BASE_DIR / "templates").rglob("*.html"):
        text = template.read_text()
        # A JSON data block (allauth's ``data-allauth-onload`` parameters, ``json_script``) is not run.
        executable = re.search(r'<script(?![^>]*\bsrc=)(?![^>]*type="application/json")[^>]*>', text)
        if re.search(r"\son[a-z]+\s*=", text) or executable:
            offenders.append(str(template.relative_to(BASE_DIR)))
    assert offenders == []


@pytest.mark.django_db
def test_the_api_docs_load_swagger_ui_from_our_static_files(anonymous):
    page = anonymous.get("/api/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui-dist" in source and source.startswith("/static/") for source in sources)
    assert not any(source.startswith(("http://", "https://", "//")) for source in sources)
    assert "<script>" not in page


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "k" * 20 + "Zq8#vR2!pL0@xW5$mN7&bT4^cY1*hJ6(" + "s" * 20,
        "DJANGO_ALLOWED_HOSTS": "referentiels.example.fr",
        "DJANGO_MFA_ENCRYPTION_KEY": "YmVuY2ggYW5kIHRlc3RzLCBuZXZlciBpbiBwcm9kISE=",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    env.pop("DJANGO_DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests of the same run, never in production
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_production_turns_https_on_and_a_tls_proxy_may_switch_the_redirect_off(tmp_path):
    script = "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0)"
    base = {**os.environ, "DJANGO_ENV": "production", "DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "a.fr",
            "DJANGO_MFA_ENCRYPTION_KEY": "YmVuY2ggYW5kIHRlc3RzLCBuZXZlciBpbiBwcm9kISE=", "DJANGO_SETTINGS_MODULE": "config.settings"}
    run = lambda env: subprocess.run(  # noqa: E731
        [sys.executable, "-c", "import django; django.setup(); " + script], cwd=BASE_DIR, env=env,
        capture_output=True, text=True, timeout=60,
    ).stdout.strip()
    assert run(base) == "True True"
    assert run({**base, "DJANGO_SSL_REDIRECT": "0"}) == "False True"


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [{}, {"HTTP_AUTHORIZATION": "Token pas-un-jeton"}])
def test_an_anonymous_or_bad_token_write_is_a_401_with_www_authenticate(headers, client):
    response = client.post("/api/v1/comments/1/answer/", {}, content_type="application/json", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"]


@pytest.mark.django_db
def test_an_authenticated_user_without_the_right_still_gets_403(contributor_a, api_for):
    response = api_for(contributor_a).post("/api/v1/comments/1/answer/", {}, format="json")
    assert response.status_code == 403
