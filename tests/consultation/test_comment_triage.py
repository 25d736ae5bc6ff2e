"""The editors' triage of comments: assignment to an editor, internal notes that never leave the
editors' dashboard, the « mine / unassigned / unanswered » filters, and answers in bulk (one answer
record and one e-mail per comment). Editors only."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from consultation import queries, services
from consultation.models import Answer, Comment, InternalNote
from core.errors import PermissionRefused
from core.typography import french_text
from tests.factories import editor_user, filled_version

from .conftest import close, comment_by

pytestmark = pytest.mark.django_db

SECRET = "Note-confidentielle-7Q2 : attendre l'avis du juridique"


def dashboard_url(consultation):
    return reverse("consultation:consultation_dashboard", kwargs={"pk": consultation.pk})


def shown(client, consultation, **filters) -> set[int]:
    response = client.get(dashboard_url(consultation), filters)
    assert response.status_code == 200
    return {comment.pk for comment in response.context["comments"]}


@pytest.fixture
def colleague(db):
    return editor_user(username="redacteur2", first_name="Paul", last_name="Durand")


# Assignment -----------------------------------------------------------------------------------------


def test_an_editor_assigns_a_comment_to_a_colleague_without_touching_its_dates(comment_a, editor, colleague):
    updated_at = Comment.objects.get(pk=comment_a.pk).updated_at

    services.assign_comment(comment=comment_a, assignee=colleague, by=editor)

    comment = Comment.objects.get(pk=comment_a.pk)
    assert comment.assigned_to == colleague
    assert comment.updated_at == updated_at  # authors read « modifié le »: an assignment is not their edit
    latest = comment.history.latest()
    assert latest.history_change_reason == "Attribué à Paul Durand" and latest.history_user == editor


def test_taking_a_comment_back_unassigns_it(comment_a, editor):
    services.assign_comment(comment=comment_a, assignee=editor, by=editor)
    services.assign_comment(comment=comment_a, assignee=None, by=editor)

    comment = Comment.objects.get(pk=comment_a.pk)
    assert comment.assigned_to is None
    assert comment.history.latest().history_change_reason == "Attribution retirée"


def test_a_comment_is_assigned_to_editors_only(comment_a, editor, contributor_b):
    with pytest.raises(ValidationError) as error:
        services.assign_comment(comment=comment_a, assignee=contributor_b, by=editor)
    assert "assignee" in error.value.message_dict
    assert Comment.objects.get(pk=comment_a.pk).assigned_to is None


@pytest.mark.parametrize("who", ["contributor_a", "contributor_b"])
def test_contributors_cannot_assign_nor_note(comment_a, editor, who, request):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionRefused):
        services.assign_comment(comment=comment_a, assignee=editor, by=user)
    with pytest.raises(PermissionRefused):
        services.add_internal_note(comment=comment_a, text="Je me note.", by=user)
    assert Comment.objects.get(pk=comment_a.pk).assigned_to is None
    assert not InternalNote.objects.exists()


@pytest.mark.parametrize("who", [None, "contributor_a", "contributor_b"])
def test_the_triage_pages_refuse_everyone_but_editors(comment_a, editor, client_for, who, request):
    user = request.getfixturevalue(who) if who else None
    client = client_for(user)
    consultation = comment_a.consultation

    assign = client.post(reverse("consultation:comment_assign", kwargs={"pk": comment_a.pk}), {"assignee": editor.pk})
    note = client.post(reverse("consultation:comment_note", kwargs={"pk": comment_a.pk}), {"text": "Note."})
    bulk = client.post(
        reverse("consultation:comments_bulk_answer", kwargs={"pk": consultation.pk}),
        {"comments": [comment_a.pk], "decision": "accepted", "body": "Oui."},
    )

    assert (assign.status_code, note.status_code, bulk.status_code) == (403, 403, 403)
    assert Comment.objects.get(pk=comment_a.pk).assigned_to is None
    assert not InternalNote.objects.exists() and not Answer.objects.exists()


def test_an_editor_assigns_and_unassigns_from_the_dashboard(comment_a, editor, colleague, client_for):
    client = client_for(editor)
    url = reverse("consultation:comment_assign", kwargs={"pk": comment_a.pk})

    response = client.post(url, {"assignee": colleague.pk, "next": dashboard_url(comment_a.consultation)})
    assert response.status_code == 302 and response["Location"].endswith(f"#commentaire-{comment_a.pk}")
    assert Comment.objects.get(pk=comment_a.pk).assigned_to == colleague

    client.post(url, {"assignee": ""})
    assert Comment.objects.get(pk=comment_a.pk).assigned_to is None


def test_assigning_to_an_unknown_or_non_editor_user_says_so(comment_a, editor, contributor_b, client_for):
    client = client_for(editor)
    url = reverse("consultation:comment_assign", kwargs={"pk": comment_a.pk})

    unknown = client.post(url, {"assignee": 999999}, follow=True).content.decode()
    not_editor = client.post(url, {"assignee": contributor_b.pk}, follow=True).content.decode()

    assert french_text("Cette personne n'existe pas.") in unknown
    assert french_text("Un commentaire ne peut être attribué qu'à un rédacteur de l'ANS.") in not_editor
    assert Comment.objects.get(pk=comment_a.pk).assigned_to is None


def test_the_dashboard_offers_every_editor_and_shows_the_assignee(comment_a, editor, colleague, client_for):
    services.assign_comment(comment=comment_a, assignee=colleague, by=editor)
    html = client_for(editor).get(dashboard_url(comment_a.consultation)).content.decode()

    assert f'<option value="{colleague.pk}" selected>Paul Durand</option>' in html
    assert f'<option value="{editor.pk}">Claire Martin</option>' in html


# Internal notes -------------------------------------------------------------------------------------


def test_an_editor_adds_a_note_that_the_dashboard_shows_to_editors(comment_a, editor, colleague, client_for):
    response = client_for(editor).post(reverse("consultation:comment_note", kwargs={"pk": comment_a.pk}), {"text": SECRET})
    assert response.status_code == 302

    note = InternalNote.objects.get()
    assert (note.comment_id, note.author, note.text) == (comment_a.pk, editor, SECRET)
    html = client_for(colleague).get(dashboard_url(comment_a.consultation)).content.decode()
    assert "Note-confidentielle-7Q2" in html


def test_an_empty_note_is_refused(comment_a, editor):
    with pytest.raises(ValidationError):
        services.add_internal_note(comment=comment_a, text="  \n ", by=editor)
    assert not InternalNote.objects.exists()


@pytest.fixture
def noted(comment_a, editor, members, contributor_b, django_capture_on_commit_callbacks):
    """comment_a assigned, with an internal note, answered (its author mailed); contributor_b commented too;
    the consultation closed and its synthesis published, so every public exit is open."""
    consultation = comment_a.consultation
    comment_by(contributor_b, consultation, requirement=comment_a.requirement, body="Remarque de B.")
    services.assign_comment(comment=comment_a, assignee=editor, by=editor)
    services.add_internal_note(comment=comment_a, text=SECRET, by=editor)
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_comment(comment=comment_a, by=editor, decision="accepted", body="Oui, TLS 1.3 suffit.")
    close(consultation, editor)
    services.publish_synthesis(consultation=consultation, by=editor)
    return comment_a


def assert_no_note(content: str, where: str) -> None:
    assert "Note-confidentielle-7Q2" not in content, where
    assert "avis du juridique" not in content, where


def test_a_note_never_reaches_a_mail(noted):
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert_no_note(message.subject + message.body, "mail text")
    for content, _type in message.alternatives:
        assert_no_note(content, "mail html")


def test_a_note_never_reaches_the_register_export(noted, client_for, editor):
    response = client_for(editor).get(reverse("consultation:register_xlsx", kwargs={"pk": noted.consultation_id}))
    assert response.status_code == 200
    cells = " ".join(str(cell.value) for row in load_workbook(io.BytesIO(response.content)).active.iter_rows() for cell in row)
    assert "TLS 1.3 suffit" in cells  # the register does carry the answers
    assert_no_note(cells, "register")


@pytest.mark.parametrize("who", [None, "contributor_a", "contributor_b", "editor"])
def test_a_note_never_reaches_the_synthesis_in_any_format(noted, client_for, who, request):
    client = client_for(request.getfixturevalue(who) if who else None)
    pk = noted.consultation_id

    page = client.get(reverse("consultation:synthesis", kwargs={"pk": pk})).content.decode()
    assert "Le TLS 1.3 suffit-il" in page  # the comment itself is public now
    assert_no_note(page, "synthesis page")
    csv_text = client.get(reverse("consultation:synthesis_csv", kwargs={"pk": pk})).content.decode("utf-8-sig")
    assert_no_note(csv_text, "synthesis csv")
    workbook = load_workbook(io.BytesIO(client.get(reverse("consultation:synthesis_xlsx", kwargs={"pk": pk})).content))
    assert_no_note(" ".join(str(cell.value) for row in workbook.active.iter_rows() for cell in row), "synthesis xlsx")


def test_a_note_never_reaches_the_synthesis_pdf(noted, anonymous):
    response = anonymous.get(reverse("consultation:synthesis_pdf", kwargs={"pk": noted.consultation_id}))
    # The PDF is a stored document, streamed from its file.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(content)).pages)
    assert "TLS 1.3" in text
    assert_no_note(text, "synthesis pdf")


def test_a_note_never_reaches_the_authors_own_export(noted, client_for, contributor_a):
    client = client_for(contributor_a)
    csv_text = client.get(reverse("consultation:my_comments_csv", kwargs={"pk": noted.consultation_id})).content.decode("utf-8-sig")
    assert "Le TLS 1.3 suffit-il" in csv_text
    assert_no_note(csv_text, "my comments csv")
    workbook = load_workbook(io.BytesIO(client.get(reverse("consultation:my_comments_xlsx", kwargs={"pk": noted.consultation_id})).content))
    assert_no_note(" ".join(str(cell.value) for row in workbook.active.iter_rows() for cell in row), "my comments xlsx")


@pytest.mark.parametrize("who", [None, "contributor_a", "contributor_b", "editor"])
def test_a_note_never_reaches_the_api(noted, api_for, who, request):
    client = api_for(request.getfixturevalue(who) if who else None)
    for url in (
        f"/api/v1/consultations/{noted.consultation_id}/comments/",
        f"/api/v1/comments/{noted.pk}/",
        f"/api/v1/consultations/{noted.consultation_id}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert_no_note(content, url)
        assert "internal" not in content and "assigned" not in content, url


@pytest.mark.parametrize("who", [None, "contributor_a", "contributor_b"])
def test_a_note_never_reaches_a_public_or_contributor_page(noted, client_for, who, request):
    client = client_for(request.getfixturevalue(who) if who else None)
    requirement = noted.requirement
    for url in (
        noted.consultation.get_absolute_url(),
        requirement.get_absolute_url(),
        requirement.version.get_absolute_url(),
        reverse("consultation:consultation_list"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert_no_note(content, url)
        assert "Notes internes" not in content, url


def test_another_organisation_cannot_see_notes_even_on_the_dashboard(noted, client_for, contributor_b):
    response = client_for(contributor_b).get(dashboard_url(noted.consultation))
    assert response.status_code == 403
    assert_no_note(response.content.decode(), "dashboard refused")


# Filters --------------------------------------------------------------------------------------------


@pytest.fixture
def triaged(members, consultation, contributor_a, contributor_b, mss1, editor, colleague):
    """Four comments: mine (unanswered), mine (answered), the colleague's, and an unassigned one."""
    mine = comment_by(contributor_a, consultation, requirement=mss1, body="À moi.")
    mine_answered = comment_by(contributor_b, consultation, requirement=mss1, body="À moi, répondu.")
    theirs = comment_by(contributor_a, consultation, body="À Paul.")
    nobody = comment_by(contributor_b, consultation, body="À personne.")
    services.assign_comment(comment=mine, assignee=editor, by=editor)
    services.assign_comment(comment=mine_answered, assignee=editor, by=editor)
    services.assign_comment(comment=theirs, assignee=colleague, by=editor)
    services.answer_comment(comment=mine_answered, by=editor, decision="noted", body="Noté.")
    return consultation, {"mine": mine, "mine_answered": mine_answered, "theirs": theirs, "nobody": nobody}


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"attribution": "moi"}, {"mine", "mine_answered"}),
        ({"attribution": "personne"}, {"nobody"}),
        ({"etat": "sans-reponse"}, {"mine", "theirs", "nobody"}),
        ({"attribution": "moi", "etat": "sans-reponse"}, {"mine"}),
        ({"attribution": "moi", "exigence": "MSS 1", "decision": "noted"}, {"mine_answered"}),
        ({"attribution": "personne", "organisation": "operator"}, set()),
        ({"attribution": "n-importe-quoi"}, {"mine", "mine_answered", "theirs", "nobody"}),
    ],
)
def test_the_triage_filters_combine_with_the_others(triaged, client_for, editor, filters, expected):
    consultation, comments = triaged
    assert shown(client_for(editor), consultation, **filters) == {comments[name].pk for name in expected}


