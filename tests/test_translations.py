"""The UI is French first; the English catalogue is kept complete and is actually used."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_the_english_catalogue_has_no_untranslated_or_fuzzy_entry():
    untranslated = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(CATALOGUE)], capture_output=True, text=True, check=True
    ).stdout
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(CATALOGUE)], capture_output=True, text=True, check=True
    ).stdout
    assert re.findall(r'^msgid "(.+)"', untranslated, re.M) == []
    assert re.findall(r'^msgid "(.+)"', fuzzy, re.M) == []


def test_the_french_catalogue_is_the_identity_with_no_fuzzy_entry():
    """French is the source language: its catalogue only carries French plural rules. A fuzzy entry
    is never compiled, and a stale msgstr would show an old wording (``make messages`` keeps it so)."""
    catalogue = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(catalogue)], capture_output=True, text=True, check=True
    ).stdout
    assert re.findall(r'^msgid "(.+)"', fuzzy, re.M) == []
    def run(*command, given=None):
        return subprocess.run(command, input=given, capture_output=True, text=True, check=True).stdout

    kept = run("msgattrib", "--no-obsolete", str(catalogue))
    identity = run("msgen", "-", given=run("msgfilter", "--keep-header", "-i", "-", "sed", "-e", "d", given=kept))
    entries = lambda text: re.findall(r'^(msg(?:id|id_plural|str(?:\[\d\])?) ".*"(?:\n".*")*)', text, re.M)
    assert entries(kept) == entries(identity)


def test_the_english_catalogue_compiles_cleanly():
    subprocess.run(["msgfmt", "--check-format", "-o", "/dev/null", str(CATALOGUE)], check=True)


@pytest.mark.django_db
def test_pages_switch_to_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="en"' in page
    assert "Référentiels d’exigences MSSanté" not in page


@pytest.mark.django_db
def test_api_errors_follow_the_request_language(client):
    french = client.get("/api/v1/referentials/inconnu/", HTTP_ACCEPT_LANGUAGE="fr").json()["detail"]
    english = client.get("/api/v1/referentials/inconnu/", HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert french != english
