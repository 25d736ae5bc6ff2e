"""The consultation API: reading consultations and comments by persona, commenting in the window
(403 / 409 with a reason outside it), editing and withdrawing one's own, answering and hiding (editors)."""

from datetime import timedelta

import pytest
from django.core import mail
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from consultation import services
from consultation.models import Answer, Comment
from tests.factories import RequirementFactory, VersionFactory

from .conftest import close, comment_by

pytestmark = pytest.mark.django_db


def comments_url(consultation):
    return f"/api/v1/consultations/{consultation.pk}/comments/"


def comment_url(comment):
    return f"/api/v1/comments/{comment.pk}/"


def results(response):
    return response.json()["results"]


# Consultations ---------------------------------------------------------------------------------------


def test_consultations_are_listed_with_their_window_and_phase(consultation, api_for):
    response = api_for(None).get("/api/v1/consultations/")

    assert response.status_code == 200
    [item] = results(response)
    assert item["id"] == consultation.pk
    assert item["phase"] == "open"
    assert item["version"]["number"] == consultation.version.number
    assert item["closes_at"].endswith(("+01:00", "+02:00"))  # Europe/Paris offsets
    assert item["synthesis_url"] is None


def test_a_consultation_reads_alone(consultation, api_for):
    response = api_for(None).get(f"/api/v1/consultations/{consultation.pk}/")
    assert response.status_code == 200
    assert response.json()["comments_url"].endswith(comments_url(consultation))
    assert api_for(None).get("/api/v1/consultations/999999/").status_code == 404


# Reading comments ------------------------------------------------------------------------------------


def test_who_reads_which_comment_before_the_synthesis(comment_a, contributor_b, api_for, editor):
    consultation = comment_a.consultation
    comment_b = comment_by(contributor_b, consultation, body="Avis de B.")

    seen = {
        name: {c["id"] for c in results(api_for(user).get(comments_url(consultation)))}
        for name, user in {"anonymous": None, "a": comment_a.author, "b": contributor_b, "editor": editor}.items()
    }

    assert seen == {"anonymous": set(), "a": {comment_a.pk}, "b": {comment_b.pk}, "editor": {comment_a.pk, comment_b.pk}}
    assert api_for(contributor_b).get(comment_url(comment_a)).status_code == 404
    assert api_for(None).get(comment_url(comment_a)).status_code == 404


def test_after_the_synthesis_everyone_reads_the_published_comments_without_their_authors(comment_a, contributor_b, api_for, editor):
    consultation = comment_a.consultation
    withdrawn = comment_by(contributor_b, consultation, body="Retiré.")
    services.withdraw_comment(comment=withdrawn, by=contributor_b)
    close(consultation, editor)
    services.publish_synthesis(consultation=consultation, by=editor)

    [item] = results(api_for(None).get(comments_url(consultation)))

    assert item["id"] == comment_a.pk
    assert item["author"] is None
    assert item["organisation"] == "Un opérateur"  # org A did not agree to be named
    as_editor = api_for(editor).get(comment_url(comment_a)).json()
    assert (as_editor["author"], as_editor["organisation"]) == ("operateur_a", "Messagerie Santé A")


def test_a_comment_reads_with_its_target_answer_and_redline(members, consultation, contributor_a, mss1, api_for, editor):
    comment = comment_by(contributor_a, consultation, requirement=mss1, kind="proposal", body="**Plus strict**",
                         proposed_wording="L'opérateur **DOIT** chiffrer les échanges en TLS 1.3.")
    services.answer_comment(comment=comment, by=editor, decision="partly_accepted", body="En partie.")

    data = api_for(contributor_a).get(comment_url(comment)).json()

    assert data["target"] == "requirement"
    assert data["requirement"]["key"] == "MSS 1"
    assert data["requirement"]["url"].endswith(f"/versions/{consultation.version.number}/requirements/MSS%201/")
    assert data["body_html"] == "<p><strong>Plus strict</strong></p>"
    assert "en TLS 1.<del>2 ou supérieur</del><ins>3</ins>." in data["proposed_redline_html"]
    assert data["answer"]["decision"] == "partly_accepted"
    assert data["answer"]["decision_label"] == "Partiellement acceptée"


# Commenting ------------------------------------------------------------------------------------------


def test_a_contributor_comments_a_requirement_by_its_key(members, consultation, contributor_a, api_for):
    response = api_for(contributor_a).post(
        comments_url(consultation), {"kind": "question", "body": "Et TLS 1.3 ?", "requirement": "MSS 1"}, format="json"
    )

    assert response.status_code == 201, response.json()
    comment = Comment.objects.get()
    assert response.json()["id"] == comment.pk
    assert response["Location"].endswith(comment_url(comment))
    assert comment.requirement.key == "MSS 1"
    assert comment.history.get().history_change_reason == "Dépôt"