def test_mine_is_the_readers_own(triaged, client_for, colleague):
    consultation, comments = triaged
    assert shown(client_for(colleague), consultation, attribution="moi") == {comments["theirs"].pk}


def test_filtered_pages_keep_the_filter_in_their_links(triaged, client_for, editor, monkeypatch):
    monkeypatch.setattr(queries, "DASHBOARD_PAGE_SIZE", 1)
    consultation, comments = triaged
    client = client_for(editor)

    first = client.get(dashboard_url(consultation), {"attribution": "moi"})
    second = client.get(dashboard_url(consultation), {"attribution": "moi", "page": 2})

    assert first.context["page"].paginator.count == 2
    assert "?attribution=moi&amp;page=2" in first.content.decode()
    assert {c.pk for c in first.context["comments"]} | {c.pk for c in second.context["comments"]} == {
        comments["mine"].pk, comments["mine_answered"].pk,
    }


# Answers in bulk -----------------------------------------------------------------------------------


def bulk_url(consultation):
    return reverse("consultation:comments_bulk_answer", kwargs={"pk": consultation.pk})


def test_a_bulk_answer_writes_one_answer_and_one_mail_per_comment(triaged, client_for, editor, django_capture_on_commit_callbacks):
    consultation, comments = triaged
    chosen = [comments["mine"], comments["theirs"], comments["nobody"]]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor).post(
            bulk_url(consultation),
            {"comments": [c.pk for c in chosen], "decision": "rejected", "body": "Hors du périmètre de cette version.",
             "next": dashboard_url(consultation) + "?attribution=moi"},
        )

    assert response.status_code == 302 and "attribution=moi" in response["Location"]
    answers = Answer.objects.filter(comment__in=chosen)
    assert answers.count() == 3
    assert {(a.decision, a.body, a.answered_by_id) for a in answers} == {("rejected", "Hors du périmètre de cette version.", editor.pk)}
    for answer in answers:
        assert [h.history_change_reason for h in answer.history.all()] == ["Réponse de l'ANS"]
    assert sorted(message.to[0] for message in mail.outbox) == sorted(c.author.email for c in chosen)
    assert Answer.objects.get(comment=comments["mine_answered"]).decision == "noted"  # not selected: untouched


