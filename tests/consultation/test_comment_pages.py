"""The consultation pages: the list, a consultation's page, commenting from the version and requirement
pages, editing and withdrawing one's own comments; refusals are pages with 403 or 409 and the reason."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultation import services
from consultation.models import Comment, Consultation

from .conftest import close, comment_by

pytestmark = pytest.mark.django_db


def page(client, url, **params):
    response = client.get(url, params)
    return response, response.content.decode()


def create_url(consultation, **query):
    url = reverse("consultation:comment_create", kwargs={"pk": consultation.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# The list and a consultation's page -------------------------------------------------------------------


def test_the_list_shows_consultations_on_public_versions(consultation, anonymous):
    response, html = page(anonymous, reverse("consultation:consultation_list"))

    assert response.status_code == 200
    assert consultation.get_absolute_url() in html
    assert "Ouverte" in html


def test_the_consultation_page_gives_the_window_in_paris_time(editor, anonymous):
    from tests.factories import filled_version

    consultation = services.open_consultation(
        version=filled_version(),
        opens_at=timezone.now() - timedelta(days=1),
        closes_at=datetime(2040, 1, 15, 17, 0, tzinfo=UTC),
        by=editor,
    )

    _response, html = page(anonymous, consultation.get_absolute_url())

    # 17:00 UTC is 18:00 in Paris in winter.
    assert "15 janvier 2040 à 18:00" in html and "heure de Paris" in html
    assert "Il reste" in html


def test_an_anonymous_reader_is_asked_to_log_in_and_sees_no_comment(comment_a, anonymous):
    _response, html = page(anonymous, comment_a.consultation.get_absolute_url())

    assert "Connectez-vous" in html
    assert "Le TLS 1.3 suffit-il\u202f?" not in html


def test_a_contributor_sees_the_form_and_only_their_own_comments(comment_a, contributor_b, client_for):
    comment_by(contributor_b, comment_a.consultation, body="Avis de l'éditeur B.")

    _response, html_a = page(client_for(comment_a.author), comment_a.consultation.get_absolute_url())
    _response, html_b = page(client_for(contributor_b), comment_a.consultation.get_absolute_url())

    assert "Le TLS 1.3 suffit-il\u202f?" in html_a and "Avis de l’éditeur B." not in html_a
    assert "Avis de l’éditeur B." in html_b and "Le TLS 1.3 suffit-il\u202f?" not in html_b
    assert 'name="body"' in html_a and "Mes commentaires" in html_a
    assert reverse("consultation:comment_edit", kwargs={"pk": comment_a.pk}) in html_a


def test_editors_get_links_to_the_dashboard(comment_a, client_for, editor):
    _response, html = page(client_for(editor), comment_a.consultation.get_absolute_url())

    assert reverse("consultation:consultation_dashboard", kwargs={"pk": comment_a.consultation.pk}) in html
    assert "1 commentaire reçu, 1 sans réponse." in html


def test_the_public_gets_the_synthesis_link_once_it_is_published(comment_a, editor, anonymous):
    consultation = comment_a.consultation
    close(consultation, editor)
    _response, before = page(anonymous, consultation.get_absolute_url())
    services.publish_synthesis(consultation=consultation, by=editor)
    _response, after = page(anonymous, consultation.get_absolute_url())

    synthesis = f"{consultation.get_absolute_url()}synthese/"
    assert synthesis not in before
    assert synthesis in after
    assert "La concertation est close" in after


# Commenting from the version and requirement pages ---------------------------------------------------


def test_the_version_page_offers_comment_links_per_requirement_and_chapter(comment_a, client_for):
    consultation = comment_a.consultation
    version = consultation.version
    _response, html = page(client_for(comment_a.author), version.get_absolute_url())

    assert "En concertation\u202f: il reste" in html
    for requirement in version.requirements.all():
        assert create_url(consultation, exigence=requirement.pk) in html
    for section in version.sections.all():
        assert create_url(consultation, chapitre=section.pk) in html
    assert "Vous l’avez commenté une fois" in html


def test_editors_see_the_banner_but_no_comment_link(consultation, client_for, editor):
    _response, html = page(client_for(editor), consultation.version.get_absolute_url())

    assert "En concertation\u202f: il reste" in html
    assert create_url(consultation) not in html


def test_a_closed_consultation_offers_no_comment_link(comment_a, client_for, editor):
    close(comment_a.consultation, editor)
    _response, html = page(client_for(comment_a.author), comment_a.consultation.version.get_absolute_url())

    assert "Cette version a été soumise à" in html
    assert create_url(comment_a.consultation) not in html


def test_commenting_from_the_requirement_page_returns_to_it(members, consultation, mss1, contributor_a, client_for):
    client = client_for(contributor_a)
    requirement_url = mss1.get_absolute_url()
    _response, html = page(client, requirement_url)
    assert f'action="{create_url(consultation)}"' in html

    response = client.post(
        create_url(consultation),
        {"kind": "proposal", "body": "Exiger TLS 1.3.", "proposed_wording": "L'opérateur **DOIT** chiffrer en TLS 1.3.",
         "requirement": mss1.pk, "next": f"{requirement_url}#concertations-exigence"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{requirement_url}#message"  # lands on the success message
    comment = Comment.objects.get()
    assert (comment.requirement, comment.author, comment.kind) == (mss1, contributor_a, "proposal")
    _response, html = page(client, requirement_url)
    assert "Exiger TLS 1.3." in html
    # The proposed wording is shown as a redline against the current statement.
    assert "chiffrer <del>les échanges </del>en TLS 1.<del>2 ou supérieur</del><ins>3</ins>." in html


def test_the_comment_page_prefills_the_proposed_wording_and_ignores_it_unchanged(members, consultation, mss1, contributor_a, client_for):
    client = client_for(contributor_a)
    _response, html = page(client, create_url(consultation, exigence=mss1.pk))
    assert "chiffrer les échanges en TLS 1.2 ou supérieur" in html

    client.post(create_url(consultation), {"kind": "remark", "body": "RAS.", "proposed_wording": mss1.statement, "requirement": mss1.pk})

    assert Comment.objects.get().proposed_wording == ""


def test_a_comment_on_a_chapter_and_on_the_whole_version(members, consultation, contributor_a, client_for):
    client = client_for(contributor_a)
    section = consultation.version.sections.get(title="Annuaire")

    client.post(create_url(consultation), {"kind": "remark", "body": "Sur le chapitre.", "section": section.pk})
    client.post(create_url(consultation), {"kind": "question", "body": "Sur la version."})

    on_section, on_version = Comment.objects.order_by("pk")
    assert (on_section.section, on_section.requirement) == (section, None)
    assert (on_version.section, on_version.requirement) == (None, None)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "remark", "body": ""}, "Ce champ est obligatoire."),
        ({"kind": "remark", "body": "x" * (Comment.BODY_MAX_LENGTH + 1)}, "10000 caractères"),
        ({"kind": "nonsense", "body": "Texte."}, "Sélectionnez un choix valide"),
    ],
    ids=["empty-body", "body-too-long", "unknown-kind"],
)
def test_bad_input_is_shown_on_the_form_and_stores_nothing(members, consultation, contributor_a, client_for, data, message):
    response = client_for(contributor_a).post(create_url(consultation), data)

    assert response.status_code == 400
    assert message in response.content.decode().replace("\u202f", "").replace("\xa0", "")
    assert not Comment.objects.exists()


@pytest.mark.parametrize("target", ["unknown", "another version"])
def test_a_requirement_outside_the_consulted_version_is_not_found(members, consultation, contributor_a, client_for, target):
    from tests.factories import RequirementFactory, VersionFactory

    requirement_id = 999999 if target == "unknown" else RequirementFactory(version=VersionFactory(), title="Brouillon caché").pk
    response = client_for(contributor_a).post(create_url(consultation), {"kind": "remark", "body": "Texte.", "requirement": requirement_id})

    assert response.status_code == 404
    assert "Brouillon caché" not in response.content.decode()
    assert not Comment.objects.exists()


def test_html_and_scripts_in_a_comment_are_rendered_inert(members, consultation, contributor_a, client_for):
    client = client_for(contributor_a)
    client.post(
        create_url(consultation),
        {"kind": "remark", "body": '**Gras** <script>alert("x")</script> <img src=x onerror="alert(1)"> [lien](javascript:alert(1))'},
    )

    _response, html = page(client, consultation.get_absolute_url())

    assert "<strong>Gras</strong>" in html
    assert "<script>alert" not in html and "<img src=x" not in html and 'href="javascript:' not in html
    assert "&lt;script&gt;" in html


def test_a_comment_posted_after_closing_is_refused_with_the_reason(members, consultation, contributor_a, client_for, editor):
    close(consultation, editor)

    response = client_for(contributor_a).post(create_url(consultation), {"kind": "remark", "body": "Trop tard ?"})

    assert response.status_code == 409
    assert "La concertation est close depuis le" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_comment_one_second_after_closing_is_refused_whatever_the_page_said(members, consultation, contributor_a, client_for, monkeypatch):
    client = client_for(contributor_a)
    assert client.get(create_url(consultation)).status_code == 200  # the form was shown while open
    closes_at = timezone.now() + timedelta(hours=1)
    Consultation.objects.filter(pk=consultation.pk).update(closes_at=closes_at)  # set-up: the session outlives the window
    monkeypatch.setattr("django.utils.timezone.now", lambda: closes_at + timedelta(seconds=1))

    response = client.post(create_url(consultation), {"kind": "remark", "body": "Envoyé au dernier moment."})

    assert response.status_code == 409
    assert not Comment.objects.exists()


def test_an_anonymous_reader_is_sent_to_log_in_to_comment(consultation, anonymous):
    response = anonymous.get(create_url(consultation))
    assert response.status_code == 302 and "next=" in response["Location"]


# Editing and withdrawing one's own comments -------------------------------------------------------------


def test_the_author_edits_their_comment_from_its_page(comment_a, client_for):
    client = client_for(comment_a.author)
    url = reverse("consultation:comment_edit", kwargs={"pk": comment_a.pk})
    _response, html = page(client, url)
    assert "Le TLS 1.3 suffit-il ?" in html  # in the form's textarea, as typed

    response = client.post(url, {"kind": "remark", "body": "Précision : TLS 1.3 seulement.", "proposed_wording": ""})

    assert response.status_code == 302
    comment_a.refresh_from_db()
    assert comment_a.body == "Précision : TLS 1.3 seulement."
    assert comment_a.history.count() == 2


def test_editing_someone_elses_comment_is_forbidden(comment_a, contributor_b, client_for):
    client = client_for(contributor_b)
    url = reverse("consultation:comment_edit", kwargs={"pk": comment_a.pk})

    # Not theirs and not readable by them before the synthesis: not even named.
    assert client.get(url).status_code == 404
    response = client.post(url, {"kind": "remark", "body": "Piraté."})

    assert response.status_code == 404
    assert "Le TLS 1.3" not in response.content.decode()
    comment_a.refresh_from_db()
    assert comment_a.body == "Le TLS 1.3 suffit-il ?"


def test_editing_after_closing_answers_409_with_the_reason(comment_a, client_for, editor):
    close(comment_a.consultation, editor)
    client = client_for(comment_a.author)
    url = reverse("consultation:comment_edit", kwargs={"pk": comment_a.pk})

    assert client.get(url).status_code == 409
    response = client.post(url, {"kind": "remark", "body": "Trop tard."})

    assert response.status_code == 409
    assert "close depuis le" in response.content.decode()
    comment_a.refresh_from_db()
    assert comment_a.body == "Le TLS 1.3 suffit-il ?"


def test_withdrawing_keeps_the_comment_and_shows_it_withdrawn_to_its_author(comment_a, client_for):
    client = client_for(comment_a.author)

    response = client.post(reverse("consultation:comment_withdraw", kwargs={"pk": comment_a.pk}))

    assert response.status_code == 302
    comment_a.refresh_from_db()
    assert comment_a.status == Comment.Status.WITHDRAWN
    _response, html = page(client, comment_a.consultation.get_absolute_url())
    assert "Retiré par son auteur" in html
    assert reverse("consultation:comment_edit", kwargs={"pk": comment_a.pk}) not in html


def test_withdrawing_asks_for_confirmation_on_a_page_that_needs_no_javascript(comment_a, client_for):
    client = client_for(comment_a.author)
    url = reverse("consultation:comment_withdraw", kwargs={"pk": comment_a.pk})
    _response, html = page(client, comment_a.consultation.get_absolute_url())
    assert f'href="{url}' in html  # the comment's "Retirer" leads to the confirmation
    assert f'action="{url}"' not in html  # and withdraws nothing by itself

    response, html = page(client, url)

    assert response.status_code == 200
    assert f"Voulez-vous vraiment retirer le commentaire n° {comment_a.pk}\u202f?" in html
    assert "Le TLS 1.3 suffit-il\u202f?" in html
    assert f'<form method="post" action="{url}">' in html
    comment_a.refresh_from_db()
    assert comment_a.status == Comment.Status.SUBMITTED


def test_the_withdrawal_confirmation_is_refused_to_others_after_closing_and_to_anonymous(
    comment_a, contributor_b, client_for, anonymous, editor
):
    url = reverse("consultation:comment_withdraw", kwargs={"pk": comment_a.pk})
    assert client_for(contributor_b).get(url).status_code == 404  # not theirs to read: not shown at all
    assert anonymous.get(url).status_code == 302
    close(comment_a.consultation, editor)
    assert client_for(comment_a.author).get(url).status_code == 409


@pytest.mark.parametrize("action", ["create", "edit", "withdraw"])
def test_after_a_comment_is_posted_edited_or_withdrawn_the_page_lands_on_the_message(
    action, comment_a, consultation, mss1, client_for
):
    client = client_for(comment_a.author)
    next_url = f"{mss1.get_absolute_url()}#concertations-exigence"
    if action == "create":
        url, data = create_url(consultation), {"kind": "remark", "body": "Autre remarque.", "requirement": mss1.pk}
    elif action == "edit":
        url, data = reverse("consultation:comment_edit", kwargs={"pk": comment_a.pk}), {"kind": "remark", "body": "Précisé."}
    else:
        url, data = reverse("consultation:comment_withdraw", kwargs={"pk": comment_a.pk}), {}

    response = client.post(url, {**data, "next": next_url})

    assert response["Location"] == f"{mss1.get_absolute_url()}#message"
    html = client.get(response["Location"]).content.decode()
    landing = html[html.index('id="message"') :]
    assert "fr-alert--success" in landing[: landing.index("</div>") + 200]


def test_withdrawing_after_closing_is_refused_with_the_reason(comment_a, client_for, editor):
    close(comment_a.consultation, editor)

    response = client_for(comment_a.author).post(reverse("consultation:comment_withdraw", kwargs={"pk": comment_a.pk}))

    assert response.status_code == 409
    assert "close depuis le" in response.content.decode()
    comment_a.refresh_from_db()
    assert comment_a.status == Comment.Status.SUBMITTED


def test_withdrawing_someone_elses_comment_is_forbidden(comment_a, contributor_b, client_for):
    response = client_for(contributor_b).post(reverse("consultation:comment_withdraw", kwargs={"pk": comment_a.pk}))

    assert response.status_code == 404
    comment_a.refresh_from_db()
    assert comment_a.status == Comment.Status.SUBMITTED


# Query counts ------------------------------------------------------------------------------------------


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["author", "editor"])
def test_the_consultation_page_runs_the_same_queries_for_10_or_100_comments(who, members, consultation, contributor_a, mss1, client_for, editor):
    client = client_for(contributor_a if who == "author" else editor)
    counts = []
    for total in (10, 100):
        while Comment.objects.count() < total:
            comment = comment_by(contributor_a, consultation, requirement=mss1, proposed_wording="Autre texte.")
            if comment.pk % 3 == 0:
                services.answer_comment(comment=comment, by=editor, decision="noted", body="Noté.")
        counts.append(queries_for(client, consultation.get_absolute_url()))
    assert counts[0] == counts[1], counts
    print(f"consultation page ({who}): {counts[0]} queries")


def test_the_version_page_runs_the_same_queries_for_10_or_100_comments(members, consultation, contributor_a, mss1, client_for):
    client = client_for(contributor_a)
    counts = []
    for total in (10, 100):
        while Comment.objects.count() < total:
            comment_by(contributor_a, consultation, requirement=mss1)
        counts.append(queries_for(client, consultation.version.get_absolute_url()))
    assert counts[0] == counts[1], counts


def test_the_comment_page_of_an_unknown_or_foreign_requirement_is_not_found(members, consultation, contributor_a, client_for):
    from tests.factories import RequirementFactory, VersionFactory

    client = client_for(contributor_a)
    elsewhere = RequirementFactory(version=VersionFactory())
    assert client.get(create_url(consultation, exigence=999999)).status_code == 404
    assert client.get(create_url(consultation, exigence=elsewhere.pk)).status_code == 404
