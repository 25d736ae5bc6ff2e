"""No input makes a 5xx. Every page's URL pattern is walked with junk, negative and huge values in its
path and in every query parameter the pages read, as anonymous and as editor (who reaches the most
code); the examples the issue names are pinned one by one below."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from consultation import services
from tests.consultation.conftest import approved_organisation, comment_by, join
from tests.workshops.factories import RidaItemFactory, WorkshopFactory
from tests.factories import filled_version, freeze
from tests.test_visibility_probe import _fill, _walk
from django.urls import get_resolver

HUGE = "9" * 23
QUERY_NAMES = (
    "page", "section", "level", "actor", "q", "nature", "etat", "decision", "exigence", "organisation",
    "requirement", "chapitre", "next", "limit", "offset", "fmt", "format", "resultat", "version", "attribution",
    "depuis", "a", "b",
)
# A NUL byte too: PostgreSQL refuses it in any string it is given, so a parameter that reaches a query
# unfiltered is a 500 there (the search box was one).
QUERY_JUNK = ["-1", HUGE, "abc", "1e9999", "0", "a\x00b"]
# Django's own pages (admin, i18n) and the sign-in flows with their throttles are tested elsewhere.
SKIPPED_PREFIXES = ("admin", "api", "i18n")
# Pages that lay out a PDF are probed with junk only, not with real ids (seconds per request).
PDF_NAMES = {"referential:version_preview_pdf", "workshops:workshop_pdf", "consultation:synthesis_pdf"}


@pytest.fixture
def world(editor, contributor_a):
    join(contributor_a, approved_organisation("Messagerie Santé A"))
    published = freeze(filled_version())
    consulted = filled_version(referential=published.referential, number="2.0")
    now = timezone.now()
    consultation = services.open_consultation(
        version=consulted, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=14), by=editor
    )
    comment = comment_by(contributor_a, consultation, requirement=consulted.requirements.first())
    workshop = WorkshopFactory()
    item = RidaItemFactory(workshop=workshop, nature="A")
    return {
        "pk": [str(consultation.pk), str(comment.pk), str(workshop.pk), str(item.pk), HUGE, "0"],
        "slug": [published.referential.slug, "inconnu", HUGE],
        "number": [published.number, f"{HUGE}.0", "0.0"],
        "a": [published.number, f"{HUGE}.0", "1.0"],
        "b": [consulted.number, f"{HUGE}.0", "1.0"],
        "other": [consulted.number, f"{HUGE}.0"],
        "key": ["MSS 1", HUGE, "x" * 300],
        "fmt": ["csv", "json", "xlsx"],
        "token": ["x", HUGE],
        "uidb64": ["x", HUGE],
    }


def html_routes():
    for name, route in _walk(get_resolver().url_patterns):
        if not name.startswith(SKIPPED_PREFIXES) and not route.startswith(SKIPPED_PREFIXES):
            yield name, route


@pytest.mark.parametrize("persona", [None, "editor"])
def test_no_page_answers_5xx_to_junk_in_path_or_query(persona, world, request, client_for):
    client = client_for(request.getfixturevalue(persona) if persona else None)
    failures = []
    for name, route in html_routes():
        for index, junk in enumerate(QUERY_JUNK):
            values = {param: options[index % len(options)] for param, options in world.items()}
            if name in PDF_NAMES and index % len(world["pk"]) < 4:
                continue
            path = _fill(route, values)
            query = {param: junk for param in QUERY_NAMES}
            for response in (client.get(path, query), client.post(f"{path}?page={junk}", query)):
                if response.status_code >= 500:
                    failures.append(f"{path} ?{junk} → {response.status_code}")
    assert failures == []


@pytest.mark.parametrize("url", ["/referentiels/{slug}/{number}/?section={huge}", "/api/v1/referentials/{slug}/versions/{number}/requirements/?section={huge}"])
def test_a_23_digit_chapter_filter_matches_nothing(url, world, anonymous):
    response = anonymous.get(url.format(slug=world["slug"][0], number=world["number"][0], huge=HUGE))
    assert response.status_code == 200
    if url.startswith("/api/"):
        assert response.json()["results"] == []


@pytest.mark.parametrize("param", ["limit", "offset"])
def test_a_huge_pagination_parameter_is_bounded(param, world, api_for):
    response = api_for(None).get("/api/v1/referentials/", {param: "99999999999999999999"})
    assert response.status_code == 200
    if param == "limit":
        assert len(response.json()["results"]) == 1


def test_the_page_size_has_a_maximum(world, api_for):
    from core.api_bounds import MAX_LIMIT

    response = api_for(None).get(f"/api/v1/consultations/?limit={MAX_LIMIT * 10}")
    assert response.status_code == 200
    assert f"limit={MAX_LIMIT}" in (response.json()["next"] or f"limit={MAX_LIMIT}")


def test_a_json_body_nested_100000_deep_is_a_400(world, contributor_a, api_for):
    body = "[" * 100_000 + "]" * 100_000
    for user, url in ((None, "/api/v1/auth/token/"), (contributor_a, f"/api/v1/consultations/{world['pk'][0]}/comments/")):
        response = api_for(user).generic("POST", url, body, content_type="application/json")
        assert response.status_code == 400, url
        assert json.loads(response.content)["detail"]


def test_an_editor_deleting_a_commented_requirement_gets_409_with_the_reason(world, editor, api_for):
    from consultation.models import Comment

    comment = Comment.objects.select_related("requirement__version__referential").get()
    requirement = comment.requirement
    # The text under consultation is frozen; back to draft (set-up only: the row's guard refuses
    # that move), the commented requirement is still protected.
    from referential.models import ReferentialVersion
    from tests.factories import freeze

    freeze(requirement.version, ReferentialVersion.Status.DRAFT)
    url = f"/api/v1/referentials/{requirement.version.referential.slug}/versions/{requirement.version.number}/requirements/{requirement.key}/"
    response = api_for(editor).delete(url)
    assert response.status_code == 409
    assert "commentaires : 1" in response.json()["detail"].lower()
    requirement.refresh_from_db()
    assert requirement.history.filter(history_type="-").count() == 0
