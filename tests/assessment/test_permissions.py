"""Assessments are confidential to their organisation and the ANS: another organisation's pages,
exports and endpoints answer 404 (never revealing that the assessment exists), and change nothing."""


import pytest
from django.urls import reverse

from assessment import services
from assessment.models import Assessment, AssessmentAnswer, Evidence, ReviewComment
from tests.assessment.conftest import answer_of, fill_conformant


@pytest.fixture
def submitted(assessment, contributor_a):
    fill_conformant(assessment, contributor_a)
    services.submit_assessment(assessment=assessment, by=contributor_a)
    return assessment


def urls(assessment):
    answer = answer_of(assessment, "MSS 1")
    evidence = Evidence.objects.filter(answer__assessment=assessment).first()
    keys = {"pk": assessment.pk}
    return {
        "get": [
            reverse("assessment:detail", kwargs=keys),
            reverse("assessment:answer", kwargs={**keys, "answer_pk": answer.pk}),
            reverse("assessment:submission", kwargs={**keys, "number": 1}),
            reverse("assessment:attestation", kwargs={**keys, "number": 1}),
            reverse("assessment:evidence_file", kwargs={"pk": evidence.pk}),
            *[reverse(f"assessment:{name}", kwargs=keys) for name in ("export_xlsx", "export_csv", "action_plan_xlsx", "action_plan_pdf")],
            f"/api/v1/assessments/{assessment.pk}/",
            f"/api/v1/assessments/{assessment.pk}/answers/",
            f"/api/v1/assessments/{assessment.pk}/submissions/",
        ],
        "post": [
            (reverse("assessment:answer", kwargs={**keys, "answer_pk": answer.pk}), {"result": "non_conforme", "justification": "x", "revision": answer.revision}),
            (reverse("assessment:evidence_add", kwargs={**keys, "answer_pk": answer.pk}), {"link": "https://x.fr", "effective_date": "2026-01-01"}),
            (reverse("assessment:evidence_withdraw", kwargs={"pk": evidence.pk}), {}),
            (reverse("assessment:submit", kwargs=keys), {}),
            (reverse("assessment:request_changes", kwargs={**keys, "number": 1}), {"general": "Non."}),
            (reverse("assessment:import_xlsx", kwargs=keys), {}),
        ],
    }


def _state(assessment):
    return (
        list(AssessmentAnswer.objects.filter(assessment=assessment).values_list("result", "justification", "revision")),
        Evidence.objects.filter(withdrawn_at__isnull=True).count(),
        assessment.submissions.count(),
        ReviewComment.objects.count(),
        Assessment.objects.get(pk=assessment.pk).status,
    )


def test_another_organisation_gets_404_on_every_page_export_and_endpoint(client_for, api_for, submitted, org_b, contributor_b):
    client, api = client_for(contributor_b), api_for(contributor_b)
    before = _state(submitted)
    for url in urls(submitted)["get"]:
        response = (api if url.startswith("/api/") else client).get(url)
        assert response.status_code == 404, url
    for url, data in urls(submitted)["post"]:
        assert client.post(url, data).status_code == 404, url
    assert api.patch(f"/api/v1/assessments/{submitted.pk}/answers/{answer_of(submitted, 'MSS 1').pk}/", {"result": "non_conforme"}, format="json").status_code == 404
    assert api.post(f"/api/v1/assessments/{submitted.pk}/submit/").status_code == 404
    assert _state(submitted) == before


def test_anonymous_visitors_see_nothing_of_an_assessment(anonymous, api_for, submitted):
    before = _state(submitted)
    for url in urls(submitted)["get"]:
        if url.startswith("/api/"):
            assert api_for(None).get(url).status_code in (401, 403), url
        else:
            response = anonymous.get(url)
            assert response.status_code == 302 and "/compte/connexion/" in response["Location"], url
    for url, data in urls(submitted)["post"]:
        assert anonymous.post(url, data).status_code == 302, url
    assert _state(submitted) == before


def test_the_organisation_and_the_ans_see_every_page(client_for, api_for, submitted, contributor_a, editor):
    for user in (contributor_a, editor):
        client, api = client_for(user), api_for(user)
        for url in urls(submitted)["get"]:
            response = (api if url.startswith("/api/") else client).get(url)
            assert response.status_code == 200, (user, url)


def test_contributors_cannot_see_the_ans_dashboard(client_for, contributor_a, org_a, editor):
    assert client_for(contributor_a).get(reverse("assessment:dashboard")).status_code == 404
    assert client_for(editor).get(reverse("assessment:dashboard")).status_code == 200


def test_the_ans_reads_but_does_not_answer_for_an_organisation(client_for, assessment, editor):
    row = answer_of(assessment, "MSS 2")
    url = reverse("assessment:answer", kwargs={"pk": assessment.pk, "answer_pk": row.pk})
    client_for(editor).post(url, {"result": "conforme", "revision": row.revision})
    assert answer_of(assessment, "MSS 2").result == "non_evalue"


def test_a_list_shows_only_the_organisations_own_assessments(client_for, assessment, other_assessment, contributor_a, editor):
    mine = client_for(contributor_a).get(reverse("assessment:list")).context["assessments"]
    assert list(mine) == [assessment]
    assert set(client_for(editor).get(reverse("assessment:list")).context["assessments"]) == {assessment, other_assessment}
