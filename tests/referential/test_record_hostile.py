"""The official record, tried by a hostile reviewer: an outsider, a contributor of another
organisation, an editor making honest mistakes. Each test is a way the record could shift or
mislead that was found open, then closed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from referential import queries, services
from referential.models import ReferentialVersion
from tests.factories import filled_version

pytestmark = pytest.mark.django_db
Status = ReferentialVersion.Status


def _publish_next(previous, number, *, effective_at, by):
    draft = services.start_draft(referential=previous.referential, number=number, source=previous, by=by)
    ReferentialVersion.objects.filter(pk=draft.pk).update(effective_at=effective_at)
    return services.publish_version(version=ReferentialVersion.objects.get(pk=draft.pk), by=by)


@pytest.fixture
def overtaken(editor):
    """1.0 in force; 1.1 published for day +180; then 1.2 (based on 1.1) published for day +30:
    1.1 is replaced before it ever applies."""
    today = timezone.localdate()
    first = services.publish_version(version=filled_version(number="1.0"), by=editor)
    second = _publish_next(first, "1.1", effective_at=today + timedelta(days=180), by=editor)
    third = _publish_next(second, "1.2", effective_at=today + timedelta(days=30), by=editor)
    return first, second, third, today


def test_a_version_overtaken_before_it_applied_never_comes_back_in_force(overtaken):
    first, second, third, today = overtaken
    versions = list(first.referential.versions.all())

    assert queries.version_in_force(versions, today) == first
    assert queries.version_in_force(versions, today + timedelta(days=30)) == third
    # 1.2 replaced 1.1 (it is published after it, and carries its changes): 1.1 never applies.
    assert queries.version_in_force(versions, today + timedelta(days=200)) == third
    assert queries.current_version(first.referential.slug, today + timedelta(days=200)) == third


def test_an_overtaken_version_is_not_announced_as_upcoming(overtaken, anonymous):
    first, second, third, today = overtaken
    referential = first.referential
    versions = list(referential.versions.all())

    queries.mark_in_force(referential, versions, today + timedelta(days=60))

    assert referential.current == third
    assert referential.upcoming is None
    assert referential.current.in_force_until is None


def test_the_publication_review_does_not_call_a_version_that_will_apply_overtaken(editor):
    """1.1 is published for day +180; 1.2 is reviewed for day +365: 1.1 applies from +180 to +364, so
    it is not « remplacée avant de s'appliquer », and 1.0 stops at +179, not at +364."""
    today = timezone.localdate()
    first = services.publish_version(version=filled_version(number="1.0"), by=editor)
    second = _publish_next(first, "1.1", effective_at=today + timedelta(days=180), by=editor)
    draft = services.start_draft(referential=first.referential, number="1.2", source=second, by=editor)
    ReferentialVersion.objects.filter(pk=draft.pk).update(effective_at=today + timedelta(days=365))

    review = services.review_publication(ReferentialVersion.objects.get(pk=draft.pk), today=today)

    assert review.replaced == first
    assert review.overtaken is None
    assert review.replaced_until == today + timedelta(days=179)


# The text under consultation, by the version row -------------------------------------------------

from django.db import transaction  # noqa: E402

from referential.errors import VersionFrozen  # noqa: E402
from tests.factories import freeze  # noqa: E402


@pytest.fixture
def in_consultation():
    return freeze(filled_version(number="1.0"), Status.CONSULTATION)


@pytest.mark.parametrize(
    "change",
    [{"conformity_rule_note": "Règle changée en douce."}, {"number": "9.9"}, {"status": Status.DRAFT}],
    ids=["rule", "number", "back-to-draft"],
)
def test_a_bulk_update_cannot_change_the_rule_number_or_status_of_a_version_under_consultation(in_consultation, change):
    with pytest.raises(VersionFrozen), transaction.atomic():
        ReferentialVersion.objects.filter(pk=in_consultation.pk).update(**change)

    stored = ReferentialVersion.objects.filter(pk=in_consultation.pk).values(*change).get()
    assert stored != change


