"""Which version applies on a date is a fact: the latest published version whose in-force date is on
or before it. Pages, API and latest.pdf agree; incoherent dates are refused with the field named."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from referential import queries, services
from core.errors import TransitionNotAllowed
from referential.models import ReferentialVersion
from tests.factories import filled_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_editions(editor):
    """1.0 published and in force; 1.1 published today, in force in six months."""
    first = services.publish_version(version=filled_version(number="1.0"), by=editor)
    draft = services.start_draft(referential=first.referential, number="1.1", by=editor)
    later = timezone.localdate() + timedelta(days=182)
    ReferentialVersion.objects.filter(pk=draft.pk).update(effective_at=later)
    second = services.publish_version(version=ReferentialVersion.objects.get(pk=draft.pk), by=editor)
    first.refresh_from_db()
    return first, second, later


def versions_url(version):
    return f"/api/v1/referentials/{version.referential.slug}/versions/"


def test_a_version_published_today_for_later_leaves_the_previous_one_in_force_until_then(two_editions):
    first, second, later = two_editions
    versions = list(first.referential.versions.all())

    assert queries.version_in_force(versions, timezone.localdate()) == first
    assert queries.version_in_force(versions, later - timedelta(days=1)) == first
    assert queries.version_in_force(versions, later) == second
    assert queries.version_in_force(versions, timezone.localdate(first.published_at) - timedelta(days=1)) is None


def test_the_referential_page_says_which_applies_and_until_when(anonymous, two_editions):
    first, second, later = two_editions

    text = anonymous.get(f"/referentiels/{first.referential.slug}/").content.decode()

    assert "Version en vigueur\u202f: 1.0" in text
    until = (later - timedelta(days=1)).strftime("%-d")
    assert "En vigueur jusqu’au" in text
    assert until in text
    assert "La version 1.1 est publiée, en vigueur le" in text


def test_latest_pdf_is_the_version_in_force_today(anonymous, two_editions):
    first, _second, _later = two_editions

    response = anonymous.get(f"/referentiels/{first.referential.slug}/latest.pdf")

    assert response["Location"] == f"/referentiels/{first.referential.slug}/1.0.pdf"


def test_the_api_marks_the_version_in_force_and_answers_for_a_date(anonymous, api_for, two_editions):
    first, _second, later = two_editions
    client = api_for(None)

    listed = {v["number"]: v for v in client.get(versions_url(first)).json()["results"]}
    on_the_day = client.get(versions_url(first), {"in_force_at": later.isoformat()}).json()["results"]
    before_anything = client.get(versions_url(first), {"in_force_at": "2000-01-01"}).json()["results"]

    assert (listed["1.0"]["in_force"], listed["1.1"]["in_force"]) == (True, False)
    assert listed["1.1"]["in_force_from"] == later.isoformat()
    assert [v["number"] for v in on_the_day] == ["1.1"]
    assert before_anything == []


@pytest.mark.parametrize("raw", ["demain", "2026-02-30", "01/07/2026", ""])
def test_a_malformed_date_is_a_400_naming_the_parameter(api_for, two_editions, raw):
    first, _second, _later = two_editions

    response = api_for(None).get(versions_url(first), {"in_force_at": raw})

    assert response.status_code == 400
    assert "in_force_at" in response.json()


def test_a_compliance_deadline_before_the_in_force_date_is_refused_naming_the_field():
    version = filled_version()
    version.effective_at = timezone.localdate() + timedelta(days=30)
    version.compliance_deadline = timezone.localdate() + timedelta(days=10)

    with pytest.raises(ValidationError) as excinfo:
        version.full_clean()

    assert "compliance_deadline" in excinfo.value.message_dict


def test_publishing_with_an_in_force_date_already_past_is_refused_naming_the_field(editor):
    version = filled_version()
    ReferentialVersion.objects.filter(pk=version.pk).update(effective_at=timezone.localdate() - timedelta(days=1))

    with pytest.raises(TransitionNotAllowed) as excinfo:
        services.publish_version(version=ReferentialVersion.objects.get(pk=version.pk), by=editor)

    assert any("effective_at" in problem for problem in excinfo.value.problems)
    version.refresh_from_db()
    assert version.status == ReferentialVersion.Status.DRAFT
