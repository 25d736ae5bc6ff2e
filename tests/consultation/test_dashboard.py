"""The editors' dashboard: counts, filters, pagination, answering and hiding from it; editors only;
its queries do not grow with the number of comments."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultation import services
from consultation.models import Answer, Comment
from tests.factories import RequirementFactory, VersionFactory

from .conftest import close, comment_by

pytestmark = pytest.mark.django_db


def dashboard_url(consultation):
    return reverse("consultation:consultation_dashboard", kwargs={"pk": consultation.pk})


@pytest.fixture
def busy(members, consultation, contributor_a, contributor_b, mss1, editor):
    """Six comments: A on MSS 1 (answered accepted, answered rejected, withdrawn), B on MSS 2 (hidden),
    B on the chapter « Annuaire », A on the whole version (unanswered)."""
    mss2 = consultation.version.requirements.get(key="MSS 2")
    directory = consultation.version.sections.get(title="Annuaire")
    accepted = comment_by(contributor_a, consultation, requirement=mss1, body="Accepté ?")
    rejected = comment_by(contributor_a, consultation, requirement=mss1, body="Refusé ?")
    withdrawn = comment_by(contributor_a, consultation, requirement=mss1, body="Retiré.")
    hidden = comment_by(contributor_b, consultation, requirement=mss2, body="Masqué.")
    on_chapter = comment_by(contributor_b, consultation, section=directory, body="Sur l'annuaire.")
    on_version = comment_by(contributor_a, consultation, body="Sur la version.")
    services.answer_comment(comment=accepted, by=editor, decision="accepted", body="Oui.")
    services.answer_comment(comment=rejected, by=editor, decision="rejected", body="Non.")
    services.withdraw_comment(comment=withdrawn, by=contributor_a)
    services.hide_comment(comment=hidden, by=editor, reason="Hors sujet.")
    return consultation, {"accepted": accepted, "rejected": rejected, "withdrawn": withdrawn, "hidden": hidden,
                          "on_chapter": on_chapter, "on_version": on_version}


def shown(client, consultation, **filters) -> set[int]:
    response = client.get(dashboard_url(consultation), filters)
    assert response.status_code == 200
    return {comment.pk for comment in response.context["comments"]}


def test_the_dashboard_is_for_editors_only(consultation, client_for, members, contributor_a, contributor_b):
    for user in (None, contributor_a, contributor_b):
        assert client_for(user).get(dashboard_url(consultation)).status_code == 403
    assert client_for(contributor_a).get("/concertations/999999/tableau-de-bord/").status_code == 403


def test_the_dashboard_counts_by_status_decision_organisation_requirement_and_chapter(busy, client_for, editor):
    consultation, _comments = busy
    counts = client_for(editor).get(dashboard_url(consultation)).context["counts"]

    assert counts.total == 6
    assert counts.by_status == {"submitted": 4, "answered": 2, "unanswered": 2, "withdrawn": 1, "hidden": 1}
    assert {value: n for value, _label, n in counts.by_decision} == {
        "accepted": 1, "partly_accepted": 0, "rejected": 1, "noted": 0, "forwarded": 0,
    }
    assert {value: n for value, _label, n in counts.by_organisation_kind} == {"operator": 4, "vendor": 2}
    assert counts.by_requirement == [("MSS 1", 3), ("MSS 2", 1)]
    assert counts.by_chapter == [("1.1", "Transport", 3), ("2", "Annuaire", 2)]
    assert counts.on_version == 1


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"etat": "sans-reponse"}, {"on_chapter", "on_version"}),
        ({"etat": "repondus"}, {"accepted", "rejected"}),
        ({"etat": "retires"}, {"withdrawn"}),
        ({"etat": "masques"}, {"hidden"}),
        ({"decision": "rejected"}, {"rejected"}),
        ({"exigence": "MSS 2"}, {"hidden"}),
        ({"exigence": "  MSS   1 "}, {"accepted", "rejected", "withdrawn"}),
        ({"organisation": "vendor"}, {"hidden", "on_chapter"}),
        ({"etat": "sans-reponse", "organisation": "operator"}, {"on_version"}),
        ({"etat": "n'importe quoi"}, {"accepted", "rejected", "withdrawn", "hidden", "on_chapter", "on_version"}),
    ],
)
def test_the_dashboard_filters(busy, client_for, editor, filters, expected):
    consultation, comments = busy
    assert shown(client_for(editor), consultation, **filters) == {comments[name].pk for name in expected}


def test_the_dashboard_pages_by_fifty(members, consultation, contributor_a, client_for, editor):
    for index in range(60):
        comment_by(contributor_a, consultation, body=f"Commentaire {index}")
    client = client_for(editor)

    first = client.get(dashboard_url(consultation))
    second = client.get(dashboard_url(consultation), {"page": 2, "etat": "sans-reponse"})

    assert len(first.context["comments"]) == 50
    assert len(second.context["comments"]) == 10
    assert "etat=sans-reponse&amp;page=1" in second.content.decode()


def test_answering_from_the_dashboard_notifies_the_author(comment_a, client_for, editor, django_capture_on_commit_callbacks):
    consultation = comment_a.consultation
    back = f"{dashboard_url(consultation)}?etat=sans-reponse"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor).post(
            reverse("consultation:comment_answer", kwargs={"pk": comment_a.pk}),
            {"decision": "noted", "body": "Pris en compte.", "carried_by": "", "next": back},
        )

    assert response.status_code == 302
    assert response["Location"] == f"{back}#commentaire-{comment_a.pk}"
    assert Answer.objects.get(comment=comment_a).decision == "noted"
    assert len(mail.outbox) == 1


def test_an_answer_points_to_the_requirement_of_the_next_version_by_key(comment_a, client_for, editor):
    version = comment_a.consultation.version
    following = VersionFactory(referential=version.referential, number="9.1", based_on=version)
    carrier = RequirementFactory(version=following, key="MSS 1 bis")
    client = client_for(editor)

    html = client.get(dashboard_url(comment_a.consultation)).content.decode()
    assert '<option value="MSS 1 bis">' in html  # the keys of the next version are offered

    client.post(reverse("consultation:comment_answer", kwargs={"pk": comment_a.pk}),
                {"decision": "accepted", "body": "Repris dans MSS 1 bis.", "carried_by": "MSS 1 bis"})

    assert Answer.objects.get(comment=comment_a).carried_by == carrier


def test_a_bad_answer_is_reported_and_nothing_is_saved(comment_a, client_for, editor):
    client = client_for(editor)
    url = reverse("consultation:comment_answer", kwargs={"pk": comment_a.pk})

    response = client.post(url, {"decision": "accepted", "body": "Repris.", "carried_by": "MSS 404"}, follow=True)
    assert "Aucune version fondée sur celle-ci ne contient l’exigence «\u202fMSS 404\u202f»." in response.content.decode()
    response = client.post(url, {"decision": "accepted", "body": ""}, follow=True)
    assert "Réponse de l’ANS\u202f: Ce champ est obligatoire." in response.content.decode()

    assert not Answer.objects.exists()


def test_editors_answer_after_closing_from_the_dashboard(comment_a, client_for, editor):
    close(comment_a.consultation, editor)
    client_for(editor).post(reverse("consultation:comment_answer", kwargs={"pk": comment_a.pk}), {"decision": "rejected", "body": "Non."})
    assert Answer.objects.get(comment=comment_a).decision == "rejected"


def test_hiding_from_the_dashboard_needs_a_reason(comment_a, client_for, editor):
    client = client_for(editor)
    url = reverse("consultation:comment_hide", kwargs={"pk": comment_a.pk})

    response = client.post(url, {"reason": ""}, follow=True)
    assert "Motif du masquage\u202f: Ce champ est obligatoire." in response.content.decode()
    comment_a.refresh_from_db()
    assert comment_a.status == Comment.Status.SUBMITTED

    client.post(url, {"reason": "Propos injurieux."})
    comment_a.refresh_from_db()
    assert (comment_a.status, comment_a.hidden_reason) == ("hidden", "Propos injurieux.")

    client.post(reverse("consultation:comment_unhide", kwargs={"pk": comment_a.pk}))
    comment_a.refresh_from_db()
    assert comment_a.status == Comment.Status.SUBMITTED


def test_the_dashboard_shows_authors_and_their_organisations(comment_a, client_for, editor):
    html = client_for(editor).get(dashboard_url(comment_a.consultation)).content.decode()
    assert "operateur_a" in html and "Messagerie Santé A" in html


def test_the_dashboard_runs_the_same_queries_for_10_or_100_comments(members, consultation, contributor_a, contributor_b, mss1, client_for, editor):
    client = client_for(editor)
    version = consultation.version
    following = VersionFactory(referential=version.referential, number="9.2", based_on=version)
    carrier = RequirementFactory(version=following, key="MSS 1")
    counts = []
    for total in (10, 100):
        while Comment.objects.count() < total:
            index = Comment.objects.count()
            author = contributor_a if index % 2 else contributor_b
            on_requirement = bool(index % 3)
            # Only a comment on a requirement proposes a wording.
            comment = comment_by(
                author, consultation, requirement=mss1 if on_requirement else None,
                proposed_wording="Autre." if on_requirement else "",
            )
            if index % 4 == 0:
                services.answer_comment(comment=comment, by=editor, decision="accepted", body="Oui.", carried_by=carrier)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(dashboard_url(consultation)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
    print(f"dashboard: {counts[0]} queries")


def test_the_answer_form_starts_without_a_decision_and_requires_one(comment_a, client_for, editor):
    client = client_for(editor)
    html = client.get(dashboard_url(comment_a.consultation)).content.decode()
    select = html[html.index(f'id="decision-{comment_a.pk}"') :]
    select = select[: select.index("</select>")]
    assert 'name="decision" required' in select
    assert '<option value="" selected disabled>Choisir une décision</option>' in select
    assert select.count(" selected") == 1  # no decision is preselected

    response = client.post(
        reverse("consultation:comment_answer", kwargs={"pk": comment_a.pk}), {"decision": "", "body": "Vu."}, follow=True
    )
    assert "Décision\u202f: Ce champ est obligatoire." in response.content.decode()
    assert not Answer.objects.exists()


def test_revising_an_answer_keeps_its_decision_selected(comment_a, client_for, editor):
    services.answer_comment(comment=comment_a, by=editor, decision="rejected", body="Non.", carried_by=None)
    html = client_for(editor).get(dashboard_url(comment_a.consultation)).content.decode()
    select = html[html.index(f'id="decision-{comment_a.pk}"') :]
    select = select[: select.index("</select>")]
    assert '<option value="" disabled>' in select
    assert '<option value="rejected" selected>' in select
