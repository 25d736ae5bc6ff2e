"""The public HTML pages: what each shows, to whom, and that user text stays inert."""

from html.parser import HTMLParser

import pytest
from django.urls import NoReverseMatch, resolve, reverse
from django.urls.exceptions import Resolver404

from referential.models import ReferentialVersion
from tests.e2e.scenario import build_scenario
from tests.factories import RequirementFactory, SectionFactory, VersionFactory, freeze

pytestmark = pytest.mark.django_db

REF = "/referentiels/ref1-mssante/"


@pytest.fixture
def scenario():
    return build_scenario()


@pytest.fixture
def draft(scenario):
    """A draft next to the public versions, which only editors may read."""
    version = VersionFactory(referential=scenario.referential, number="1.2", change_summary="Brouillon secret")
    RequirementFactory(version=version, key="MSS 99", title="Exigence en gestation", level=scenario.levels["mineure"])
    return version


class _Page(HTMLParser):
    """The elements, attributes and visible text a browser would build from the HTML."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.attributes, self.text, self.html_lang = [], [], [], None
        self._skip = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)
        if tag == "html":
            self.html_lang = dict(attrs).get("lang")
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)

    @property
    def visible_text(self):
        return " ".join(" ".join(self.text).split())


def page(response) -> _Page:
    assert response.status_code == 200, response.status_code
    return _Page(response.content.decode())


def requirement_keys(response) -> list[str]:
    html = response.content.decode()
    return [key for key in ("MSS 17", "MSS 19.1", "MSS 30", "MSS 50") if f'id="exigence-{key.replace(" ", "-")}"' in html]


# Layout ------------------------------------------------------------------------------------------


def test_every_page_has_the_state_header_skip_links_and_footer(anonymous, scenario):
    html = anonymous.get("/").content.decode()
    assert "République<br>Française" in html
    assert "Référentiels MSSanté" in html
    assert "Agence du Numérique en Santé (ANS)" in html
    assert 'class="fr-skiplinks"' in html and 'href="#contenu"' in html and 'id="contenu"' in html
    assert 'id="pied-de-page"' in html
    assert "/static/dsfr/dist/dsfr/dsfr.min.css" in html


def test_anonymous_visitors_get_a_login_link_and_users_a_logout_form(anonymous, client_for, editor, scenario):
    assert 'href="/compte/connexion/?next=/referentiels/ref1-mssante/"' in anonymous.get(REF).content.decode()
    html = client_for(editor).get(REF).content.decode()
    assert 'action="/compte/deconnexion/"' in html and "Se déconnecter" in html
    assert "/compte/connexion/" not in html


def test_the_breadcrumb_leads_back_to_the_referential(anonymous, scenario):
    html = anonymous.get(REF + "1.1/exigences/MSS 17/").content.decode()
    assert 'class="fr-breadcrumb"' in html
    assert f'href="{REF}"' in html and f'href="{REF}1.1/"' in html


def test_the_language_switcher_posts_to_set_language(anonymous, scenario):
    html = anonymous.get(REF).content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'name="language" value="en"' in html and 'name="language" value="fr"' in html


def test_french_is_the_default_language(anonymous, scenario):
    assert page(anonymous.get("/")).html_lang == "fr"


def test_an_english_browser_gets_the_english_interface(anonymous, scenario):
    shown = page(anonymous.get(REF, HTTP_ACCEPT_LANGUAGE="en"))
    assert shown.html_lang == "en"
    assert "Home page" in shown.visible_text  # the breadcrumb, translated by django-dsfr's own catalogue
    assert "Accueil" in page(anonymous.get(REF)).visible_text


def test_choosing_english_with_the_switcher_sticks_for_the_next_pages(anonymous, scenario):
    response = anonymous.post("/i18n/setlang/", {"language": "en", "next": REF})
    assert response.status_code == 302 and response["Location"] == REF
    assert page(anonymous.get(REF)).html_lang == "en"
    assert page(anonymous.get(REF + "1.0/")).html_lang == "en"


# Home --------------------------------------------------------------------------------------------


def test_home_lists_each_referential_with_its_current_version_and_pdf(anonymous, scenario):
    shown = page(anonymous.get("/"))
    text = shown.visible_text
    assert "Ref#1 — Référentiel socle MSSanté #1 – Opérateurs" in text
    assert "Version en vigueur : 1.0" in text
    assert "La version 1.1 est en concertation." in text
    assert ("href", f"{REF}latest.pdf") in shown.attributes
    assert ("href", f"{REF}1.0/") in shown.attributes


def test_home_offers_no_pdf_before_anything_is_published(anonymous):
    version = VersionFactory(status=ReferentialVersion.Status.CONSULTATION)
    shown = page(anonymous.get("/"))
    assert "Aucune version publiée pour l’instant." in shown.visible_text
    assert not [value for name, value in shown.attributes if name == "href" and value.endswith("latest.pdf")]
    assert version.referential.code in shown.visible_text


def test_home_says_so_when_there_is_no_referential(anonymous, db):
    assert "Aucun référentiel n’est encore en ligne." in page(anonymous.get("/")).visible_text


def test_home_never_mentions_a_draft_to_the_public(anonymous, draft):
    assert "1.2" not in page(anonymous.get("/")).visible_text


# Referential -------------------------------------------------------------------------------------


def test_referential_page_lists_public_versions_with_status_dates_and_summary(anonymous, scenario):
    shown = page(anonymous.get(REF))
    text = shown.visible_text
    assert "Public visé : Opérateurs de messagerie MSSanté" in text
    assert "Version en vigueur : 1.0" in text
    assert "Prise en compte de l’atelier n° 4." in text and "Version initiale." in text
    assert "En concertation" in text and "Publiée" in text
    assert ("href", f"{REF}comparer/1.0/1.1/") in shown.attributes
    html = anonymous.get(REF).content.decode()
    assert "<strong>opérateur</strong>" in html  # the description is Markdown
    table = html[html.index("<table"):]
    assert table.index(f'href="{REF}1.1/"') < table.index(f'href="{REF}1.0/"')  # newest first


def test_referential_page_shows_drafts_to_editors_only(anonymous, client_for, contributor_a, editor, draft):
    assert f'href="{REF}1.2/"' not in anonymous.get(REF).content.decode()
    assert f'href="{REF}1.2/"' not in client_for(contributor_a).get(REF).content.decode()
    editor_view = client_for(editor).get(REF).content.decode()
    assert f'href="{REF}1.2/"' in editor_view and "Brouillon" in editor_view


def test_an_unknown_referential_is_not_found(anonymous, db):
    response = anonymous.get("/referentiels/inconnu/")
    assert response.status_code == 404
    assert "Page non trouvée" in response.content.decode()


# Version -----------------------------------------------------------------------------------------


def test_version_page_shows_every_requirement_with_rendered_markdown_and_level(anonymous, scenario):
    response = anonymous.get(REF + "1.1/")
    shown = page(response)
    html = response.content.decode()
    assert requirement_keys(response) == ["MSS 17", "MSS 19.1", "MSS 30", "MSS 50"]
    assert "<strong>DOIT</strong>" in html
    assert "Ce chapitre traite de la <strong>qualité de l’annuaire</strong>." in html
    text = shown.visible_text
    assert "Version 1.1" in text and "En concertation" in text
    assert "Prise en compte de l’atelier n° 4." in text
    assert "Opérateur MSSanté" in text and "Éditeur de LPS" in text
    assert "Contrôle de l’annuaire" in text
    assert "4 exigences." in text


def test_levels_have_distinct_badge_colours(anonymous, scenario):
    html = anonymous.get(REF + "1.1/").content.decode()
    assert 'fr-badge--error"><span class="fr-sr-only">Niveau de non-conformité\u202f: </span>Bloquante' in html
    assert 'fr-badge--warning"><span class="fr-sr-only">Niveau de non-conformité\u202f: </span>Majeure' in html
    assert 'fr-badge--info"><span class="fr-sr-only">Niveau de non-conformité\u202f: </span>Mineure' in html


def test_version_page_has_a_numbered_table_of_contents(anonymous, scenario):
    response = anonymous.get(REF + "1.1/")
    html = response.content.decode()
    assert 'class="fr-sidemenu' in html
    for anchor, label in [("chapitre-1", "1. Publication dans l’annuaire"), ("chapitre-2-1", "2.1. Chiffrement des flux")]:
        assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html
        assert label in page(response).visible_text


def test_version_page_links_to_the_comparison_with_the_version_it_is_based_on(anonymous, scenario):
    shown = page(anonymous.get(REF + "1.1/"))
    assert ("href", f"{REF}comparer/1.0/1.1/") in shown.attributes
    assert "Comparer avec la version 1.0" in shown.visible_text


def test_a_published_version_links_to_its_pdf_and_shows_its_conformity_rule(anonymous, scenario):
    shown = page(anonymous.get(REF + "1.0/"))
    assert ("href", f"{REF}1.0.pdf") in shown.attributes
    assert "Bloquante : un seul écart rend l’acteur non conforme." in shown.visible_text
    assert "Majeure : l’acteur est non conforme au-delà de 2 écarts." in shown.visible_text


def test_a_version_in_consultation_offers_no_pdf(anonymous, scenario):
    shown = page(anonymous.get(REF + "1.1/"))
    assert not [value for name, value in shown.attributes if name == "href" and value.endswith(".pdf")]


def test_filtering_by_level_narrows_the_list(anonymous, scenario):
    response = anonymous.get(REF + "1.1/", {"level": "bloquante"})
    assert requirement_keys(response) == ["MSS 30", "MSS 50"]
    assert "2 exigences correspondent à ces critères." in page(response).visible_text


def test_filtering_by_actor_narrows_the_list(anonymous, scenario):
    response = anonymous.get(REF + "1.1/", {"actor": "editeur-lps"})
    assert requirement_keys(response) == ["MSS 19.1", "MSS 30"]


def test_filtering_by_chapter_includes_its_sub_chapters(anonymous, scenario):
    security = scenario.v11.sections.get(title="Sécurité des échanges")
    response = anonymous.get(REF + "1.1/", {"section": security.pk})
    assert requirement_keys(response) == ["MSS 50"]
    # Chapters without a match are left out, the table of contents keeps them all.
    html = response.content.decode()
    assert 'id="chapitre-1"' not in html and 'href="#chapitre-1"' in html


def test_searching_matches_key_title_and_statement(anonymous, scenario):
    assert requirement_keys(anonymous.get(REF + "1.1/", {"q": "mss 19"})) == ["MSS 19.1"]
    assert requirement_keys(anonymous.get(REF + "1.1/", {"q": "format de l'objet"})) == ["MSS 30"]
    assert requirement_keys(anonymous.get(REF + "1.1/", {"q": "IGC Santé"})) == ["MSS 50"]


def test_filters_combine(anonymous, scenario):
    response = anonymous.get(REF + "1.1/", {"level": "bloquante", "actor": "operateur", "q": "certificat"})
    assert requirement_keys(response) == ["MSS 50"]
    assert "1 exigence correspond à ces critères." in page(response).visible_text


def test_the_filter_form_keeps_what_was_chosen(anonymous, scenario):
    html = anonymous.get(REF + "1.1/", {"level": "majeure", "q": "BAL"}).content.decode()
    assert '<option value="majeure" selected>' in html
    assert 'name="q" value="BAL"' in html
    assert "Réinitialiser les filtres" in html


def test_no_match_shows_the_empty_state(anonymous, scenario):
    response = anonymous.get(REF + "1.1/", {"q": "introuvable"})
    assert requirement_keys(response) == []
    assert "Aucune exigence ne correspond à ces critères." in page(response).visible_text


def test_an_unknown_filter_value_filters_nothing(anonymous, scenario):
    response = anonymous.get(REF + "1.1/", {"level": "inexistant", "actor": "personne", "section": "abc"})
    assert requirement_keys(response) == ["MSS 17", "MSS 19.1", "MSS 30", "MSS 50"]


@pytest.mark.parametrize("who", ["anonymous", "contributor"])
def test_a_draft_is_not_found_for_non_editors(who, anonymous, client_for, contributor_a, draft):
    client = anonymous if who == "anonymous" else client_for(contributor_a)
    for url in (REF + "1.2/", REF + "1.2/exigences/MSS 99/", REF + "comparer/1.1/1.2/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Exigence en gestation" not in response.content.decode()


def test_an_editor_reads_a_draft(client_for, editor, draft):
    response = client_for(editor).get(REF + "1.2/")
    text = page(response).visible_text
    assert "Exigence en gestation" in text
    assert "Brouillon de travail : seuls les rédacteurs de l’ANS le voient." in text


def test_an_unknown_version_is_not_found(anonymous, scenario):
    assert anonymous.get(REF + "9.9/").status_code == 404
    assert anonymous.get("/referentiels/autre/1.0/").status_code == 404


@pytest.mark.parametrize(
    "statement",
    [
        "<script>alert(1)</script>",
        '<img src="http://evil.example/x.png" onerror="alert(1)">',
        "<img src=http://evil.example/x.png>",
        "[clic](javascript:alert(1))",
        "![pixel](http://evil.example/pixel.png)",
        '<a href="#" onclick="steal()">lien</a>',
    ],
)
def test_hostile_statements_are_inert_on_the_version_page(anonymous, scenario, statement):
    version = VersionFactory(referential=scenario.referential, number="2.0")
    RequirementFactory(version=version, key="MSS 666", statement=statement)
    freeze(version, ReferentialVersion.Status.CONSULTATION)
    html = anonymous.get(REF + "2.0/").content.decode()
    article = html[html.index('id="exigence-MSS-666"'):]
    article = article[: article.index("</article>")]
    built = _Page(article)
    assert not {"script", "img", "iframe"} & set(built.tags)
    assert not [name for name, _ in built.attributes if name.startswith("on")]
    assert not [value for _, value in built.attributes if value and value.strip().lower().startswith("javascript:")]
    assert "<script" not in article and "<img" not in article


def test_a_statement_quoting_a_format_shows_it_literally(anonymous, scenario):
    shown = page(anonymous.get(REF + "1.1/"))
    assert shown.visible_text.count("XDM/1.0/DDM+<libellé> <NOM> <prénom>") == 2


# Requirement -------------------------------------------------------------------------------------


def test_requirement_page_shows_its_text_and_every_version_it_is_in(anonymous, scenario):
    response = anonymous.get(REF + "1.1/exigences/MSS 17/")
    html = response.content.decode()
    text = page(response).visible_text
    assert "MSS 17 — BAL dépubliée" in text
    assert "rester ouverte et être comptée parmi les BAL actives" in text
    assert "Version 1.1 : MSS 17" in text and "Version 1.0 : MSS 17" in text
    assert "Changements depuis la version 1.0 : énoncé." in text
    assert "<del>" in html and "<ins>" in html
    assert '<span class="fr-sr-only">ajouté\u202f: </span>' in html
    assert '<span class="fr-sr-only">supprimé\u202f: </span>' in html


def test_requirement_history_follows_a_renamed_key(anonymous, scenario):
    response = anonymous.get(REF + "1.1/exigences/MSS 19.1/")
    text = page(response).visible_text
    assert "Version 1.0 : MSS 19" in text and "Version 1.1 : MSS 19.1" in text
    assert "Clé : MSS 19 → MSS 19.1" in text
    # From the old side too.
    assert "Version 1.1 : MSS 19.1" in page(anonymous.get(REF + "1.0/exigences/MSS 19/")).visible_text


def test_requirement_history_hides_drafts_from_the_public(anonymous, client_for, editor, scenario):
    from referential import services

    ReferentialVersion.objects.filter(pk=scenario.v10.pk).update(status=ReferentialVersion.Status.SUPERSEDED)
    ReferentialVersion.objects.filter(pk=scenario.v11.pk).update(status=ReferentialVersion.Status.PUBLISHED)
    services.start_draft(referential=scenario.referential, number="1.2", by=None)
    assert "Version 1.2" not in page(anonymous.get(REF + "1.1/exigences/MSS 17/")).visible_text
    assert "Version 1.2 : MSS 17" in page(client_for(editor).get(REF + "1.1/exigences/MSS 17/")).visible_text


def test_an_unknown_requirement_is_not_found(anonymous, scenario):
    assert anonymous.get(REF + "1.1/exigences/MSS 404/").status_code == 404


def test_requirement_urls_carry_keys_with_spaces_and_dots(scenario):
    requirement = scenario.v11.requirements.get(key="MSS 19.1")
    url = requirement.get_absolute_url()
    assert url == REF + "1.1/exigences/MSS%2019.1/"
    assert resolve("/referentiels/ref1-mssante/1.1/exigences/MSS 19.1/").kwargs["key"] == "MSS 19.1"


# Comparison --------------------------------------------------------------------------------------


def test_comparison_counts_and_groups_each_kind_of_change(anonymous, scenario):
    response = anonymous.get(REF + "comparer/1.0/1.1/")
    text = page(response).visible_text
    for label in ("Ajoutées : 1", "Supprimées : 1", "Modifiées : 1", "Renumérotées : 1", "Déplacées : 1", "Inchangées : 0"):
        assert label in text
    html = response.content.decode()
    assert html.index('id="added"') < html.index("MSS 50</a>") < html.index('id="removed"')
    assert html.index('id="removed"') < html.index("Ancien protocole") < html.index('id="modified"')


def test_comparison_shows_the_redline_of_a_modified_requirement(anonymous, scenario):
    html = anonymous.get(REF + "comparer/1.0/1.1/").content.decode()
    assert '<del><span class="fr-sr-only">supprimé\u202f: </span>comme telle</del>' in html
    assert '<ins><span class="fr-sr-only">ajouté\u202f: </span>parmi les BAL actives</ins>' in html


def test_comparison_shows_renamed_keys_and_moved_chapters(anonymous, scenario):
    text = page(anonymous.get(REF + "comparer/1.0/1.1/")).visible_text
    assert "MSS 19 → devient MSS 19.1 — Information de l’utilisateur" in text
    assert "Chapitre : « 2.1. Chiffrement des flux » → « 1. Publication dans l’annuaire »" in text


def test_the_version_picker_redirects_to_the_comparison(anonymous, scenario):
    response = anonymous.get(REF + "comparer/", {"a": "1.0", "b": "1.1"})
    assert response.status_code == 302 and response["Location"] == REF + "comparer/1.0/1.1/"



@pytest.mark.parametrize("query", [{}, {"a": "latest", "b": "1.1"}, {"a": "1.1", "b": "1.1"}])
def test_the_comparison_without_two_different_versions_offers_the_choice(anonymous, scenario, query):
    response = anonymous.get(REF + "comparer/", query)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="compare-form"' in html
    assert '<option value="1.0"' in html and '<option value="1.1"' in html
    if query.get("a") == query.get("b") == "1.1":
        assert "Une version comparée à elle-même ne change pas." in html


def test_comparing_a_version_with_itself_offers_the_choice_instead_of_an_empty_comparison(anonymous, scenario):
    response = anonymous.get(REF + "comparer/1.1/1.1/")
    text = page(response).visible_text
    assert "Une version comparée à elle-même ne change pas. Choisissez deux versions différentes." in text
    html = response.content.decode()
    start, end = html.index('id="comparer-a"'), html.index('id="comparer-b"')
    assert '<option value="1.0" selected>' in html[start:end]  # preset to two different versions
    assert '<option value="1.1" selected>' in html[end:]


def test_the_comparison_choice_of_an_unknown_referential_is_not_found(anonymous, scenario):
    assert anonymous.get("/referentiels/inconnu/comparer/").status_code == 404


# URLs and errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["1.0", "0.9.1", "10.12"])
def test_version_numbers_with_dots_resolve_to_the_version_page(number):
    match = resolve(f"/referentiels/ref1-mssante/{number}/")
    assert match.view_name == "referential:version_detail" and match.kwargs["number"] == number


@pytest.mark.parametrize("path", ["/referentiels/ref1-mssante/1.0.pdf", "/referentiels/ref1-mssante/latest.pdf"])
def test_pdf_addresses_never_reach_the_version_page(path):
    try:
        assert resolve(path).view_name != "referential:version_detail"
    except Resolver404:
        pass


def test_version_urls_reverse_from_the_models(scenario):
    assert scenario.v10.get_absolute_url() == REF + "1.0/"
    assert scenario.referential.get_absolute_url() == REF
    assert reverse("referential:compare", kwargs={"slug": "ref1-mssante", "a": "1.0", "b": "0.9.1"})
    with pytest.raises(NoReverseMatch):
        reverse("referential:version_detail", kwargs={"slug": "ref1-mssante", "number": "latest"})


def test_the_not_found_page_is_in_the_site_style(anonymous, db):
    response = anonymous.get("/referentiels/inconnu/1.0/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Erreur 404" in html and 'class="fr-header"' in html and "Page d’accueil" in html


def test_the_error_pages_render_without_a_request_nor_the_database():
    """What Django gives a 500 page: no request, no context processor; and the database may be down."""
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        html = render_to_string("500.html")
        forbidden = render_to_string("403.html")
    assert not captured.captured_queries
    assert "Erreur 500" in html and "Erreur inattendue" in html
    assert "/i18n/setlang/" not in html
    assert "Erreur 403" in forbidden


def test_a_chapter_without_requirements_does_not_break_the_page(anonymous, scenario):
    version = VersionFactory(referential=scenario.referential, number="3.0")
    SectionFactory(version=version, title="Chapitre vide")
    freeze(version, ReferentialVersion.Status.CONSULTATION)
    text = page(anonymous.get(REF + "3.0/")).visible_text
    assert "1. Chapitre vide" in text
    assert "Cette version ne contient encore aucune exigence." in text
