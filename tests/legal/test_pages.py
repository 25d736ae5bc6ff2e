"""The pages a French public site must have, linked from every page's footer."""

import re

import pytest
from django.urls import reverse

from referential.models import ReferentialVersion
from tests.factories import ReferentialFactory, VersionFactory

pytestmark = pytest.mark.django_db

LEGAL_PAGES = ["legal:legal_notice", "legal:personal_data", "legal:accessibility", "legal:site_map"]


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("name", LEGAL_PAGES)
def test_every_page_links_to_the_legal_pages_from_its_footer(anonymous, name):
    html = anonymous.get(reverse("referential:home")).content.decode()
    footer = html[html.index('<footer class="fr-footer"') :]
    assert f'href="{reverse(name)}"' in footer


def test_the_legal_notice_names_the_publisher_and_the_licence(anonymous):
    text = text_of(anonymous.get("/mentions-legales/"))
    assert "Agence du Numérique en Santé" in text
    assert "Directeur de la publication" in text
    assert "etalab-2.0" in text


def test_the_personal_data_page_says_what_is_collected_why_for_how_long_and_the_rights(anonymous):
    text = text_of(anonymous.get("/donnees-personnelles/"))
    for collected in ["nom, prénom, adresse électronique", "Organisation (nom, type)", "adresse IP"]:
        assert collected in text
    assert "Pourquoi" in text and "Combien de temps" in text
    assert "rectifier ou effacer" in text and "CNIL" in text


def test_the_accessibility_statement_gives_the_state_and_what_was_measured(anonymous):
    text = text_of(anonymous.get("/accessibilite/"))
    assert "non conforme" in text
    assert "axe-core" in text and "390 pixels" in text
    assert "Défenseur des droits" in text


def test_the_site_map_lists_only_the_versions_its_reader_may_see(anonymous):
    referential = ReferentialFactory(slug="ref1-mssante", code="Ref#1")
    VersionFactory(referential=referential, number="1.0", status=ReferentialVersion.Status.PUBLISHED)
    VersionFactory(referential=referential, number="2.0", status=ReferentialVersion.Status.DRAFT)
    html = anonymous.get("/plan-du-site/").content.decode()
    assert 'href="/referentiels/ref1-mssante/1.0/"' in html
    assert "/referentiels/ref1-mssante/2.0/" not in html
    for name in ["legal:legal_notice", "legal:personal_data", "legal:accessibility", "consultation:consultation_list"]:
        assert f'href="{reverse(name)}"' in html


@pytest.mark.parametrize("path", ["/mentions-legales/", "/donnees-personnelles/", "/accessibilite/", "/plan-du-site/"])
def test_the_legal_pages_read_in_english(anonymous, path):
    anonymous.cookies["django_language"] = "en"
    response = anonymous.get(path)
    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()
