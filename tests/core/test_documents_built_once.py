"""Anonymous visitors cannot make the server lay out PDFs at will: every document is laid out once
per content, stored with its SHA-256, rebuilt (through the task interface) when its content
changes, and served as a file with a strong ETag."""

import hashlib

import pytest
import weasyprint
from django.urls import reverse
from django.utils import timezone

from consultation.models import Consultation
from core.models import StoredDocument
from tests.consultation.synthesis_data import consultation_world
from tests.workshops.factories import RidaItemFactory, WorkshopFactory
from workshops.pdf import MINUTES

pytestmark = pytest.mark.django_db


@pytest.fixture
def layouts(monkeypatch):
    """Counts the PDF layouts the engine makes (each one still made for real)."""
    calls = []
    write_pdf = weasyprint.HTML.write_pdf

    def counting(self, *args, **kwargs):
        calls.append(1)
        return write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", counting)
    return calls


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def minutes_url(workshop):
    return reverse("workshops:workshop_pdf", kwargs={"pk": workshop.pk})


@pytest.fixture
def workshop():
    workshop = WorkshopFactory()
    RidaItemFactory(workshop=workshop)
    return workshop


def test_twenty_anonymous_requests_lay_the_minutes_out_once(client_for, workshop, layouts):
    responses = [client_for(None).get(minutes_url(workshop)) for _ in range(20)]

    assert len(layouts) == 1
    assert {response.status_code for response in responses} == {200}
    stored = StoredDocument.objects.get(kind=MINUTES, key=str(workshop.pk))
    assert {response["ETag"] for response in responses} == {f'"{stored.sha256}"'}
    served = body(responses[-1])
    assert served.startswith(b"%PDF") and hashlib.sha256(served).hexdigest() == stored.sha256
    assert stored.file.read() == served and stored.size == len(served)


def test_a_changed_content_is_laid_out_again_with_a_new_etag(anonymous, workshop, layouts):
    first = anonymous.get(minutes_url(workshop))
    workshop.title = "Atelier renommé"
    workshop.save()

    second = anonymous.get(minutes_url(workshop))

    assert len(layouts) == 2 and second["ETag"] != first["ETag"]
    assert hashlib.sha256(body(second)).hexdigest() == second["ETag"].strip('"')
    assert anonymous.get(minutes_url(workshop))["ETag"] == second["ETag"] and len(layouts) == 2


def test_a_change_rebuilds_the_stored_document_through_the_task(
    anonymous, workshop, layouts, django_capture_on_commit_callbacks
):
    before = anonymous.get(minutes_url(workshop))["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        RidaItemFactory(workshop=workshop, object="Un nouveau point du relevé")
    assert len(layouts) == 2  # laid out by build_document_task, not by the next reader

    after = anonymous.get(minutes_url(workshop))
    assert len(layouts) == 2 and after["ETag"] != before


def test_a_document_nobody_asked_for_is_not_built_on_change(workshop, layouts, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        workshop.save()
    assert layouts == [] and not StoredDocument.objects.exists()


def test_if_none_match_answers_304_without_a_layout(anonymous, workshop, layouts):
    etag = anonymous.get(minutes_url(workshop))["ETag"]

    response = anonymous.get(minutes_url(workshop), headers={"If-None-Match": etag})

    assert response.status_code == 304 and response["ETag"] == etag and len(layouts) == 1
    assert anonymous.get(minutes_url(workshop), headers={"If-None-Match": '"autre"'}).status_code == 200


def test_a_draft_workshop_is_still_private(client_for, editor, layouts):
    draft = WorkshopFactory(status="draft")
    response = client_for(editor).get(minutes_url(draft))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert client_for(None).get(minutes_url(draft)).status_code == 404


def test_twenty_anonymous_requests_lay_the_synthesis_out_once(client_for, layouts):
    world = consultation_world()
    world.comment(requirement=world.mss1, body="Faut-il imposer TLS 1.3 ?")
    Consultation.objects.filter(pk=world.consultation.pk).update(synthesis_published_at=timezone.now())
    url = reverse("consultation:synthesis_pdf", kwargs={"pk": world.consultation.pk})

    responses = [client_for(None).get(url) for _ in range(20)]

    assert len(layouts) == 1 and {response.status_code for response in responses} == {200}
    assert len({response["ETag"] for response in responses}) == 1
    assert hashlib.sha256(body(responses[0])).hexdigest() == responses[0]["ETag"].strip('"')


@pytest.mark.worker_process  # a database that several connections share (a file on SQLite)
@pytest.mark.django_db(transaction=True)
def test_concurrent_anonymous_requests_wait_for_one_layout(layouts):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection
    from django.test import Client

    workshop = WorkshopFactory()
    RidaItemFactory(workshop=workshop)

    def fetch(_):
        try:
            response = Client().get(minutes_url(workshop))
            return response.status_code, response["ETag"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(fetch, range(4)))

    assert len(layouts) == 1
    assert {status for status, _ in answers} == {200} and len({etag for _, etag in answers}) == 1
