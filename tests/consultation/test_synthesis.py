"""The consultation synthesis: published by an editor, then read by all as a page, a PDF, a CSV and an XLSX.
Comments are attributed to their organisation's kind unless it agreed to be named, never to their author;
withdrawn and hidden ones are counted and listed without their text."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from consultation.models import Answer, Comment, Consultation
from consultation.queries import synthesis_groups, synthesis_rows, synthesis_summary

from .synthesis_data import AUTHOR_A, AUTHOR_B, OPERATOR_NAME, VENDOR_NAME, consultation_world, many_comments

pytestmark = pytest.mark.django_db

HIDDEN_TEXT = "Texte injurieux à ne jamais publier"
WITHDRAWN_TEXT = "Texte retiré par son auteur"
INJECTION = '=HYPERLINK("http://evil.example","clic")'
PERSONAL = [AUTHOR_A["username"], AUTHOR_A["email"], AUTHOR_A["last_name"], AUTHOR_B["username"], AUTHOR_B["email"], AUTHOR_B["last_name"]]


@pytest.fixture
def synthesis_setup(db, editor):
    world = consultation_world()
    world.question = world.comment(requirement=world.mss1, body="Faut-il imposer TLS 1.3 ?", kind=Comment.Kind.QUESTION)
    world.proposal = world.comment(
        author=world.author_b, requirement=world.mss2, body="Préciser l'annuaire.", kind=Comment.Kind.PROPOSAL,
        proposed_wording="L'opérateur DOIT publier ses BAL dans l'annuaire.",
    )
    world.general = world.comment(author=world.author_b, body=INJECTION)
    world.hidden = world.comment(requirement=world.mss1, body=HIDDEN_TEXT, status=Comment.Status.HIDDEN, hidden_reason="Injurieux")
    world.withdrawn = world.comment(requirement=world.mss2, body=WITHDRAWN_TEXT, status=Comment.Status.WITHDRAWN)
    world.answer(world.question, decision=Answer.Decision.ACCEPTED, body="Oui, TLS 1.3 au 1er janvier 2026.", by=editor)
    world.answer(world.proposal, decision=Answer.Decision.PARTLY_ACCEPTED, body="Rédaction reprise en partie.", by=editor, carried_by=world.mss2)
    # An answer to a hidden comment is not published either: it may quote what was hidden.
    world.answer(world.hidden, decision=Answer.Decision.REJECTED, body="Réponse au texte masqué", by=editor)
    return world


def publish(world):
    Consultation.objects.filter(pk=world.consultation.pk).update(synthesis_published_at=timezone.now(), synthesis_intro="Merci à **tous** les contributeurs.")
    world.consultation.refresh_from_db()


def url(name, world):
    return reverse(f"consultation:{name}", kwargs={"pk": world.consultation.pk})


def pdf_content(response) -> bytes:
    """The PDF a response serves from its stored file."""
    return b"".join(response.streaming_content)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def csv_rows(response):
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def xlsx_rows(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


DOWNLOADS = ["synthesis", "synthesis_pdf", "synthesis_xlsx", "synthesis_csv"]


# Publication and visibility ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "contributor"])
def test_the_synthesis_is_not_found_before_publication_except_by_editors(client_for, synthesis_setup, who):
    world = synthesis_setup
    client = client_for(None if who == "anonymous" else world.author_a)
    for name in DOWNLOADS:
        assert client.get(url(name, world)).status_code == 404, name


def test_an_unpublished_synthesis_says_it_is_not_published_yet(anonymous, synthesis_setup):
    world = synthesis_setup
    response = anonymous.get(url("synthesis", world))
    assert response.status_code == 404
    html = response.content.decode()
    assert "Synthèse pas encore publiée" in html
    assert world.consultation.get_absolute_url() in html
    assert HIDDEN_TEXT not in html and "Faut-il imposer TLS 1.3" not in html
    listing = anonymous.get(reverse("consultation:consultation_list")).content.decode()
    assert "pas encore publiée" in listing


def test_editors_preview_the_unpublished_synthesis_with_a_banner_and_a_publish_button(client_for, editor, synthesis_setup):
    world = synthesis_setup
    response = client_for(editor).get(url("synthesis", world))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    assert "Aperçu\u202f: cette synthèse n’est pas publiée" in html
    assert f'action="{url("synthesis_publish", world)}"' in html
    assert url("register_xlsx", world) in html and url("register_import", world) in html
    assert client_for(editor).get(url("synthesis_pdf", world)).status_code == 200


def test_an_editor_publishes_the_synthesis_with_its_introduction(client_for, editor, anonymous, synthesis_setup):
    world = synthesis_setup
    response = client_for(editor).post(url("synthesis_publish", world), {"intro": "  La concertation a reçu **5** commentaires.  "})
    assert response.status_code == 302 and response["Location"] == url("synthesis", world)
    world.consultation.refresh_from_db()
    assert world.consultation.synthesis_is_published
    assert world.consultation.synthesis_intro == "La concertation a reçu **5** commentaires."
    history = world.consultation.history.first()
    assert history.history_change_reason == "Publication de la synthèse" and history.history_user == editor
    html = anonymous.get(url("synthesis", world)).content.decode()
    assert "La concertation a reçu <strong>5</strong> commentaires." in html
    assert "Aperçu" not in html and "Publier la synthèse" not in html
    for name in DOWNLOADS:
        assert anonymous.get(url(name, world)).status_code == 200, name


def test_the_synthesis_cannot_be_published_while_the_consultation_is_open(client_for, editor):
    world = consultation_world(closed=False)
    response = client_for(editor).post(url("synthesis_publish", world), {"intro": "Trop tôt."}, follow=True)
    assert "qu’après la clôture" in response.content.decode()
    world.consultation.refresh_from_db()
    assert not world.consultation.synthesis_is_published and world.consultation.synthesis_intro == ""
    assert "Publier la synthèse" not in response.content.decode()  # the page explains when instead


@pytest.mark.parametrize("who", ["anonymous", "contributor"])
def test_only_editors_publish_the_synthesis(client_for, synthesis_setup, who):
    world = synthesis_setup
    client = client_for(None if who == "anonymous" else world.author_a)
    history = world.consultation.history.count()
    assert client.post(url("synthesis_publish", world), {"intro": "Piratage"}).status_code == 403
    world.consultation.refresh_from_db()
    assert not world.consultation.synthesis_is_published and world.consultation.synthesis_intro == ""
    assert world.consultation.history.count() == history


# What the synthesis shows -----------------------------------------------------------------------


def test_comments_are_grouped_by_what_they_comment_in_document_order(synthesis_setup):
    world = synthesis_setup
    on_chapter = world.comment(section=world.directory, body="Le chapitre Annuaire est trop court.")
    groups = synthesis_groups(synthesis_rows(world.consultation))
    assert [(g.target, g.chapter) for g in groups] == [("MSS 1", "1.1"), ("Annuaire", "2"), ("MSS 2", "2"), ("Version entière", "")]
    assert [row.comment_id for row in groups[0].rows] == [world.question.pk, world.hidden.pk]
    assert [row.comment_id for row in groups[1].rows] == [on_chapter.pk]


def test_an_organisation_is_named_only_if_it_agreed(synthesis_setup):
    world = synthesis_setup
    rows = {row.comment_id: row for row in synthesis_rows(world.consultation)}
    assert rows[world.question.pk].attribution == "Un opérateur"
    assert rows[world.proposal.pk].attribution == VENDOR_NAME


def test_the_counts_cover_statuses_decisions_and_organisation_kinds(synthesis_setup):
    summary = synthesis_summary(synthesis_rows(synthesis_setup.consultation))
    assert (summary.total, summary.published, summary.withdrawn, summary.hidden) == (5, 3, 1, 1)
    decisions = dict(summary.by_decision)
    assert decisions["Acceptée"] == 1 and decisions["Partiellement acceptée"] == 1 and decisions["Refusée"] == 0
    assert summary.unanswered == 1
    assert summary.by_organisation_kind == [("Opérateur MSSanté", 1), ("Éditeur de logiciel", 2)]


def test_the_page_shows_answers_counts_and_attributions_never_authors(anonymous, synthesis_setup):
    world = synthesis_setup
    publish(world)
    html = anonymous.get(url("synthesis", world)).content.decode()
    assert "Faut-il imposer TLS 1.3\u202f?" in html and "Oui, TLS 1.3 au 1er janvier 2026." in html
    assert "Un opérateur" in html and VENDOR_NAME in html and OPERATOR_NAME not in html
    assert "Partiellement acceptée" in html and "Reprise dans\u202f: MSS 2" in html
    assert "Opérateur MSSanté" in html and "Éditeur de logiciel" in html  # counts per kind
    assert html.index('id="exigence-%s"' % world.mss1.pk) < html.index('id="exigence-%s"' % world.mss2.pk) < html.index('id="version-entiere"')
    for personal in PERSONAL:
        assert personal not in html, personal


def test_hidden_and_withdrawn_comments_are_listed_and_counted_without_their_text(anonymous, synthesis_setup):
    world = synthesis_setup
    publish(world)
    html = anonymous.get(url("synthesis", world)).content.decode()
    assert f'id="commentaire-{world.hidden.pk}"' in html and f'id="commentaire-{world.withdrawn.pk}"' in html
    assert "Masqué par l’ANS" in html and "Retiré par son auteur" in html
    assert HIDDEN_TEXT not in html and WITHDRAWN_TEXT not in html and "Réponse au texte masqué" not in html
    assert "Injurieux" not in html  # the reason for hiding is the editors' business

    text = pdf_text(pdf_content(anonymous.get(url("synthesis_pdf", world))))
    assert "Masqué par l’ANS" in text and "Retiré par son auteur" in text
    assert HIDDEN_TEXT not in text and WITHDRAWN_TEXT not in text and "Réponse au texte masqué" not in text

    for rows in (csv_rows(anonymous.get(url("synthesis_csv", world))), xlsx_rows(anonymous.get(url("synthesis_xlsx", world)))):
        by_id = {str(row[0]): row for row in rows[1:]}
        assert len(by_id) == 5
        hidden, withdrawn = by_id[str(world.hidden.pk)], by_id[str(world.withdrawn.pk)]
        assert hidden[1] == "MSS 1" and hidden[4] == "Masqué par l'ANS"
        assert withdrawn[1] == "MSS 2" and withdrawn[4] == "Retiré par son auteur"
        for row in (hidden, withdrawn):
            assert [cell for cell in row[5:] if cell] == [], row  # no attribution, text, decision or answer
        flat = repr(rows)
        assert HIDDEN_TEXT not in flat and WITHDRAWN_TEXT not in flat and "Réponse au texte masqué" not in flat


def test_the_spreadsheets_hold_every_comment_with_its_answer_attributed_to_its_kind(anonymous, synthesis_setup):
    world = synthesis_setup
    publish(world)
    header = ["N°", "Exigence / chapitre", "Intitulé", "Nature", "Statut", "Contributeur", "Commentaire",
              "Rédaction proposée", "Décision", "Réponse de l'ANS", "Reprise dans"]
    csv_response = anonymous.get(url("synthesis_csv", world))
    xlsx_response = anonymous.get(url("synthesis_xlsx", world))
    assert 'filename="ANS_' in csv_response["Content-Disposition"] and "_synthese.csv" in csv_response["Content-Disposition"]
    assert xlsx_response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    for rows in (csv_rows(csv_response), xlsx_rows(xlsx_response)):
        assert rows[0] == header
        assert [str(row[1]) for row in rows[1:]] == ["MSS 1", "MSS 1", "MSS 2", "MSS 2", "Version entière"]
        question = rows[1]
        assert question[3:7] == ["Question", "Déposé", "Un opérateur", "Faut-il imposer TLS 1.3 ?"]
        assert question[8:10] == ["Acceptée", "Oui, TLS 1.3 au 1er janvier 2026."]
        proposal = rows[3]
        assert proposal[5] == VENDOR_NAME and proposal[7] == "L'opérateur DOIT publier ses BAL dans l'annuaire."
        flat = repr(rows)
        assert OPERATOR_NAME not in flat
        for personal in PERSONAL:
            assert personal not in flat, personal


def test_a_formula_typed_by_a_contributor_never_runs_in_a_spreadsheet(anonymous, synthesis_setup):
    world = synthesis_setup
    publish(world)
    general = csv_rows(anonymous.get(url("synthesis_csv", world)))[-1]
    assert general[6] == "'" + INJECTION
    sheet = load_workbook(io.BytesIO(anonymous.get(url("synthesis_xlsx", world)).content)).active
    cell = sheet.cell(row=sheet.max_row, column=7)
    assert cell.value == INJECTION and cell.data_type == "s"


def test_the_pdf_prints_requirements_answers_and_counts_with_page_numbers(anonymous, synthesis_setup):
    world = synthesis_setup
    publish(world)
    response = anonymous.get(url("synthesis_pdf", world))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "_synthese.pdf" in response["Content-Disposition"]
    content = pdf_content(response)
    reader = PdfReader(io.BytesIO(content))
    text = pdf_text(content)
    assert "Synthèse de la concertation" in text
    for needle in ("MSS 1", "MSS 2", "Commentaires sur la version entière", "Oui, TLS 1.3 au 1er janvier 2026.", "Rédaction reprise en partie.",
                   "Partiellement acceptée", "Un opérateur", VENDOR_NAME, "Merci à tous les contributeurs."):
        assert needle in text, needle
    assert text.index("MSS 1 —") < text.index("MSS 2 —")
    assert f"page 1 / {len(reader.pages)}" in text
    assert "PROJET" not in text
    assert reader.metadata.title.startswith("Synthèse de la concertation")
    assert OPERATOR_NAME not in text
    for personal in PERSONAL:
        assert personal not in text, personal


def test_the_preview_pdf_is_marked_as_a_draft(client_for, editor, synthesis_setup):
    text = pdf_text(pdf_content(client_for(editor).get(url("synthesis_pdf", synthesis_setup))))
    assert "PROJET — synthèse non publiée" in text and "non publiée — document de travail" in text


def test_the_synthesis_of_a_consultation_without_comments_says_so(anonymous, db):
    world = consultation_world()
    publish(world)
    assert "Aucun commentaire n’a été déposé" in anonymous.get(url("synthesis", world)).content.decode()
    assert "Aucun commentaire n’a été déposé" in pdf_text(pdf_content(anonymous.get(url("synthesis_pdf", world))))


# Queries ----------------------------------------------------------------------------------------


def test_synthesis_rows_runs_the_same_queries_for_10_or_100_comments(editor, django_assert_num_queries):
    world = consultation_world()
    many_comments(world, 10, by=editor)
    consultation = Consultation.objects.select_related("version__referential").get(pk=world.consultation.pk)
    with django_assert_num_queries(2):
        assert len(synthesis_rows(consultation)) == 10
    many_comments(world, 90, by=editor)
    with django_assert_num_queries(2):
        rows = synthesis_rows(consultation)
    assert len(rows) == 100 and sum(1 for row in rows if not row.is_visible) == 20


@pytest.mark.parametrize("name", DOWNLOADS)
def test_the_page_and_downloads_run_the_same_queries_for_10_or_100_comments(anonymous, editor, name):
    world = consultation_world()
    publish(world)
    many_comments(world, 10, by=editor)
    with CaptureQueriesContext(connection) as few:
        assert anonymous.get(url(name, world)).status_code == 200
    many_comments(world, 90, by=editor)
    with CaptureQueriesContext(connection) as many:
        assert anonymous.get(url(name, world)).status_code == 200
    if name == "synthesis_pdf":
        # Laid out once per content (core.documents): its stored row is also created, locked, read
        # again after the layout (on SQLite the layout runs outside the write transaction) and written.
        assert len(many) <= len(few) <= 14, [q["sql"] for q in few.captured_queries]
    else:
        assert len(many) == len(few) <= 4, [q["sql"] for q in many.captured_queries]


def test_the_window_dates_are_shown_in_paris_time(anonymous, synthesis_setup):
    world = synthesis_setup
    # 23:30 UTC on 31 January is already 1 February in Paris (UTC+1 in winter).
    Consultation.objects.filter(pk=world.consultation.pk).update(
        closes_at=datetime(2025, 1, 31, 23, 30, tzinfo=UTC),
        opens_at=datetime(2025, 1, 1, 8, 0, tzinfo=UTC),
    )
    publish(world)
    # The first of a month is written « 1er » in French.
    assert "au 1er février 2025" in anonymous.get(url("synthesis", world)).content.decode()