def test_token_authentication_works_for_scripts(members, consultation, contributor_a):
    token = Token.objects.create(user=contributor_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.post(comments_url(consultation), {"kind": "remark", "body": "Par script."}, format="json")

    assert response.status_code == 201
    assert response.json()["target"] == "version"


def test_a_non_contributor_gets_403_with_a_reason(consultation, api_for, editor, contributor_b):
    for user, expected in ((None, 401), (editor, 403), (contributor_b, 403)):  # contributor_b has no organisation here
        response = api_for(user).post(comments_url(consultation), {"kind": "remark", "body": "Moi aussi."}, format="json")
        assert response.status_code == expected
        assert response.json()["detail"]
    assert not Comment.objects.exists()


def test_outside_the_window_the_answer_is_409_with_the_reason(members, consultation, contributor_a, api_for, editor):
    close(consultation, editor)

    response = api_for(contributor_a).post(comments_url(consultation), {"kind": "remark", "body": "Trop tard."}, format="json")

    assert response.status_code == 409
    assert "close depuis le" in response.json()["detail"]
    assert not Comment.objects.exists()


def set_clock(monkeypatch, moment):
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)


def test_one_second_before_closing_is_stored_one_second_after_is_refused(members, consultation, contributor_a, api_for, monkeypatch):
    client = api_for(contributor_a)
    closes_at = consultation.closes_at

    set_clock(monkeypatch, closes_at - timedelta(seconds=1))
    before = client.post(comments_url(consultation), {"kind": "remark", "body": "Juste avant."}, format="json")
    set_clock(monkeypatch, closes_at + timedelta(seconds=1))
    after = client.post(comments_url(consultation), {"kind": "remark", "body": "Juste après."}, format="json")

    assert (before.status_code, after.status_code) == (201, 409)
    assert list(Comment.objects.values_list("body", flat=True)) == ["Juste avant."]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"kind": "remark", "body": ""}, "body"),
        ({"kind": "remark"}, "body"),
        ({"kind": "remark", "body": "x" * (Comment.BODY_MAX_LENGTH + 1)}, "body"),
        ({"kind": "rant", "body": "Texte."}, "kind"),
        ({"kind": "remark", "body": "Texte.", "requirement": "MSS 999"}, "requirement"),
        ({"kind": "remark", "body": "Texte.", "section": 999999}, "section"),
    ],
    ids=["empty-body", "missing-body", "body-too-long", "unknown-kind", "unknown-requirement", "unknown-section"],
)
def test_bad_input_is_a_400_naming_the_field(members, consultation, contributor_a, api_for, payload, field):
    response = api_for(contributor_a).post(comments_url(consultation), payload, format="json")

    assert response.status_code == 400
    body = response.json()
    assert field in body and body["detail"].startswith(f"{field} :")
    assert not Comment.objects.exists()


def test_a_chapter_of_another_version_is_a_400_on_section(members, consultation, contributor_a, api_for):
    other = RequirementFactory(version=VersionFactory())
    response = api_for(contributor_a).post(
        comments_url(consultation), {"kind": "remark", "body": "Texte.", "section": other.section_id}, format="json"
    )
    assert response.status_code == 400
    assert "section" in response.json()


def test_html_in_markdown_comes_back_inert(members, consultation, contributor_a, api_for):
    response = api_for(contributor_a).post(
        comments_url(consultation), {"kind": "remark", "body": "<script>alert(1)</script> *ok*"}, format="json"
    )
    html = response.json()["body_html"]
    assert "<script>" not in html and "&lt;script&gt;" in html and "<em>ok</em>" in html


# Editing and withdrawing -----------------------------------------------------------------------------


def test_the_author_patches_their_comment(comment_a, api_for):
    response = api_for(comment_a.author).patch(comment_url(comment_a), {"body": "Reformulé."}, format="json")

    assert response.status_code == 200
    assert response.json()["body"] == "Reformulé."
    assert response.json()["kind"] == "question"  # untouched
    assert comment_a.history.count() == 2


def test_patching_someone_elses_comment_is_404_and_after_closing_409(comment_a, contributor_b, api_for, editor):
    assert api_for(contributor_b).patch(comment_url(comment_a), {"body": "Piraté."}, format="json").status_code == 404  # not theirs, not readable yet: not even named
    close(comment_a.consultation, editor)
    response = api_for(comment_a.author).patch(comment_url(comment_a), {"body": "Trop tard."}, format="json")
    assert response.status_code == 409 and response.json()["detail"]
    comment_a.refresh_from_db()
    assert comment_a.body == "Le TLS 1.3 suffit-il ?"


