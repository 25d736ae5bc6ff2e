"""A comment posted to a consultation id no database column can hold is a 404, as reading that
consultation is, never a server error (the intake's hand-written read passes the id as it came:
SQLite's driver and PostgreSQL's bigint both refuse it; issue 15, the comment intake)."""

import pytest
from django.http import Http404
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from consultation import services

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = [2**63, 2**64 + 5, 10**30]


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.mark.parametrize("pk", OUT_OF_RANGE)
def test_posting_to_an_id_out_of_range_is_a_404_as_reading_it(members, consultation, contributor_a, pk):
    client = token_client(contributor_a)
    assert client.get(f"/api/v1/consultations/{pk}/comments/").status_code == 404
    response = client.post(f"/api/v1/consultations/{pk}/comments/", {"kind": "question", "body": "Et ici ?"}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize("pk", [*OUT_OF_RANGE, -(2**63) - 1])
def test_the_service_says_404_for_an_id_out_of_range(members, consultation, contributor_a, pk):
    with pytest.raises(Http404):
        services.consultation_to_comment(contributor_a, pk)
    # The read still works after the refusal (no broken transaction, nothing left half-prepared).
    assert services.consultation_to_comment(contributor_a, consultation.pk)[0] == consultation
