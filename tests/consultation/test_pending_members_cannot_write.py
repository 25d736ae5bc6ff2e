"""Someone who joined an organisation by typing its name does not comment in its name until an
editor approves them — through the service, the API and the page alike (issue 14)."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts import services as accounts_services
from accounts.models import Membership
from consultation.models import Comment
from core.errors import PermissionRefused
from tests.consultation.conftest import approved_organisation, comment_by


@pytest.fixture
def newcomer(db):
    """Confirmed address, organisation approved, membership pending."""
    approved_organisation("Messagerie Santé Services", agrees_to_be_named=True)
    membership = accounts_services.register_contributor(
        email="intrus@ailleurs.fr", password="un-mot-de-passe-solide-2024", first_name="Ivan", last_name="Intrus",
        organisation_name="messagerie   sante SERVICES", organisation_kind="operator",
    )
    # The address confirmed, as allauth's confirmation does (its email_confirmed signal).
    EmailAddress.objects.filter(user=membership.user).update(verified=True)
    accounts_services.record_email_confirmed(user=membership.user, email=membership.user.email)
    return membership.user


def test_the_service_refuses_a_pending_members_comment(newcomer, consultation):
    with pytest.raises(PermissionRefused, match="attend la validation de l'ANS"):
        comment_by(newcomer, consultation)
    assert not Comment.objects.exists()


def test_the_api_answers_403_with_the_reason(newcomer, consultation, api_for):
    response = api_for(newcomer).post(
        f"/api/v1/consultations/{consultation.pk}/comments/", {"kind": "remark", "body": "En leur nom."}, format="json"
    )

    assert response.status_code == 403 and "attend la validation" in response.json()["detail"]
    assert not Comment.objects.exists()


def test_the_page_offers_no_comment_form_and_refuses_the_post(newcomer, consultation, client_for):
    client = client_for(newcomer)
    page = client.get(reverse("consultation:consultation_detail", args=[consultation.pk]))
    assert page.status_code == 200 and page.context["may_comment"] is False

    response = client.post(reverse("consultation:comment_create", args=[consultation.pk]), {"kind": "remark", "body": "En leur nom."})
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_once_approved_the_newcomer_comments(newcomer, consultation, editor):
    accounts_services.approve_membership(membership=Membership.objects.get(user=newcomer), by=editor)

    assert comment_by(newcomer, consultation).organisation.name == "Messagerie Santé Services"