def test_a_bulk_answer_revises_an_existing_answer_as_its_own_record(triaged, editor):
    _consultation, comments = triaged
    services.answer_comments_in_bulk(comments=[comments["mine_answered"], comments["nobody"]], decision="accepted", body="Oui.", by=editor)

    revised = Answer.objects.get(comment=comments["mine_answered"])
    assert revised.decision == "accepted"
    assert [h.history_change_reason for h in revised.history.order_by("history_date")] == ["Réponse de l'ANS", "Réponse révisée"]


def test_a_bulk_answer_is_all_or_nothing(triaged, editor):
    _consultation, comments = triaged
    with pytest.raises(ValidationError):
        services.answer_comments_in_bulk(comments=[comments["mine"], comments["nobody"]], decision="accepted", body="  ", by=editor)
    with pytest.raises(ValidationError):
        services.answer_comments_in_bulk(comments=[], decision="accepted", body="Oui.", by=editor)
    assert Answer.objects.count() == 1


def test_a_bulk_answer_refuses_a_comment_of_another_consultation(triaged, client_for, editor, comment_a):
    _consultation, comments = triaged
    other = services.open_consultation(
        version=filled_version(), opens_at=timezone.now() - timedelta(days=1), closes_at=timezone.now() + timedelta(days=3), by=editor
    )
    response = client_for(editor).post(
        bulk_url(other), {"comments": [comments["mine"].pk], "decision": "accepted", "body": "Oui."}, follow=True
    )

    assert response.status_code == 200
    assert not Answer.objects.filter(comment=comments["mine"]).exists()


