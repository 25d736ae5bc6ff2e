"""Commenting through the API costs the same few queries whatever the size of the consulted version:
the requirement is found by its key in an index each process builds once per frozen version, the
consultation, the membership and the contributor's role come in one query, the comment and its
history row in one statement, and no synthesis is looked for while the
window is open (issue 15: comment intake)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from consultation import services
from consultation.models import Comment
from core.models import StoredDocument
from referential.queries import requirement_by_key
from tests.factories import RequirementFactory, VersionFactory, filled_version

from .conftest import comment_by

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def post_comment(client, consultation, **payload):
    payload = {"kind": "question", "body": "Le TLS 1.3 suffit-il ?", **payload}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/v1/consultations/{consultation.pk}/comments/", payload, format="json")
    assert response.status_code == 201, response.json()
    return response, len(queries.captured_queries)


def open_on(version, editor):
    now = timezone.now()
    return services.open_consultation(version=version, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7), by=editor)


def test_a_comment_costs_the_same_queries_on_a_version_of_two_or_three_hundred_requirements(
    members, contributor_a, editor, django_capture_on_commit_callbacks
):
    client = token_client(contributor_a)
    small = open_on(filled_version(), editor)
    large_version = filled_version()
    for number in range(3, 301):
        RequirementFactory(version=large_version, section=large_version.sections.first(), key=f"MSS {number}")
    large = open_on(large_version, editor)

    # Each version's key index is built once per process, and kept once what it read is committed.
    with django_capture_on_commit_callbacks(execute=True):
        post_comment(client, small, requirement="MSS 1")
        post_comment(client, large, requirement="MSS 1")
    _response, on_small = post_comment(client, small, requirement="MSS 2")
    response, on_large = post_comment(client, large, requirement="MSS 250")

    assert on_small == on_large
    # Token and user; the consultation with its version, the membership and the role in one read; the
    # comment and its history in one statement on PostgreSQL, two elsewhere: nothing else.
    assert on_large == (3 if connection.vendor == "postgresql" else 4)
    assert response.json()["requirement"]["key"] == "MSS 250"
    assert Comment.objects.get(pk=response.json()["id"]).requirement.version == large_version


def test_a_key_is_found_as_a_reader_reads_it(members, consultation, contributor_a):
    response, _count = post_comment(token_client(contributor_a), consultation, requirement="mss\u00a0 1")
    assert response.json()["requirement"]["key"] == "MSS 1"


def test_an_unknown_key_is_a_400_naming_the_field(members, consultation, contributor_a):
    response = token_client(contributor_a).post(
        f"/api/v1/consultations/{consultation.pk}/comments/", {"kind": "remark", "body": "Et celle-ci ?", "requirement": "MSS 404"}, format="json"
    )
    assert response.status_code == 400 and "MSS 404" in response.json()["requirement"][0]


def test_each_call_gets_its_own_copy_of_a_frozen_versions_requirement(consultation):
    first = requirement_by_key(consultation.version, "MSS 1")
    first.title = "Changé en mémoire"
    again = requirement_by_key(consultation.version, "mss 1")

    assert again.pk == first.pk and again.title != "Changé en mémoire"
    assert again.version is consultation.version  # no query to reach it


def test_a_draft_is_read_afresh_each_time(django_assert_num_queries):
    draft = VersionFactory()
    requirement = RequirementFactory(version=draft, key="MSS 7")
    assert requirement_by_key(draft, "MSS 7").pk == requirement.pk

    requirement.key = "MSS 8"
    requirement.save()

    assert requirement_by_key(draft, "MSS 7") is None
    assert requirement_by_key(draft, "mss 8").pk == requirement.pk
    assert requirement_by_key(draft, "") is None


def test_no_synthesis_is_rebuilt_for_comments_while_the_window_is_open(
    members, consultation, contributor_a, editor, django_capture_on_commit_callbacks
):
    StoredDocument.objects.create(kind="consultation-synthesis", key=str(consultation.pk), language="fr")

    with django_capture_on_commit_callbacks() as callbacks:
        comment = comment_by(contributor_a, consultation, body="Pendant la concertation.")
    assert callbacks == []

    # Once the window is closed, what changes the synthesis (an editor hiding a comment) rebuilds it.
    services.close_consultation_now(consultation=consultation, by=editor)
    with django_capture_on_commit_callbacks() as callbacks:
        services.hide_comment(comment=comment, by=editor, reason="Hors sujet.")
    assert len(callbacks) >= 1


def test_an_index_is_kept_only_once_what_it_read_is_committed(consultation, django_assert_num_queries, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        requirement_by_key(consultation.version, "MSS 1")
    with django_assert_num_queries(1):  # not committed (the test's transaction): read again
        requirement_by_key(consultation.version, "MSS 1")
    for callback in callbacks:
        callback()
    with django_assert_num_queries(0):
        assert requirement_by_key(consultation.version, "MSS 2").key == "MSS 2"
