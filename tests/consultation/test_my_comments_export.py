"""A contributor downloads their own comments (XLSX or CSV) at any time: every status, with the answers."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from consultation.models import Answer, Comment

from .synthesis_data import consultation_world, many_comments

pytestmark = pytest.mark.django_db

HEADERS = [
    "N°", "Exigence / chapitre", "Nature", "Statut", "Motif du masquage", "Déposé le", "Modifié le",
    "Commentaire", "Rédaction proposée", "Décision", "Réponse de l'ANS", "Répondu le",
]


@pytest.fixture
def my_comments_setup(db, editor):
    world = consultation_world(closed=False)
    world.mine = [
        world.comment(requirement=world.mss1, body="Ma question sur TLS.", kind=Comment.Kind.QUESTION),
        world.comment(requirement=world.mss2, body="Mon texte retiré.", status=Comment.Status.WITHDRAWN),
        world.comment(body="Mon texte masqué.", status=Comment.Status.HIDDEN, hidden_reason="Hors sujet"),
        world.comment(section=world.directory, body="=SUM(A1:A9)", proposed_wording="+33 1 23 45 67 89"),
    ]
    world.theirs = world.comment(author=world.author_b, requirement=world.mss1, body="Le commentaire d'un autre.")
    world.answer(world.mine[0], decision=Answer.Decision.ACCEPTED, body="Oui, TLS 1.3.", by=editor)
    world.answer(world.theirs, decision=Answer.Decision.REJECTED, body="Réponse à l'autre.", by=editor)
    return world


def url(name, world):
    return reverse(f"consultation:{name}", kwargs={"pk": world.consultation.pk})


def xlsx_rows(response):
    return [[cell.value for cell in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]


def csv_rows(response):
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("name", ["my_comments_xlsx", "my_comments_csv"])
def test_anonymous_visitors_are_refused(anonymous, my_comments_setup, name):
    assert anonymous.get(url(name, my_comments_setup)).status_code == 403


def test_the_xlsx_holds_my_comments_in_every_status_with_their_answers(client_for, my_comments_setup):
    world = my_comments_setup
    response = client_for(world.author_a).get(url("my_comments_xlsx", world))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "_mes_commentaires_" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    rows = xlsx_rows(response)
    assert rows[0] == HEADERS
    # Document order: MSS 1 (chapter 1.1), chapter « Annuaire », MSS 2, then the whole version.
    assert [row[0] for row in rows[1:]] == [world.mine[0].pk, world.mine[3].pk, world.mine[1].pk, world.mine[2].pk]
    by_id = {row[0]: row for row in rows[1:]}
    question = by_id[world.mine[0].pk]
    assert question[1:4] == ["MSS 1", "Question", "Déposé"]
    assert question[7] == "Ma question sur TLS." and question[9:11] == ["Acceptée", "Oui, TLS 1.3."]
    assert question[5] is not None and question[11] is not None  # dates
    withdrawn, hidden = by_id[world.mine[1].pk], by_id[world.mine[2].pk]
    assert withdrawn[3] == "Retiré par son auteur" and withdrawn[7] == "Mon texte retiré."
    assert hidden[3] == "Masqué par l'ANS" and hidden[4] == "Hors sujet" and hidden[7] == "Mon texte masqué."
    assert hidden[1] == "Version entière" and by_id[world.mine[3].pk][1] == "Annuaire"
    formula = by_id[world.mine[3].pk]
    assert formula[7] == "=SUM(A1:A9)"  # kept exactly, as text
    flat = repr(rows)
    assert "Le commentaire d'un autre." not in flat and "Réponse à l'autre." not in flat


def test_the_csv_holds_only_my_comments_with_formulas_neutralised(client_for, my_comments_setup):
    world = my_comments_setup
    response = client_for(world.author_b).get(url("my_comments_csv", world))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    assert rows[0] == HEADERS
    assert [row[0] for row in rows[1:]] == [str(world.theirs.pk)]
    assert rows[1][7] == "Le commentaire d'un autre." and rows[1][9:11] == ["Refusée", "Réponse à l'autre."]

    mine = csv_rows(client_for(world.author_a).get(url("my_comments_csv", world)))
    formula = next(row for row in mine if row[0] == str(world.mine[3].pk))
    assert formula[7] == "'=SUM(A1:A9)" and formula[8] == "'+33 1 23 45 67 89"


def test_a_user_without_comments_gets_the_headers_only(client_for, editor, my_comments_setup):
    rows = xlsx_rows(client_for(editor).get(url("my_comments_xlsx", my_comments_setup)))
    assert rows == [HEADERS]


def test_the_export_is_available_after_the_consultation_closes(client_for, editor):
    world = consultation_world(closed=True)
    world.comment(requirement=world.mss1, body="Déposé avant la clôture.")
    rows = csv_rows(client_for(world.author_a).get(url("my_comments_csv", world)))
    assert [row[7] for row in rows[1:]] == ["Déposé avant la clôture."]


def test_an_unknown_consultation_is_not_found(client_for, my_comments_setup):
    response = client_for(my_comments_setup.author_a).get(reverse("consultation:my_comments_xlsx", kwargs={"pk": 999999}))
    assert response.status_code == 404


def test_the_export_runs_the_same_queries_for_10_or_100_comments(client_for, editor):
    world = consultation_world()
    client = client_for(world.author_a)
    many_comments(world, 10, by=editor)
    client.get(url("my_comments_xlsx", world))  # the session is loaded once
    with CaptureQueriesContext(connection) as few:
        client.get(url("my_comments_xlsx", world))
    many_comments(world, 90, by=editor)
    with CaptureQueriesContext(connection) as many:
        assert len(xlsx_rows(client.get(url("my_comments_xlsx", world)))) == 51
    # + the user's groups: every signed-in request asks whether they are an editor (accounts.mfa).
    assert len(many) == len(few) <= 6


def test_the_consultation_page_links_a_contributor_to_their_exports(client_for, my_comments_setup):
    world = my_comments_setup
    page = client_for(world.author_a).get(world.consultation.get_absolute_url()).content.decode()
    assert url("my_comments_xlsx", world) in page
    assert url("my_comments_csv", world) in page
