"""Hostile review of documents built once per content: a file replaced by a rebuild between the
request's look-up and its read is not a 500; the stored document of a deleted object (a draft's
minutes, a consultation's synthesis) does not outlive it on disk."""

import pytest
from django.core.files.base import ContentFile

from core import documents
from core.models import StoredDocument
from tests.workshops.factories import RidaItemFactory, WorkshopFactory
from workshops.models import Workshop
from workshops.pdf import MINUTES

pytestmark = pytest.mark.django_db


def _url(workshop):
    return f"/ateliers/{workshop.pk}.pdf"


def test_a_file_replaced_by_a_rebuild_while_a_request_serves_it_is_not_a_500(anonymous, monkeypatch):
    workshop = WorkshopFactory(status=Workshop.Status.PUBLISHED)
    RidaItemFactory(workshop=workshop)
    assert anonymous.get(_url(workshop)).status_code == 200
    real = documents.stored_document
    raced = []

    def racing(document):
        found = real(document)
        if not raced:  # right after this look-up, a rebuild stores a new file and deletes the old one
            raced.append(found.file.name)
            storage = found.file.storage
            new_name = storage.save(f"documents/{MINUTES}/{workshop.pk}/rebuilt.pdf", ContentFile(b"%PDF-1.7 rebuilt"))
            StoredDocument.objects.filter(pk=found.pk).update(file=new_name, fingerprint="autre")
            storage.delete(found.file.name)
        return found

    monkeypatch.setattr(documents, "stored_document", racing)
    response = anonymous.get(_url(workshop))

    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF") and response["ETag"].strip('"') == StoredDocument.objects.get().sha256


def test_the_stored_minutes_of_a_deleted_workshop_leave_with_it(client_for, editor, django_capture_on_commit_callbacks):
    workshop = WorkshopFactory(status=Workshop.Status.DRAFT, title="Brouillon confidentiel")
    RidaItemFactory(workshop=workshop)
    assert client_for(editor).get(_url(workshop)).status_code == 200
    stored = StoredDocument.objects.get(kind=MINUTES)
    storage, name = stored.file.storage, stored.file.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        workshop.delete()

    assert not StoredDocument.objects.filter(kind=MINUTES, key=str(stored.key)).exists()
    assert not storage.exists(name)