def test_a_version_under_consultation_cannot_go_back_to_draft_to_unfreeze_its_text(in_consultation):
    version = ReferentialVersion.objects.get(pk=in_consultation.pk)
    version.status = Status.DRAFT

    with pytest.raises(VersionFrozen):
        version.save()

    assert ReferentialVersion.objects.get(pk=in_consultation.pk).status == Status.CONSULTATION


def test_the_row_of_a_version_under_consultation_still_takes_its_dates_and_its_publication(in_consultation):
    ReferentialVersion.objects.filter(pk=in_consultation.pk).update(
        effective_at=timezone.localdate() + timedelta(days=10), publication_task_id="t1"
    )
    version = ReferentialVersion.objects.get(pk=in_consultation.pk)
    version.change_summary = "Résumé revu."
    version.save()
    assert ReferentialVersion.objects.get(pk=in_consultation.pk).change_summary == "Résumé revu."


# Keys ----------------------------------------------------------------------------------------------

from django.core.exceptions import ValidationError  # noqa: E402


@pytest.mark.parametrize("key", [".", "..", " .. "])
def test_a_key_that_a_url_would_read_as_a_relative_path_is_refused(editor, key):
    version = filled_version(number="1.0")

    with pytest.raises(ValidationError) as excinfo:
        services.create_requirement(
            version=version, section=version.sections.first(), key=key, title="x", statement="x", by=editor
        )

    assert "key" in excinfo.value.message_dict


# Publication -----------------------------------------------------------------------------------------

from django.urls import reverse  # noqa: E402

from tests.factories import staff_editor_user  # noqa: E402


def publish_url(version):
    return reverse("referential:version_publish", kwargs={"slug": version.referential.slug, "number": version.number})


def test_a_confirmation_given_before_a_colleague_changed_the_text_publishes_nothing(client_for, editor):
    """Claire reviews 1.1 (its PDF preview, its problems); Paul then rewrites a requirement; Claire's
    confirmation is of a text that no longer exists: nothing is published, she sees the page again."""
    po = staff_editor_user(username="claire")
    published = services.publish_version(version=filled_version(number="1.0"), by=po)
    draft = services.start_draft(referential=published.referential, number="1.1", by=po)
    seen = services.review_publication(ReferentialVersion.objects.get(pk=draft.pk)).fingerprint

    requirement = draft.requirements.get(key="MSS 1")
    services.update_requirement(requirement=requirement, statement="L'opérateur PEUT chiffrer.", by=editor)
    response = client_for(po).post(publish_url(draft), {"revue": seen})

    assert response.status_code == 200
    assert ReferentialVersion.objects.get(pk=draft.pk).status == Status.DRAFT


def test_the_confirmation_still_publishes_when_nothing_changed(client_for):
    po = staff_editor_user(username="claire")
    draft = filled_version(number="1.0")
    seen = services.review_publication(ReferentialVersion.objects.get(pk=draft.pk)).fingerprint

    response = client_for(po).post(publish_url(draft), {"revue": seen})

    assert response.status_code == 302
    assert ReferentialVersion.objects.get(pk=draft.pk).status == Status.PUBLISHED


def test_the_confirmation_page_refuses_a_post_without_its_csrf_token(po_csrf_client):
    client, draft = po_csrf_client
    seen = services.review_publication(ReferentialVersion.objects.get(pk=draft.pk)).fingerprint

    response = client.post(publish_url(draft), {"revue": seen})

    assert response.status_code == 403
    assert ReferentialVersion.objects.get(pk=draft.pk).status == Status.DRAFT


@pytest.fixture
def po_csrf_client():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_editor_user(username="claire"))
    return client, filled_version(number="1.0")


