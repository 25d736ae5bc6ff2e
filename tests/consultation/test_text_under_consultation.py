"""The text under consultation does not move: every path that could change it refuses, saying why,
and each comment keeps the text it was written on."""

import pytest
from django.db import models, transaction
from django.urls import reverse

from referential import services as referential_services
from referential.errors import VersionFrozen
from referential.models import ConformityThreshold, ReferentialVersion, Requirement, Section
from tests.factories import ActorFactory, SectionFactory, staff_editor_user

from .conftest import comment_by

pytestmark = pytest.mark.django_db
UNDER_CONSULTATION = "en concertation"

PROPOSAL = "L'opérateur **DOIT** chiffrer les échanges en TLS 1.3."


def requirement_api_url(requirement):
    version = requirement.version
    return (
        f"/api/v1/referentials/{version.referential.slug}/versions/{version.number}/requirements/"
        f"{requirement.key.replace(' ', '%20')}/"
    )


def comment_api_url(comment):
    return f"/api/v1/comments/{comment.pk}/"


def test_an_editor_patch_of_a_requirement_under_consultation_is_refused_and_the_redline_stays(
    members, consultation, contributor_a, mss1, api_for, editor
):
    comment = comment_by(contributor_a, consultation, requirement=mss1, kind="proposal", proposed_wording=PROPOSAL)
    before = api_for(contributor_a).get(comment_api_url(comment)).json()["proposed_redline_html"]

    response = api_for(editor).patch(
        requirement_api_url(mss1),
        {"statement": "L'opérateur **DOIT** chiffrer les échanges en TLS 1.2.", "revision": mss1.revision},
        format="json",
    )

    assert response.status_code == 409
    assert UNDER_CONSULTATION in response.json()["detail"]
    mss1.refresh_from_db()
    assert "TLS 1.2 ou supérieur" in mss1.statement
    after = api_for(contributor_a).get(comment_api_url(comment)).json()["proposed_redline_html"]
    assert after == before
    assert "<del>2 ou supérieur</del><ins>3</ins>" in after


def test_adding_or_deleting_a_requirement_through_the_api_is_refused_under_consultation(consultation, mss1, api_for, editor):
    version = consultation.version
    client = api_for(editor)
    url = f"/api/v1/referentials/{version.referential.slug}/versions/{version.number}/requirements/"

    created = client.post(
        url, {"key": "MSS 9", "title": "Tard", "statement": "Texte.", "section": mss1.section_id}, format="json"
    )
    deleted = client.delete(requirement_api_url(mss1))

    assert (created.status_code, deleted.status_code) == (409, 409)
    assert set(version.requirements.values_list("key", flat=True)) == {"MSS 1", "MSS 2"}


def test_the_services_refuse_every_change_of_the_text_with_the_reason(consultation, mss1, editor):
    version = consultation.version

    refusals = [
        lambda: referential_services.update_requirement(requirement=mss1, title="Réécrit", by=editor),
        lambda: referential_services.update_requirement(requirement=mss1, actors=[], by=editor),
        lambda: referential_services.delete_requirement(requirement=mss1, by=editor),
        lambda: referential_services.create_requirement(
            version=version, section=mss1.section, key="MSS 9", title="Tard", statement="…", by=editor
        ),
    ]
    for refuse in refusals:
        with pytest.raises(VersionFrozen, match=UNDER_CONSULTATION), transaction.atomic():
            refuse()

    mss1.refresh_from_db()
    assert mss1.title != "Réécrit"
    assert mss1.actors.exists()


def test_the_rows_themselves_refuse_every_change_whatever_the_path(consultation, mss1):
    version = consultation.version
    section = mss1.section
    threshold = version.thresholds.first()

    attempts = {
        "requirement save": lambda: Requirement.objects.get(pk=mss1.pk).save(),
        "requirement delete": lambda: Requirement.objects.get(pk=mss1.pk).delete(),
        "requirement update": lambda: Requirement.objects.filter(pk=mss1.pk).update(title="x"),
        "requirement bulk delete": lambda: Requirement.objects.filter(version=version).delete(),
        "requirement bulk create": lambda: Requirement.objects.bulk_create(
            [Requirement(version=version, section=section, key="MSS 9", title="x", statement="x")]
        ),
        "section save": lambda: Section.objects.get(pk=section.pk).save(),
        "section create": lambda: SectionFactory(version=version),
        "section update": lambda: Section.objects.filter(pk=section.pk).update(title="x"),
        "threshold save": lambda: ConformityThreshold.objects.get(pk=threshold.pk).save(),
        "threshold update": lambda: ConformityThreshold.objects.filter(pk=threshold.pk).update(max_findings=9),
        "actor added": lambda: mss1.actors.add(ActorFactory()),
        "actor removed": lambda: mss1.actors.clear(),
    }
    for name, attempt in attempts.items():
        with pytest.raises(VersionFrozen, match=UNDER_CONSULTATION), transaction.atomic():
            attempt()
            pytest.fail(f"{name} was accepted")


def test_the_version_row_keeps_its_number_and_rule_but_can_still_be_published(consultation):
    version = ReferentialVersion.objects.get(pk=consultation.version.pk)
    version.conformity_rule_note = "Règle changée en cours de concertation."

    with pytest.raises(VersionFrozen, match=UNDER_CONSULTATION):
        version.save()

    version.refresh_from_db()
    version.number = "9.9"
    with pytest.raises(VersionFrozen):
        version.save()


def test_the_admin_shows_a_requirement_under_consultation_read_only_and_refuses_a_post(client_for, consultation, mss1):
    client = client_for(staff_editor_user(username="po"))
    change_url = reverse("admin:referential_requirement_change", args=[mss1.pk])

    page = client.get(change_url)
    posted = client.post(change_url, {"title": "Pirate", "key": mss1.key, "statement": "x", "section": mss1.section_id})

    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert posted.status_code == 403
    mss1.refresh_from_db()
    assert mss1.title != "Pirate"


def test_the_admin_offers_no_version_under_consultation_for_a_new_requirement(client_for, consultation):
    client = client_for(staff_editor_user(username="po"))

    page = client.get(reverse("admin:referential_requirement_add"))

    choices = page.context["adminform"].form.fields["version"].queryset
    assert consultation.version not in choices


def test_a_comment_keeps_the_text_it_was_written_on_and_its_redline_against_it(members, consultation, contributor_a, mss1):
    from consultation.queries import present_comments

    comment = comment_by(contributor_a, consultation, requirement=mss1, kind="proposal", proposed_wording=PROPOSAL)
    written_on = mss1.statement
    # Whatever happens to the requirement later (here a raw write no service would make).
    models.QuerySet.update(Requirement.objects.filter(pk=mss1.pk), statement="Un tout autre texte.")

    comment.refresh_from_db()
    [shown] = present_comments([comment])

    assert comment.commented_text == written_on
    assert "<del>2 ou supérieur</del><ins>3</ins>" in str(shown.proposed_redline)
    assert "tout autre" not in str(shown.proposed_redline)


def test_a_comment_on_a_chapter_or_the_version_keeps_no_text(members, consultation, contributor_a, mss1):
    on_chapter = comment_by(contributor_a, consultation, section=mss1.section)
    on_version = comment_by(contributor_a, consultation)

    assert on_chapter.commented_text == on_version.commented_text == ""