def test_a_bulk_answer_without_selection_says_so(triaged, client_for, editor):
    consultation, _comments = triaged
    html = client_for(editor).post(bulk_url(consultation), {"decision": "accepted", "body": "Oui."}, follow=True).content.decode()
    assert french_text("Commentaires : Sélectionnez au moins un commentaire.") in html
    assert Answer.objects.count() == 1


@pytest.mark.parametrize("who", ["contributor_a", "contributor_b"])
def test_contributors_cannot_answer_in_bulk(triaged, who, request):
    _consultation, comments = triaged
    with pytest.raises(PermissionRefused):
        services.answer_comments_in_bulk(comments=[comments["mine"]], decision="accepted", body="Oui.", by=request.getfixturevalue(who))
    assert Answer.objects.count() == 1


def test_the_dashboard_boxes_belong_to_the_bulk_form(triaged, client_for, editor):
    consultation, comments = triaged
    html = client_for(editor).get(dashboard_url(consultation)).content.decode()
    assert 'id="reponse-groupee"' in html
    assert f'name="comments" value="{comments["mine"].pk}" form="reponse-groupee"' in html


def test_the_dashboard_queries_do_not_grow_with_notes_assignments_and_drafts(members, consultation, contributor_a, mss1, client_for, editor, colleague):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from referential import services as referential_services

    referential_services.start_draft(referential=consultation.version.referential, number="9.0", source=consultation.version, by=editor)
    client = client_for(editor)
    counts = []
    for total in (3, 12):
        while Comment.objects.count() < total:
            comment = comment_by(contributor_a, consultation, requirement=mss1, proposed_wording=f"Autre {Comment.objects.count()}.")
            services.assign_comment(comment=comment, assignee=colleague, by=editor)
            services.add_internal_note(comment=comment, text="Première note.", by=editor)
            services.add_internal_note(comment=comment, text="Seconde note.", by=colleague)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(dashboard_url(consultation))
        assert response.status_code == 200
        assert all(comment.apply_to is not None for comment in response.context["comments"])
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_a_note_never_reaches_the_mail_telling_an_author_their_comment_was_hidden(comment_a, editor, django_capture_on_commit_callbacks):
    services.add_internal_note(comment=comment_a, text=SECRET, by=editor)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.hide_comment(comment=comment_a, by=editor, reason="Hors sujet.")

    assert [message.to for message in mail.outbox] == [[comment_a.author.email]]
    for message in mail.outbox:
        assert_no_note(message.subject + message.body + "".join(content for content, _type in message.alternatives), "hidden mail")

