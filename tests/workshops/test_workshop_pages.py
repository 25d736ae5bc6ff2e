"""Public pages of workshop minutes: list, detail with its nature filter, drafts, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ReferentialFactory, RequirementFactory, VersionFactory, freeze
from workshops.models import Workshop

from .factories import RidaItemFactory, WorkshopFactory, full_workshop, seed_workshop

pytestmark = pytest.mark.django_db


def detail_url(workshop, **query):
    url = reverse("workshops:workshop_detail", kwargs={"pk": workshop.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_minutes_page_lays_out_header_participants_agenda_and_rida(anonymous):
    workshop = seed_workshop()
    response = anonymous.get(detail_url(workshop))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "TF MSSanté – Atelier technique #4",
        "11 mars 2022",
        "Mathieu SLOSAR",
        "Samy ABDICHE",
        "Support de présentation «\u202fMSS_TF_MSS_Atelier_4_20220311\u202f»",
        "Architecte solution en appui aux équipes techniques MSSanté de l’ANS",
        "Focus sur certaines exigences ou principes",
        "Qualité des BAL publiées dans l’annuaire",
        "API LPS - Contenu/scope Accesstoken",
        "ANS\u202f: Question soumise aux équipes PSC.",
        "Relevé d’informations, de décisions et d’actions (RIDA)",
    ):
        assert text in html, text
    assert html.count('id="rida-') == 13
    assert "IV." in html  # the agenda is numbered like the minutes


def test_the_nature_filter_keeps_only_the_actions(anonymous):
    workshop = seed_workshop()
    html = anonymous.get(detail_url(workshop, nature="A")).content.decode()
    assert html.count('id="rida-') == 2
    assert 'id="rida-2"' in html and 'id="rida-10"' in html
    assert "Tous (13)" in html and "Action (2)" in html


def test_an_unknown_nature_shows_every_item(anonymous):
    workshop = seed_workshop()
    html = anonymous.get(detail_url(workshop, nature="Z")).content.decode()
    assert html.count('id="rida-') == 13


def test_requirement_links_point_to_the_requirement_in_the_published_version(anonymous):
    workshop = seed_workshop()
    referential = workshop.referentials.get()
    version = VersionFactory(referential=referential, number="1.0")
    RequirementFactory(version=version, key="MSS 17")
    freeze(version)
    html = anonymous.get(detail_url(workshop)).content.decode()
    url = reverse("referential:requirement_detail", kwargs={"slug": "ref1-mssante", "number": "1.0", "key": "MSS 17"})
    assert f'href="{url}"' in html
    assert "MSS 19" in html  # no public version carries it: shown without a link


def test_drafts_are_hidden_from_the_public(anonymous, client_for, contributor_a, editor):
    draft = WorkshopFactory(status=Workshop.Status.DRAFT, title="Brouillon secret")
    assert anonymous.get(detail_url(draft)).status_code == 404
    assert client_for(contributor_a).get(detail_url(draft)).status_code == 404
    assert "Brouillon secret" not in anonymous.get(reverse("workshops:workshop_list")).content.decode()
    for name in ("workshop_pdf", "rida_csv", "rida_xlsx"):
        assert anonymous.get(reverse(f"workshops:{name}", kwargs={"pk": draft.pk})).status_code == 404


def test_editors_see_drafts(client_for, editor):
    draft = WorkshopFactory(status=Workshop.Status.DRAFT, title="Brouillon de l'atelier #5")
    client = client_for(editor)
    assert "Brouillon de l" in client.get(reverse("workshops:workshop_list")).content.decode()
    response = client.get(detail_url(draft))
    assert response.status_code == 200
    assert "non visible du public" in response.content.decode()


def test_the_list_shows_counts_of_items_and_open_actions(anonymous):
    seed_workshop()
    html = anonymous.get(reverse("workshops:workshop_list")).content.decode()
    assert "TF MSSanté – Atelier technique #4" in html
    assert "<td>13</td>" in html and "<td>2</td>" in html


def test_publishing_from_the_page_is_for_editors_only(client_for, contributor_a, anonymous, editor):
    draft = WorkshopFactory(status=Workshop.Status.DRAFT)
    url = reverse("workshops:workshop_publish", kwargs={"pk": draft.pk})
    assert client_for(contributor_a).post(url).status_code == 403
    assert anonymous.post(url).status_code == 403
    assert Workshop.objects.get().status == "draft"
    assert client_for(editor).post(url).status_code == 302
    assert Workshop.objects.get().status == "published"


def _queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


@pytest.mark.parametrize("persona", ["anonymous", "editor"])
def test_the_page_runs_the_same_queries_for_5_and_100_items(persona, client_for, editor):
    client = client_for(editor if persona == "editor" else None)
    referential = ReferentialFactory()
    version = VersionFactory(referential=referential, number="1.0")
    for n in range(1, 8):
        RequirementFactory(version=version, key=f"MSS {n}")
    freeze(version)
    small = full_workshop(5, referential=referential, number=1)
    large = full_workshop(100, referential=referential, number=2)
    _queries_for(client, detail_url(small))  # warm-up: session, content types
    assert _queries_for(client, detail_url(small)) == _queries_for(client, detail_url(large))
    list_url = reverse("workshops:workshop_list")
    before = _queries_for(client, list_url)
    for number in range(3, 13):
        full_workshop(3, referential=referential, number=number)
    assert _queries_for(client, list_url) == before


def test_the_page_query_count_is_pinned(anonymous):
    workshop = full_workshop(5, referential=ReferentialFactory())
    RidaItemFactory(workshop=workshop, number=99, nature="A")
    with CaptureQueriesContext(connection) as context:
        anonymous.get(detail_url(workshop))
    # workshop, counts by nature, referentials, documents, participants, agenda, items, links, and the
    # resolution of the links: the referentials' versions and requirements (lineage), then the targets
    assert len(context) == 10


def test_overdue_actions_stand_out_for_editors_only(anonymous, client_for, editor):
    import datetime

    item = RidaItemFactory(nature="A", due_on=datetime.date(2022, 6, 30))
    url = detail_url(item.workshop)
    assert 'class="rida-row--overdue"' in client_for(editor).get(url).content.decode()
    html = anonymous.get(url).content.decode()
    assert "rida-row--overdue" not in html and "En retard" not in html
    assert "30/06/2022" in html
