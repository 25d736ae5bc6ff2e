"""The back office of workshops: editors only; publication through the services."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory, contributor_user
from workshops.models import Workshop

from .factories import WorkshopFactory, seed_workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    user = UserFactory(username="admin-ans", is_staff=True, is_superuser=True)
    return user


def test_the_workshop_form_shows_its_inlines(client_for, superuser):
    workshop = seed_workshop()
    client = client_for(superuser)
    assert client.get(reverse("admin:workshops_workshop_changelist")).status_code == 200
    html = client.get(reverse("admin:workshops_workshop_change", args=[workshop.pk])).content.decode()
    assert "API LPS - Contenu/scope Accesstoken" in html and "DANGIN" in html and "MSS_TF_MSS_Atelier_4_20220311" in html
    item = workshop.rida_items.get(number=11)
    assert "MSS 17" in client.get(reverse("admin:workshops_ridaitem_change", args=[item.pk])).content.decode()


def test_the_publish_action_goes_through_the_service(client_for, superuser):
    draft = WorkshopFactory(status=Workshop.Status.DRAFT)
    client_for(superuser).post(
        reverse("admin:workshops_workshop_changelist"), {"action": "publish", "_selected_action": [draft.pk]}
    )
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.history.latest().history_change_reason == "Compte-rendu publié"


def test_a_staff_contributor_cannot_open_the_workshops(client_for):
    user = contributor_user(is_staff=True)
    assert client_for(user).get(reverse("admin:workshops_workshop_changelist")).status_code == 403
