"""History reasons are stored in French, the source language, and translated when they are shown."""

import pytest
from django.urls import reverse
from django.utils import translation

from consultation.models import Comment
from core.audit import shown_reason
from core.roles import ensure_role_groups
from .conftest import comment_by


@pytest.mark.django_db
def test_a_comment_posted_in_english_is_recorded_with_a_french_reason(contributor_a, members, consultation):
    with translation.override("en"):
        comment = comment_by(contributor_a, consultation)
    assert comment.history.get().history_change_reason == "Dépôt"


@pytest.mark.django_db
def test_the_stored_reason_is_shown_in_the_readers_language():
    with translation.override("en"):
        assert shown_reason("Dépôt") == "Submitted"
    with translation.override("fr"):
        assert shown_reason("Dépôt") == "Dépôt"
    assert shown_reason(None) == ""


@pytest.mark.django_db
def test_the_admin_history_page_translates_the_stored_reason(client_for, editor, contributor_a, members, consultation):
    editor.is_staff = True
    editor.save()
    ensure_role_groups()  # the editor group's admin rights on consultations
    comment = comment_by(contributor_a, consultation)
    assert Comment.history.filter(id=comment.pk).get().history_change_reason == "Dépôt"
    client = client_for(editor)
    url = reverse("admin:consultation_comment_history", args=[comment.pk])
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Dépôt" in french
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(url).content.decode()
    assert "Submitted" in english and "Dépôt" not in english
