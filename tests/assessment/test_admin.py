from django.urls import reverse

from tests.factories import staff_editor_user


def test_editors_read_an_assessment_in_the_admin_but_cannot_change_it(client_for, assessment, db):
    from django.contrib.auth.models import Permission

    editor = staff_editor_user(username="admin-editrice")
    editor.groups.first().permissions.add(*Permission.objects.filter(content_type__app_label="assessment"))
    client = client_for(editor)
    url = reverse("admin:assessment_assessment_change", args=[assessment.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Messagerie Santé A" in page.content.decode()
    client.post(url, {"status": "submitted"})
    assessment.refresh_from_db()
    assert assessment.status == "in_progress"
    assert client.post(reverse("admin:assessment_assessment_delete", args=[assessment.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:assessment_assessment_add")).status_code == 403
