"""Search as French readers type it: accents, case, apostrophes and key spacing do not matter;
the words found are marked on the page. Runs on whichever database the suite runs on, so SQLite and
PostgreSQL are both held to the same results."""

import io

import pytest
from django.core.management import call_command

from referential import search
from referential.models import ReferentialVersion
from tests.factories import ReferentialFactory, RequirementFactory, SectionFactory, VersionFactory, freeze

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    referential = ReferentialFactory(slug="ref-recherche", code="Ref#9")
    version = VersionFactory(referential=referential, number="1.0")
    section = SectionFactory(version=version, title="Annuaire")
    for key, title, statement in [
        ("MSS 17", "Boîte aux lettres applicative", "L’opérateur **DOIT** créer la boîte à la demande."),
        ("MSS 18", "Annuaire des médecins", "Chaque médecin inscrit au RPPS est publié."),
        ("MSS 170", "Journalisation", "Les accès sont tracés pendant un an."),
        ("MSS 2", "Œuvre commune", "L’opérateur s’engage à coopérer."),
    ]:
        RequirementFactory(version=version, section=section, key=key, title=title, statement=statement)
    return freeze(version)


def page_keys(client, version, q):
    response = client.get(version.get_absolute_url(), {"q": q})
    assert response.status_code == 200
    html = response.content.decode()
    return [k for k in ("MSS 17", "MSS 18", "MSS 170", "MSS 2") if f'id="exigence-{k.replace(" ", "-")}"' in html]


def api_keys(client, version, q):
    url = f"/api/v1/referentials/{version.referential.slug}/versions/{version.number}/requirements/"
    response = client.get(url, {"q": q})
    assert response.status_code == 200, response.content
    return [r["key"] for r in response.json()["results"]]


# Folding --------------------------------------------------------------------------------------------


def test_folding_ignores_accents_case_ligatures_and_typographic_punctuation():
    assert search.fold("Boîte MÉDECIN Œuvre l’opérateur\u202f:") == "boite medecin oeuvre l'operateur :"


def test_a_key_compacts_to_its_letters_and_digits():
    assert search.compact("MSS 17") == search.compact("mss17") == search.compact("Mss-17") == "mss17"


# The version page and the API ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "q, expected",
    [
        ("boite", ["MSS 17"]),
        ("MEDECIN", ["MSS 18"]),
        ("mss17", ["MSS 17", "MSS 170"]),
        ("MSS 17", ["MSS 17", "MSS 170"]),
        ("l'operateur", ["MSS 17", "MSS 2"]),
        ("oeuvre", ["MSS 2"]),
        ("introuvable", []),
    ],
)
def test_the_version_page_finds_what_french_readers_type(anonymous, version, q, expected):
    assert page_keys(anonymous, version, q) == expected


@pytest.mark.parametrize(
    "q, expected",
    [("boite", ["MSS 17"]), ("MEDECIN", ["MSS 18"]), ("mss17", ["MSS 17", "MSS 170"]), ("mss 170", ["MSS 170"])],
)
def test_the_api_q_filter_finds_the_same(api_for, version, q, expected):
    assert api_keys(api_for(None), version, q) == expected


def test_the_api_lists_a_key_typed_whole_before_keys_that_contain_it(api_for, version):
    # MSS 170 comes after MSS 17 in the document as well: put it first to see the ranking at work.
    assert api_keys(api_for(None), version, "mss170") == ["MSS 170"]
    assert api_keys(api_for(None), version, "MSS 17")[0] == "MSS 17"


def test_the_words_found_are_marked_on_the_page(anonymous, version):
    html = anonymous.get(version.get_absolute_url(), {"q": "boite"}).content.decode()
    assert "<mark>Boîte</mark> aux lettres applicative" in html
    assert "créer la <mark>boîte</mark> à la demande" in html


def test_a_key_found_by_its_compact_form_is_marked_whole(anonymous, version):
    html = anonymous.get(version.get_absolute_url(), {"q": "mss17"}).content.decode()
    assert "<mark>MSS 17</mark>" in html


def test_without_a_search_nothing_is_marked(anonymous, version):
    assert "<mark>" not in anonymous.get(version.get_absolute_url()).content.decode()


# Highlighting never breaks the HTML ---------------------------------------------------------------


def test_highlighting_touches_neither_tags_attributes_nor_entities():
    from django.utils.safestring import mark_safe

    html = mark_safe('<a href="https://example.org/boite" title="boite">La boîte &amp; amp</a>')
    assert str(search.highlight(html, "boite amp")) == (
        '<a href="https://example.org/boite" title="boite">La <mark>boîte</mark> &amp; <mark>amp</mark></a>'
    )


def test_highlighting_plain_text_escapes_it_first():
    assert str(search.highlight("<b>boîte</b>", "boite")) == "&lt;b&gt;<mark>boîte</mark>&lt;/b&gt;"


def test_highlighting_marks_words_that_start_with_a_search_word():
    assert str(search.highlight("Les boîtes et déboîter", "boite")) == "Les <mark>boîte</mark>s et déboîter"


# The demo data ------------------------------------------------------------------------------------


@pytest.fixture
def demo():
    call_command("load_demo", stdout=io.StringIO())
    return ReferentialVersion.objects.get(referential__slug="ref1-mssante", number="1.0")


def test_the_demo_data_answers_accentless_and_spaceless_searches(anonymous, demo):
    url = demo.get_absolute_url()
    for q in ["boite", "SECURITE", "mss17"]:  # boîte, sécurité, MSS 17
        html = anonymous.get(url, {"q": q}).content.decode()
        assert "<mark>" in html and "Aucune exigence ne correspond" not in html, q
