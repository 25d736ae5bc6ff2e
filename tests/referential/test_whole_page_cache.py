"""An anonymous reader's page of a published version is kept whole in the process's memory
(referential.page_cache): the same HTML as a rendering, a CSRF token of its own per response, and
never shown to a signed-in reader, a reader with a message waiting, nor after the version changed."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.typography import french_text
from referential import services
from tests.cache_counts import cache_reads
from tests.factories import VersionFactory, filled_version, freeze

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


def tokens(html: str) -> list[str]:
    return TOKEN.findall(html) and re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', html)


def without_tokens(html: str) -> str:
    """``html`` without what changes from one rendering to the next: CSRF tokens, and the random id
    the DSFR breadcrumb gives its collapsible part."""
    return re.sub(r"breadcrumb-[a-z]{16}", "breadcrumb-…", TOKEN.sub(r"\g<1>…\g<2>", html))


def test_the_kept_page_is_the_rendered_page_with_a_token_of_its_own(anonymous, settings):
    version = freeze(filled_version())
    first, cold = get(anonymous, version.get_absolute_url())
    second, warm = get(anonymous, version.get_absolute_url())
    assert warm == cache_reads(1)  # the pages' generation, nothing else
    assert without_tokens(second.content.decode()) == without_tokens(first.content.decode())
    assert tokens(second.content.decode()) and tokens(second.content.decode()) != tokens(first.content.decode())
    assert "@@" not in second.content.decode()
    assert second["Vary"] == first["Vary"] and "csrftoken" in second.cookies
    # and the page rendered with no cache at all is the same page
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    uncached, _ = get(Client(), version.get_absolute_url())
    assert without_tokens(uncached.content.decode()) == without_tokens(first.content.decode())


def test_the_kept_page_is_typeset_once(anonymous):
    version = freeze(filled_version())
    get(anonymous, version.get_absolute_url())
    html = get(anonymous, version.get_absolute_url())[0].content.decode()
    assert french_text("Exporter les exigences :") in html
    assert "\u202f\u202f" not in html


def test_the_token_of_a_kept_page_is_accepted(anonymous):
    version = freeze(filled_version())
    client = Client(enforce_csrf_checks=True)
    get(client, version.get_absolute_url())
    html = get(client, version.get_absolute_url())[0].content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": tokens(html)[0]})
    assert response.status_code == 302


def test_signed_in_and_anonymous_readers_each_get_their_own_header(anonymous, client_for, contributor_a):
    version = freeze(filled_version())
    url = version.get_absolute_url()
    get(anonymous, url)
    get(anonymous, url)  # the kept page
    signed_in = client_for(contributor_a)
    for _ in range(2):
        html = get(signed_in, url)[0].content.decode()
        assert "Se déconnecter" in html and "Mon compte" in html
        assert "Se connecter<" not in html and "fr-icon-lock-line" not in html
    html = get(anonymous, url)[0].content.decode()
    assert "fr-icon-lock-line" in html and f"?next={url}\"" in html
    assert "Se déconnecter" not in html and "Mon compte" not in html


def test_a_message_waiting_is_shown_not_the_kept_page(anonymous):
    version = freeze(filled_version())
    get(anonymous, version.get_absolute_url())
    get(anonymous, version.get_absolute_url())
    anonymous.cookies["messages"] = CookieStorage(HttpRequest())._encode([Message(constants.INFO, "Message pour le test")])
    html = get(anonymous, version.get_absolute_url())[0].content.decode()
    assert "Message pour le test" in html
    html = get(anonymous, version.get_absolute_url())[0].content.decode()
    assert "Message pour le test" not in html


def test_a_superseded_version_shows_at_once(anonymous):
    version = freeze(filled_version())
    successor = VersionFactory(referential=version.referential, number="2.0")
    get(anonymous, version.get_absolute_url())
    get(anonymous, version.get_absolute_url())
    services.supersede_version(version=version, successor=successor, by=None)
    html = get(anonymous, version.get_absolute_url())[0].content.decode()
    assert "Cette version a été remplacée" in html


def test_a_filtered_page_is_not_kept(anonymous):
    version = freeze(filled_version())
    get(anonymous, version.get_absolute_url())
    key = version.requirements.order_by("position").first().key
    _, first = get(anonymous, f"{version.get_absolute_url()}?q={key}")
    _, second = get(anonymous, f"{version.get_absolute_url()}?q={key}")
    assert second == first > cache_reads(1)


def _consultation(version, *, closes_in_days: int):
    from datetime import timedelta

    from django.utils import timezone

    from consultation.models import Consultation

    now = timezone.now()
    return Consultation.objects.create(
        version=version, title="Concertation de test", opens_at=now - timedelta(days=30), closes_at=now + timedelta(days=closes_in_days)
    )


def test_a_published_synthesis_shows_at_once(anonymous):
    version = freeze(filled_version())
    consultation = _consultation(version, closes_in_days=-1)
    get(anonymous, version.get_absolute_url())
    html = get(anonymous, version.get_absolute_url())[0].content.decode()
    assert "Sa synthèse n’est pas encore publiée" in html
    from django.utils import timezone

    consultation.synthesis_published_at = timezone.now()
    consultation.save()
    html = get(anonymous, version.get_absolute_url())[0].content.decode()
    assert "la synthèse des commentaires" in html


def test_a_page_with_a_consultation_still_open_is_not_kept(anonymous):
    """Its banner counts the time left: rendered for each reader."""
    version = freeze(filled_version())
    _consultation(version, closes_in_days=3)
    _, first = get(anonymous, version.get_absolute_url())
    _, second = get(anonymous, version.get_absolute_url())
    assert second > cache_reads(1)


def test_a_kept_version_row_is_a_copy_of_its_own_and_follows_a_status_change(client_for, contributor_a):
    from referential import queries

    version = freeze(filled_version())
    slug, number = version.referential.slug, version.number
    first = queries.version_for(None, slug, number)
    first._commenting_state = "lu par quelqu'un d'autre"
    first.referential.title = "Changé en mémoire"
    with CaptureQueriesContext(connection) as queries_run:
        second = queries.version_for(None, slug, number)
    assert len(queries_run) == cache_reads(1)  # the pages' generation only
    assert second == first and second is not first
    assert not hasattr(second, "_commenting_state") and second.referential.title != "Changé en mémoire"
    successor = VersionFactory(referential=version.referential, number="2.0")
    services.supersede_version(version=version, successor=successor, by=None)
    assert queries.version_for(None, slug, number).status == "superseded"
    html = get(client_for(contributor_a), version.get_absolute_url())[0].content.decode()
    assert "Cette version a été remplacée" in html


def test_an_editor_saving_a_draft_leaves_the_kept_pages_alone(anonymous):
    version = freeze(filled_version())
    draft = VersionFactory(referential=version.referential, number="2.0")
    get(anonymous, version.get_absolute_url())
    draft.change_summary = "Brouillon revu."
    draft.save()
    _, warm = get(anonymous, version.get_absolute_url())
    assert warm == cache_reads(1)
