"""The back office of consultations: opening, extending and closing go through the services; comments
and answers are read-only; nothing is deletable."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from consultation.models import Consultation
from core.roles import ensure_role_groups
from tests.factories import filled_version, make_staff, staff_editor_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_editor(db):
    ensure_role_groups()  # gives the editor group its consultation permissions
    return staff_editor_user(username="redactrice-admin")


def split(moment):
    local = timezone.localtime(moment)
    return {"date": local.strftime("%d/%m/%Y"), "time": local.strftime("%H:%M:%S")}


def window_data(opens, closes, **extra):
    data = {f"opens_at_{k}": v for k, v in zip(("0", "1"), split(opens).values(), strict=True)}
    data |= {f"closes_at_{k}": v for k, v in zip(("0", "1"), split(closes).values(), strict=True)}
    return data | extra


def test_opening_from_the_admin_goes_through_the_service(client_for, staff_editor):
    version = filled_version()
    now = timezone.now()
    response = client_for(staff_editor).post(
        reverse("admin:consultation_consultation_add"),
        window_data(now, now + timedelta(days=14), version=version.pk, title=""),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    consultation = Consultation.objects.get()
    version.refresh_from_db()
    assert version.status == "consultation"
    assert consultation.opened_by == staff_editor
    assert consultation.history.get().history_change_reason == "Ouverture de la concertation"


def test_a_refusal_of_the_service_is_shown_on_the_form(client_for, staff_editor):
    version = filled_version()
    now = timezone.now()
    response = client_for(staff_editor).post(
        reverse("admin:consultation_consultation_add"),
        window_data(now - timedelta(days=10), now - timedelta(days=1), version=version.pk, title=""),
    )

    assert response.status_code == 200
    assert "La date de clôture est déjà passée." in response.content.decode()
    assert not Consultation.objects.exists()


def test_extending_from_the_admin_is_in_history(client_for, staff_editor, consultation):
    later = consultation.closes_at + timedelta(days=7)
    response = client_for(staff_editor).post(
        reverse("admin:consultation_consultation_change", args=[consultation.pk]),
        {f"closes_at_{k}": v for k, v in zip(("0", "1"), split(later).values(), strict=True)},
    )

    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.closes_at.replace(microsecond=0) == later.replace(microsecond=0)
    assert consultation.history.latest().history_change_reason == "Prolongation de la concertation"


def test_closing_now_is_an_admin_action(client_for, staff_editor, consultation):
    client_for(staff_editor).post(
        reverse("admin:consultation_consultation_changelist"), {"action": "close_now", "_selected_action": [consultation.pk]}
    )
    consultation.refresh_from_db()
    assert consultation.is_closed()


def test_comments_and_answers_are_read_only_and_nothing_is_deletable(client_for, staff_editor, comment_a, editor):
    from consultation import services

    services.answer_comment(comment=comment_a, by=editor, decision="noted", body="Noté.")
    client = client_for(staff_editor)

    for model, pk in (("comment", comment_a.pk), ("answer", comment_a.answer.pk), ("consultation", comment_a.consultation.pk)):
        assert client.get(reverse(f"admin:consultation_{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:consultation_{model}_change", args=[pk])).status_code == 200
        assert client.post(reverse(f"admin:consultation_{model}_delete", args=[pk]), {"post": "yes"}).status_code == 403
    html = client.get(reverse("admin:consultation_comment_change", args=[comment_a.pk])).content.decode()
    assert 'name="body"' not in html  # shown, not editable
    assert client.get(reverse("admin:consultation_comment_add")).status_code == 403
    comment_a.refresh_from_db()
    assert comment_a.body == "Le TLS 1.3 suffit-il ?"


def test_contributors_do_not_see_the_consultation_admin(client_for, members, contributor_a):
    make_staff(contributor_a)  # with the second factor staff need: the rights are what is tested
    assert client_for(contributor_a).get(reverse("admin:consultation_consultation_changelist")).status_code == 403