def test_delete_withdraws_and_never_erases(comment_a, api_for):
    response = api_for(comment_a.author).delete(comment_url(comment_a))

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    comment_a.refresh_from_db()
    assert comment_a.status == Comment.Status.WITHDRAWN
    again = api_for(comment_a.author).delete(comment_url(comment_a))
    assert again.status_code == 409


def test_delete_by_someone_else_or_after_closing_is_refused(comment_a, contributor_b, api_for, editor):
    assert api_for(contributor_b).delete(comment_url(comment_a)).status_code == 404
    close(comment_a.consultation, editor)
    assert api_for(comment_a.author).delete(comment_url(comment_a)).status_code == 409
    comment_a.refresh_from_db()
    assert comment_a.status == Comment.Status.SUBMITTED


# Answers and moderation -----------------------------------------------------------------------------


def test_an_editor_answers_and_the_author_gets_an_email(comment_a, api_for, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(editor).post(
            f"{comment_url(comment_a)}answer/", {"decision": "forwarded", "body": "Question soumise aux équipes PSC."}, format="json"
        )

    assert response.status_code == 200
    assert response.json()["answer"]["decision"] == "forwarded"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [comment_a.author.email]


def test_an_answer_can_name_the_requirement_of_the_next_version(comment_a, api_for, editor):
    version = comment_a.consultation.version
    following = VersionFactory(referential=version.referential, number="9.9", based_on=version)
    carrier = RequirementFactory(version=following, key="MSS 1 bis")

    response = api_for(editor).post(
        f"{comment_url(comment_a)}answer/", {"decision": "accepted", "body": "Repris.", "carried_by": "MSS 1 bis"}, format="json"
    )
    assert response.status_code == 200
    assert Answer.objects.get().carried_by == carrier
    assert response.json()["answer"]["carried_by"]["key"] == "MSS 1 bis"

    unknown = api_for(editor).post(
        f"{comment_url(comment_a)}answer/", {"decision": "accepted", "body": "Repris.", "carried_by": "MSS 404"}, format="json"
    )
    assert unknown.status_code == 400 and "carried_by" in unknown.json()


def test_answering_and_hiding_are_403_for_contributors(comment_a, api_for, contributor_b):
    for user, expected in ((None, 401), (comment_a.author, 403), (contributor_b, 403)):  # anonymous: sign in first
        client = api_for(user)
        assert client.post(f"{comment_url(comment_a)}answer/", {"decision": "accepted", "body": "Moi."}, format="json").status_code == expected
        assert client.post(f"{comment_url(comment_a)}hide/", {"reason": "Moi."}, format="json").status_code == expected
    assert not Answer.objects.exists()
    comment_a.refresh_from_db()
    assert comment_a.status == Comment.Status.SUBMITTED


def test_an_editor_hides_with_a_reason_then_restores(comment_a, api_for, editor):
    client = api_for(editor)
    missing = client.post(f"{comment_url(comment_a)}hide/", {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()

    hidden = client.post(f"{comment_url(comment_a)}hide/", {"reason": "Hors sujet."}, format="json")
    assert hidden.status_code == 200 and hidden.json()["status"] == "hidden"
    assert client.post(f"{comment_url(comment_a)}hide/", {"reason": "Encore."}, format="json").status_code == 409

    restored = client.post(f"{comment_url(comment_a)}unhide/", format="json")
    assert restored.status_code == 200 and restored.json()["status"] == "submitted"


# Schema ----------------------------------------------------------------------------------------------


def test_the_schema_lists_the_consultation_endpoints_without_warnings(api_for):
    from openapi_spec_validator import validate

    GENERATOR_STATS.reset()
    schema = api_for(None).get("/api/schema/", {"format": "json"}).json()
    validate(schema)
    for path, methods in {
        "/api/v1/consultations/": {"get"},
        "/api/v1/consultations/{id}/": {"get"},
        "/api/v1/consultations/{id}/comments/": {"get", "post"},
        "/api/v1/comments/{id}/": {"get", "patch", "delete"},
        "/api/v1/comments/{id}/answer/": {"post"},
        "/api/v1/comments/{id}/hide/": {"post"},
    }.items():
        assert methods <= set(schema["paths"][path]), path
    ours = [m for m in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache] if "consultation/api/" in m or "enum naming" in m]
    assert ours == []
