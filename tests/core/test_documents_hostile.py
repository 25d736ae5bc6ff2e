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


@pytest.mark.worker_process  # a database that several connections share (a file on SQLite)
@pytest.mark.django_db(transaction=True)
def test_a_layout_does_not_hold_the_database_write_lock(monkeypatch):
    """On SQLite a transaction that writes holds the one write lock of the whole database: held
    through a layout (seconds; tens of seconds for a large draft's preview), every comment, every
    edit waits — and past the 20 s busy timeout fails with a 500."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    import weasyprint
    from django.db import connection
    from django.test import Client

    from core.models import BackgroundRun

    started, release = threading.Event(), threading.Event()
    write_pdf = weasyprint.HTML.write_pdf

    def slow(self, *args, **kwargs):
        started.set()
        release.wait(3)
        return write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", slow)
    workshop = WorkshopFactory(status=Workshop.Status.PUBLISHED)
    RidaItemFactory(workshop=workshop)

    def fetch():
        try:
            return Client().get(_url(workshop)).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        answer = pool.submit(fetch)
        assert started.wait(60)
        began = time.monotonic()
        BackgroundRun.objects.create(task_id="autre-ecriture", host="h", pid=1)  # any other write
        waited = time.monotonic() - began
        release.set()
        assert answer.result() == 200
    assert waited < 1.5
