"""The anonymous summary an editor may publish: counts from each assessment's latest submission,
never an organisation's name, only once enough organisations submitted, frozen until published again."""

import pytest
from django.urls import reverse

from assessment import services
from assessment.models import PublishedAggregate
from core.errors import DomainError, PermissionRefused, TransitionNotAllowed
from tests.consultation.conftest import approved_organisation, join
from tests.factories import VersionFactory, contributor_user

from .conftest import answer, fill_conformant

pytestmark = pytest.mark.django_db


def submitted_by(version, operator_role, user, organisation_name, *, gap=False):
    join(user, approved_organisation(organisation_name))
    assessment = services.start_assessment(version=version, actor=operator_role, by=user)
    fill_conformant(assessment, user)
    if gap:
        answer(assessment, "MSS 1", "non_conforme", user)
    services.submit_assessment(assessment=assessment, by=user)
    return assessment


@pytest.fixture
def three_submitted(version, operator_role):
    return [
        submitted_by(version, operator_role, contributor_user(username="op1"), "Opérateur Un"),
        submitted_by(version, operator_role, contributor_user(username="op2"), "Opérateur Deux", gap=True),
        submitted_by(version, operator_role, contributor_user(username="op3"), "Opérateur Trois", gap=True),
    ]


def test_nothing_is_public_before_an_editor_publishes(three_submitted, version, anonymous):
    assert anonymous.get(reverse("assessment:aggregate", kwargs={"version_pk": version.pk})).status_code == 404
    assert "Aucune synthèse" in anonymous.get(reverse("assessment:aggregates")).content.decode()


def test_the_published_summary_counts_without_naming_anyone(three_submitted, version, editor, anonymous, client_for):
    response = client_for(editor).post(reverse("assessment:aggregate_publish", kwargs={"version_pk": version.pk}))
    assert response.status_code == 302
    page = anonymous.get(reverse("assessment:aggregate", kwargs={"version_pk": version.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "3 organisations" in html
    assert "MSS 1 — Chiffrement TLS" in html
    for name in ("Opérateur Un", "Opérateur Deux", "Opérateur Trois"):
        assert name not in html
    aggregate = PublishedAggregate.objects.get(version=version)
    assert aggregate.figures["verdicts"] == {"conforme": 1, "non_conforme": 2}
    assert aggregate.figures["gaps"][0] == {"key": "MSS 1", "title": "Chiffrement TLS", "count": 2}
    assert str(version) in anonymous.get(reverse("assessment:aggregates")).content.decode()


def test_too_few_organisations_is_refused_with_the_numbers(version, operator_role, editor):
    submitted_by(version, operator_role, contributor_user(username="seul"), "Opérateur Seul", gap=True)
    with pytest.raises(DomainError) as refused:
        services.publish_aggregate(version=version, by=editor)
    assert "Au moins 3 organisations" in refused.value.message and "aujourd'hui : 1" in refused.value.message
    assert not PublishedAggregate.objects.exists()


def test_the_minimum_is_a_setting(version, operator_role, editor, settings):
    settings.ASSESSMENT_AGGREGATE_MIN_ORGANISATIONS = 1
    submitted_by(version, operator_role, contributor_user(username="seul"), "Opérateur Seul")
    assert services.publish_aggregate(version=version, by=editor).organisations == 1


def test_figures_are_frozen_until_published_again(three_submitted, version, operator_role, editor):
    services.publish_aggregate(version=version, by=editor)
    submitted_by(version, operator_role, contributor_user(username="op4"), "Opérateur Quatre", gap=True)
    assert PublishedAggregate.objects.get(version=version).organisations == 3
    services.publish_aggregate(version=version, by=editor)
    aggregate = PublishedAggregate.objects.get(version=version)
    assert (aggregate.organisations, aggregate.figures["verdicts"]["non_conforme"]) == (4, 3)
    assert aggregate.history.count() == 2


def test_only_editors_publish_or_withdraw(three_submitted, version, contributor_a, org_a, client_for):
    with pytest.raises(PermissionRefused):
        services.publish_aggregate(version=version, by=contributor_a)
    client = client_for(contributor_a)
    assert client.post(reverse("assessment:aggregate_publish", kwargs={"version_pk": version.pk})).status_code == 404
    assert client.post(reverse("assessment:aggregate_withdraw", kwargs={"version_pk": version.pk})).status_code == 404
    assert not PublishedAggregate.objects.exists()


def test_withdrawing_takes_it_offline_and_keeps_its_history(three_submitted, version, editor, anonymous, client_for):
    services.publish_aggregate(version=version, by=editor)
    client_for(editor).post(reverse("assessment:aggregate_withdraw", kwargs={"version_pk": version.pk}))
    assert anonymous.get(reverse("assessment:aggregate", kwargs={"version_pk": version.pk})).status_code == 404
    assert PublishedAggregate.history.filter(history_type="-").count() == 1
    with pytest.raises(TransitionNotAllowed):
        services.withdraw_aggregate(version=version, by=editor)


def test_a_draft_has_no_summary(editor):
    with pytest.raises(TransitionNotAllowed):
        services.publish_aggregate(version=VersionFactory(), by=editor)


def test_the_dashboard_offers_publication(three_submitted, version, editor, client_for):
    html = client_for(editor).get(reverse("assessment:dashboard"), {"version": version.pk}).content.decode()
    assert reverse("assessment:aggregate_publish", kwargs={"version_pk": version.pk}) in html


def test_a_requirement_assessed_by_too_few_organisations_is_not_counted_in_the_public_summary(three_submitted, version, proxy_role, editor, anonymous):
    """An organisation with several actor roles: « Opérateur Un » is also the only proxy vendor. The
    summary counted the gap on MSS 5 (proxy vendors only), which named its one possible author.
    A requirement's gaps are shown only when enough organisations answered it."""
    from django.contrib.auth import get_user_model

    op1 = get_user_model().objects.get(username="op1")
    proxy = services.start_assessment(version=version, actor=proxy_role, by=op1)
    answer(proxy, "MSS 5", "non_conforme", op1)
    services.submit_assessment(assessment=proxy, by=op1)
    aggregate = services.publish_aggregate(version=version, by=editor)
    assert aggregate.organisations == 3 and aggregate.figures["assessments"] == 4
    assert [gap["key"] for gap in aggregate.figures["gaps"]] == ["MSS 1"]
    page = anonymous.get(reverse("assessment:aggregate", kwargs={"version_pk": version.pk})).content.decode()
    assert "MSS 5" not in page and "Proxy" not in page
