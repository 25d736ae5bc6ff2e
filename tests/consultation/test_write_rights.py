"""Rights are checked again on every write: a member whose organisation was refused, or whose membership
ended, may no longer edit their comments (as they may no longer post one), but may still withdraw them."""

import pytest

from accounts.models import Membership, Organisation
from consultation.models import Comment
from core.roles import CONTRIBUTOR_GROUP


def refuse(organisation):
    Organisation.objects.filter(pk=organisation.pk).update(status=Organisation.Status.REFUSED)


def end_membership(user):
    Membership.objects.filter(user=user).delete()
    user.groups.remove(*user.groups.filter(name=CONTRIBUTOR_GROUP))


@pytest.mark.parametrize("lose_right", ["organisation_refused", "membership_ended"])
def test_an_author_who_lost_the_right_to_comment_cannot_edit_through_the_api(lose_right, comment_a, org_a, contributor_a, api_for):
    refuse(org_a) if lose_right == "organisation_refused" else end_membership(contributor_a)
    api = api_for(contributor_a)
    edited = api.patch(f"/api/v1/comments/{comment_a.pk}/", {"body": "Texte réécrit."}, format="json")
    posted = api.post(f"/api/v1/consultations/{comment_a.consultation_id}/comments/", {"kind": "remark", "body": "Nouveau."}, format="json")
    assert edited.status_code == posted.status_code == 403
    assert edited.json()["detail"]
    comment_a.refresh_from_db()
    assert comment_a.body == "Le TLS 1.3 suffit-il ?"
    assert comment_a.history.count() == 1


def test_an_author_whose_organisation_was_refused_cannot_edit_through_the_page(comment_a, org_a, contributor_a, client_for):
    refuse(org_a)
    client = client_for(contributor_a)
    url = f"/concertations/commentaires/{comment_a.pk}/modifier/"
    response = client.post(url, {"kind": "remark", "body": "Texte réécrit."})
    assert response.status_code == 403
    assert "pas encore été validée" in response.content.decode()
    assert client.get(url).status_code == 403
    comment_a.refresh_from_db()
    assert comment_a.body == "Le TLS 1.3 suffit-il ?"


@pytest.mark.parametrize("lose_right", ["organisation_refused", "membership_ended"])
def test_an_author_who_lost_the_right_to_comment_can_still_withdraw(lose_right, comment_a, org_a, contributor_a, api_for):
    refuse(org_a) if lose_right == "organisation_refused" else end_membership(contributor_a)
    response = api_for(contributor_a).delete(f"/api/v1/comments/{comment_a.pk}/")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    comment_a.refresh_from_db()
    assert comment_a.status == Comment.Status.WITHDRAWN
