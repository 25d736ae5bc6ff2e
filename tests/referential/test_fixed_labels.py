"""A published version says what it said on the day: relabelling a level or an actor, or renaming the
referential's code, changes nothing its page, CSV, XLSX, JSON/API and PDF show; new drafts use the
new words."""

import csv
import importlib
import io
import re
from datetime import timedelta
from html import unescape

import openpyxl
import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from pypdf import PdfReader

from referential import services
from referential.models import Actor, NonConformityLevel, Referential, ReferentialVersion
from core.typography import french_text
from tests.factories import filled_version

pytestmark = pytest.mark.django_db

OLD = {"level": "Bloquante", "definition": "Empêche l'exploitation du service.", "actor": "Opérateur MSSanté", "code": "Ref#1", "title": "Opérateurs MSSanté"}
NEW = {"level": "Critique", "definition": "Définition revue après la publication.", "actor": "Exploitant", "code": "RefOP", "title": "Exploitants de messagerie"}


def visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def relabel(words):
    level = NonConformityLevel.objects.get(slug="bloquante")
    level.label, level.definition = words["level"], words["definition"]
    level.save()
    actor = Actor.objects.get(slug="operateur")
    actor.label = words["actor"]
    actor.save()
    referential = Referential.objects.get(slug="ref-relabel")
    referential.code, referential.title = words["code"], words["title"]
    referential.save()


@pytest.fixture
def published(editor):
    version = filled_version(number="1.0", referential__slug="ref-relabel", referential__code="x", referential__title="x")
    relabel(OLD)
    return services.publish_version(version=ReferentialVersion.objects.get(pk=version.pk), by=editor)


def outputs(client, number) -> dict[str, str]:
    """The five outputs of a version, as text."""
    base = f"/referentiels/ref-relabel/{number}"
    csv_text = client.get(f"{base}/export.csv").content.decode("utf-8-sig")
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"{base}/export.xlsx").content))
    xlsx_text = " ".join(str(cell) for row in workbook.active.iter_rows(values_only=True) for cell in row if cell)
    api = client.get(f"/api/v1/referentials/ref-relabel/versions/{number}/").json()
    version = ReferentialVersion.objects.get(referential__slug="ref-relabel", number=number)
    pdf = version.pdf.read() if version.pdf else b"".join(client.get(f"{base}/apercu.pdf").streaming_content)
    return {
        "page": visible(client.get(f"{base}/").content.decode()),
        "csv": " ".join(cell for row in csv.reader(io.StringIO(csv_text), delimiter=";") for cell in row),
        "xlsx": xlsx_text,
        "json": str(client.get(f"{base}/export.json").json()) + str(api),
        "pdf": " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()),
    }


def test_relabelling_after_publication_changes_none_of_the_five_outputs(published, client_for, editor):
    client = client_for(editor)
    before = outputs(client, "1.0")

    relabel(NEW)
    after = outputs(client, "1.0")

    for name, text in after.items():
        assert OLD["level"] in text, name
        assert OLD["actor"] in text, name
        assert OLD["code"] in text, name
        assert NEW["level"] not in text and NEW["actor"] not in text and NEW["code"] not in text, name
    for name in ("page", "csv", "xlsx", "json"):
        assert after[name] == before[name], name
    assert OLD["definition"] in after["json"] and french_text(OLD["definition"]) in after["pdf"]
    assert NEW["definition"] not in after["json"] and NEW["definition"] not in after["pdf"]
    assert OLD["title"] in after["page"] and OLD["title"] in after["pdf"] and OLD["title"] in after["json"]


def test_the_api_says_the_words_the_version_printed(published, api_for):
    relabel(NEW)

    body = api_for(None).get("/api/v1/referentials/ref-relabel/versions/1.0/").json()
    requirement = api_for(None).get("/api/v1/referentials/ref-relabel/versions/1.0/requirements/MSS%201/").json()

    assert (body["referential_code"], body["referential_title"]) == (OLD["code"], OLD["title"])
    [blocking] = [level for level in body["levels"] if level["slug"] == "bloquante"]
    assert (blocking["label"], blocking["definition"]) == (OLD["level"], OLD["definition"])
    assert requirement["level"] == "bloquante" and requirement["level_label"] == OLD["level"]
    assert OLD["actor"] in requirement["actor_labels"]


def test_a_new_draft_uses_the_new_words(published, client_for, editor):
    draft = services.start_draft(referential=published.referential, number="1.1", by=editor)
    relabel(NEW)

    words = outputs(client_for(editor), "1.1")

    for name, text in words.items():
        assert NEW["level"] in text and NEW["actor"] in text and NEW["code"] in text, name
    draft.refresh_from_db()
    assert draft.publication_labels == {}


def test_the_requirement_page_and_the_comparison_show_each_version_in_its_own_words(published, client_for, editor):
    services.start_draft(referential=published.referential, number="1.1", by=editor)
    relabel(NEW)
    client = client_for(editor)

    old_page = visible(client.get("/referentiels/ref-relabel/1.0/exigences/MSS%201/").content.decode())
    new_page = visible(client.get("/referentiels/ref-relabel/1.1/exigences/MSS%201/").content.decode())

    assert OLD["level"] in old_page and OLD["code"] in old_page
    assert NEW["level"] in new_page and NEW["code"] in new_page


def test_versions_published_before_get_the_words_of_their_publication_day_from_history(published):
    ReferentialVersion._base_manager.filter(pk=published.pk).update(publication_labels={})  # as before the migration
    # The history of the reference data says what they were called at the publication.
    relabel(NEW)
    migration = importlib.import_module("referential.migrations.0007_version_publication_labels")

    migration.fix_published_labels(django_apps, None)

    published.refresh_from_db()
    level = NonConformityLevel.objects.get(slug="bloquante")
    actor = Actor.objects.get(slug="operateur")
    assert published.publication_labels["levels"][str(level.pk)]["label"] == OLD["level"]
    assert published.publication_labels["actors"][str(actor.pk)]["label"] == OLD["actor"]
    assert published.publication_labels["referential"]["code"] == OLD["code"]


def test_a_version_published_after_a_relabel_prints_the_new_words(published, editor, client_for):
    draft = services.start_draft(referential=published.referential, number="1.1", by=editor)
    relabel(NEW)
    tomorrow = timezone.localdate() + timedelta(days=1)
    ReferentialVersion.objects.filter(pk=draft.pk).update(effective_at=tomorrow)

    services.publish_version(version=ReferentialVersion.objects.get(pk=draft.pk), by=editor)

    words = outputs(client_for(editor), "1.1")
    assert all(NEW["level"] in text for text in words.values())
    assert OLD["level"] in outputs(client_for(editor), "1.0")["page"]
