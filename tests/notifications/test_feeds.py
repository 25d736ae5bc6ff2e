"""Atom feeds of versions, consultations, workshop minutes and everything; linked from the pages."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from consultation.models import Consultation
from referential.models import ReferentialVersion
from tests.factories import ReferentialFactory, VersionFactory
from tests.workshops.factories import WorkshopFactory
from workshops.models import Workshop

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    return [(entry.findtext(f"{ATOM}title"), entry.find(f"{ATOM}link").get("href")) for entry in feed.iter(f"{ATOM}entry")]


@pytest.fixture
def published():
    referential = ReferentialFactory(code="Ref#1", slug="ref1-mssante")
    version = VersionFactory(referential=referential, number="1.0")
    ReferentialVersion.objects.filter(pk=version.pk).update(status=ReferentialVersion.Status.PUBLISHED, published_at=timezone.now() - timedelta(days=3))
    draft = VersionFactory(referential=referential, number="1.1")
    consulted = VersionFactory(referential=referential, number="1.2", status=ReferentialVersion.Status.CONSULTATION)
    now = timezone.now()
    Consultation.objects.create(version=consulted, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=10))
    Consultation.objects.create(version=draft, opens_at=now + timedelta(days=5), closes_at=now + timedelta(days=20))
    WorkshopFactory(title="Atelier public", published_at=now - timedelta(days=2))
    WorkshopFactory(title="Atelier en préparation", status=Workshop.Status.DRAFT)
    return referential


def test_the_versions_feed_lists_published_versions_only(anonymous, published):
    titles = [title for title, _link in entries(anonymous.get("/referentiels/ref1-mssante/versions.atom"))]
    assert titles == ["Ref#1 : version 1.0 publiée"]


def test_the_versions_feed_of_an_unknown_referential_is_a_404(anonymous):
    assert anonymous.get("/referentiels/inconnu/versions.atom").status_code == 404


def test_the_consultations_feed_shows_no_consultation_on_a_draft(anonymous, published):
    links = [link for _title, link in entries(anonymous.get("/concertations/flux.atom"))]
    assert len(links) == 1 and "/concertations/" in links[0]


def test_the_minutes_feed_shows_published_minutes_only(anonymous, published):
    titles = [title for title, _link in entries(anonymous.get("/ateliers/flux.atom"))]
    assert titles == ["Compte-rendu publié : Atelier public"]


def test_the_feed_of_everything_merges_them_newest_first(anonymous, published):
    titles = [title for title, _link in entries(anonymous.get("/flux.atom"))]
    assert len(titles) == 3
    assert titles[-1] == "Ref#1 : version 1.0 publiée"


def test_feeds_follow_the_language_of_the_request(anonymous, published):
    titles = [title for title, _link in entries(anonymous.get("/referentiels/ref1-mssante/versions.atom", HTTP_ACCEPT_LANGUAGE="en"))]
    assert titles == ["Ref#1: version 1.0 published"]


def test_pages_announce_their_feeds(anonymous, published):
    home = anonymous.get("/").content.decode()
    assert 'rel="alternate" type="application/atom+xml" href="/flux.atom"' in home
    referential_page = anonymous.get("/referentiels/ref1-mssante/").content.decode()
    assert 'type="application/atom+xml" href="/referentiels/ref1-mssante/versions.atom"' in referential_page
    assert 'href="/concertations/flux.atom"' in anonymous.get("/concertations/").content.decode()
    assert 'href="/ateliers/flux.atom"' in anonymous.get("/ateliers/").content.decode()
