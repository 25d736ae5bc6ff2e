"""The read-only API of workshops (DESIGN §4): published minutes only, nested parts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ReferentialFactory, RequirementFactory, VersionFactory, freeze
from workshops.models import Workshop

from .factories import WorkshopFactory, full_workshop, seed_workshop

pytestmark = pytest.mark.django_db

LIST = "/api/v1/workshops/"


def detail(workshop):
    return f"/api/v1/workshops/{workshop.pk}/"


def test_the_list_serves_published_workshops_only(api_for, editor):
    seed = seed_workshop()
    WorkshopFactory(status=Workshop.Status.DRAFT)
    for client in (api_for(None), api_for(editor)):
        body = client.get(LIST).json()
        assert body["count"] == 1
        entry = body["results"][0]
        assert (entry["id"], entry["number"], entry["rida_item_count"], entry["open_action_count"]) == (seed.pk, 4, 13, 2)
        assert entry["url"].endswith(detail(seed))
        assert entry["referentials"] == [{"slug": "ref1-mssante", "code": "Ref#1", "title": "Référentiel socle MSSanté #1 – Opérateurs"}]


def test_the_detail_nests_documents_agenda_participants_and_rida_items(api_for):
    workshop = seed_workshop()
    version = VersionFactory(referential=workshop.referentials.get(), number="1.0")
    RequirementFactory(version=version, key="MSS 17")
    freeze(version)
    body = api_for(None).get(detail(workshop)).json()
    assert body["title"] == "TF MSSanté – Atelier technique #4"
    assert body["held_on"] == "2022-03-11"
    assert body["documents"] == [{"title": "Support de présentation", "reference": "MSS_TF_MSS_Atelier_4_20220311"}]
    assert body["agenda"][1] == {
        "label": "API LPS",
        "subpoints": ["Protocole d'authentification pour transmettre l'Access Token", "Moyen de test et de contrôle mis à disposition"],
    }
    assert [p["last_name"] for p in body["participants"]] == ["BRIS", "GUEYE", "SLOSAR", "DANGIN"]
    items = body["rida_items"]
    assert [i["number"] for i in items] == list(range(1, 14))
    assert items[1]["action"] == {"owner": "ANS", "due_on": None, "status": "open", "status_label": "Ouverte", "closing_note": ""}
    assert items[0]["action"] is None
    assert items[0]["question_html"].startswith("<p>Un opérateur indique")
    assert items[10]["requirements"][0]["referential"] == "ref1-mssante"
    assert items[10]["requirements"][0]["key"] == "MSS 17"
    assert items[10]["requirements"][0]["requirement_url"].endswith("/api/v1/referentials/ref1-mssante/versions/1.0/requirements/MSS%2017/")
    assert items[11]["requirements"][0]["requirement_url"] is None


def test_a_draft_is_not_served_even_to_editors(api_for, editor):
    draft = WorkshopFactory(status=Workshop.Status.DRAFT)
    assert api_for(None).get(detail(draft)).status_code == 404
    assert api_for(editor).get(detail(draft)).status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only_for_everyone(api_for, editor, method):
    workshop = seed_workshop()
    for url in (LIST, detail(workshop)):
        assert getattr(api_for(editor), method)(url, {"title": "x"}, format="json").status_code == 405
    assert Workshop.objects.get().title == "TF MSSanté – Atelier technique #4"


def test_the_detail_runs_the_same_queries_for_5_and_100_items(api_for):
    referential = ReferentialFactory()
    small, large = full_workshop(5, referential=referential, number=1), full_workshop(100, referential=referential, number=2)
    client = api_for(None)
    counts = []
    for workshop in (small, large):
        with CaptureQueriesContext(connection) as context:
            assert client.get(detail(workshop)).status_code == 200
        counts.append(len(context))
    assert counts[0] == counts[1]


def test_the_workshop_api_generates_its_schema_without_warnings(api_for):
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    paths = api_for(None).get("/api/schema/", {"format": "json"}).json()["paths"]
    assert {"/api/v1/workshops/", "/api/v1/workshops/{id}/"} <= set(paths)
    ours = [m for m in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache] if "consultation/" in m or "kind" in m]
    assert ours == []