def test_a_compliance_deadline_before_the_day_the_version_applies_blocks_publication(editor):
    """No in-force date: the version applies from its publication, so a compliance deadline already past
    is incoherent — refused naming the field, like an in-force date before publication."""
    version = filled_version(number="1.0")
    ReferentialVersion.objects.filter(pk=version.pk).update(
        compliance_deadline=timezone.localdate() - timedelta(days=1)
    )

    problems = services.publication_problems(ReferentialVersion.objects.get(pk=version.pk))

    assert any("compliance_deadline" in str(problem) for problem in problems), problems


# Two texts under consultation at once would lock each other out of publication ---------------------


def test_a_second_version_cannot_go_to_consultation_while_another_is_in_consultation(editor):
    """1.1 is in consultation; the editors start 1.2 from it and submit it too. Each would then wait
    for the other (« publiez d'abord la version … ») and neither could ever go back to draft: the
    second submission is refused, naming the version in consultation."""
    from core.errors import TransitionNotAllowed

    published = services.publish_version(version=filled_version(number="1.0"), by=editor)
    first = services.start_draft(referential=published.referential, number="1.1", by=editor)
    services.submit_version_to_consultation(version=first, by=editor)
    second = services.start_draft(referential=published.referential, number="1.2", source=ReferentialVersion.objects.get(pk=first.pk), by=editor)

    with pytest.raises(TransitionNotAllowed, match="1.1"):
        services.submit_version_to_consultation(version=second, by=editor)

    assert ReferentialVersion.objects.get(pk=second.pk).status == Status.DRAFT


# Labels fixed at publication -------------------------------------------------------------------------


def test_a_level_created_after_publication_is_not_listed_by_the_published_version(editor, api_for):
    """The published PDF's annex lists the levels of its day; its API answer must not grow a new one."""
    from tests.factories import LevelFactory

    version = services.publish_version(version=filled_version(number="1.0"), by=editor)
    LevelFactory(slug="mineure", label="Mineure", rank=9)
    url = f"/api/v1/referentials/{version.referential.slug}/versions/1.0/"

    body = api_for(None).get(url).json()

    assert "mineure" not in [level["slug"] for level in body["levels"]]
    draft = services.start_draft(referential=version.referential, number="1.1", by=editor)
    assert "mineure" in [level.slug for level in __import__("referential.fixed_labels").fixed_labels.levels_of(draft)]


# Midnight in Paris ---------------------------------------------------------------------------------------


def test_a_version_published_at_half_past_midnight_in_paris_applies_from_that_paris_day(editor):
    """30 November 23:30 UTC is 1 December 00:30 in Paris: the version applies from 1 December, an
    in-force date of 1 December is not « before the publication », and 30 November is."""
    from datetime import date, datetime
    from datetime import timezone as dt_timezone

    published_at = datetime(2026, 11, 30, 23, 30, tzinfo=dt_timezone.utc)
    version = filled_version(number="1.0")
    ReferentialVersion.objects.filter(pk=version.pk).update(effective_at=date(2026, 11, 30))
    assert services.publication_problems(ReferentialVersion.objects.get(pk=version.pk), published_at=published_at)

    ReferentialVersion.objects.filter(pk=version.pk).update(effective_at=None)
    version = services.publish_version(version=ReferentialVersion.objects.get(pk=version.pk), by=editor, published_at=published_at)

    assert version.in_force_from == date(2026, 12, 1)
    assert queries.version_in_force([version], date(2026, 11, 30)) is None
    assert queries.version_in_force([version], date(2026, 12, 1)) == version


def test_a_summer_time_day_changes_nothing(editor):
    """29 March 2026, 00:30 UTC is 01:30 in Paris (the clocks go forward at 02:00): still 29 March."""
    from datetime import date, datetime
    from datetime import timezone as dt_timezone

    published_at = datetime(2026, 3, 29, 0, 30, tzinfo=dt_timezone.utc)
    version = services.publish_version(version=filled_version(number="1.0"), by=editor, published_at=published_at)

    assert version.in_force_from == date(2026, 3, 29)
