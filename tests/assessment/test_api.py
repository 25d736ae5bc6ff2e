from drf_spectacular.drainage import GENERATOR_STATS
from openapi_spec_validator import validate

from assessment.models import Assessment, Submission
from tests.assessment.conftest import answer_of, fill_conformant


def test_a_member_starts_answers_and_submits_through_the_api(api_for, version, operator_role, org_a, contributor_a):
    api = api_for(contributor_a)
    created = api.post("/api/v1/assessments/", {"referential": version.referential.slug, "version": version.number, "actor": "operateur"}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    rows = api.get(f"/api/v1/assessments/{pk}/answers/").json()
    assert [r["requirement_key"] for r in rows] == ["MSS 1", "MSS 2", "MSS 3", "MSS 4"]
    mss2 = rows[1]
    patched = api.patch(f"/api/v1/assessments/{pk}/answers/{mss2['id']}/", {"result": "non_conforme", "justification": "Certificats expirés.", "revision": mss2["revision"]}, format="json")
    assert patched.status_code == 200 and patched.json()["result"] == "non_conforme" and patched.json()["deadline"]["deadline"]
    stale = api.patch(f"/api/v1/assessments/{pk}/answers/{mss2['id']}/", {"result": "conforme", "revision": mss2["revision"]}, format="json")
    assert stale.status_code == 409 and "modifiée par un autre membre" in stale.json()["detail"]
    detail = api.get(f"/api/v1/assessments/{pk}/").json()
    assert detail["verdict"]["conformant"] is True and detail["complete"] is False
    refused = api.post(f"/api/v1/assessments/{pk}/submit/")
    assert refused.status_code == 409 and "MSS 1 : exigence non évaluée." in refused.json()["problems"]
    assert not Submission.objects.exists()


def test_an_invalid_answer_names_the_field(api_for, assessment, contributor_a):
    row = answer_of(assessment, "MSS 1")
    response = api_for(contributor_a).patch(f"/api/v1/assessments/{assessment.pk}/answers/{row.pk}/", {"result": "peut-etre"}, format="json")
    assert response.status_code == 400 and "result" in response.json()


def test_submissions_and_change_requests_through_the_api(api_for, assessment, contributor_a, editor):
    fill_conformant(assessment, contributor_a)
    submitted = api_for(contributor_a).post(f"/api/v1/assessments/{assessment.pk}/submit/")
    assert submitted.status_code == 201 and submitted.json()["verdict"] == "conforme"
    snapshot = api_for(editor).get(f"/api/v1/assessments/{assessment.pk}/submissions/1/").json()["snapshot"]
    assert snapshot["answers"][0]["key"] == "MSS 1"
    url = f"/api/v1/assessments/{assessment.pk}/submissions/1/request-changes/"
    assert api_for(contributor_a).post(url, {"requirements": {"MSS 2": "?"}}, format="json").status_code == 403
    assert api_for(editor).post(url, {"requirements": {"MSS 99": "?"}}, format="json").status_code == 400
    assert api_for(editor).post(url, {"requirements": {"MSS 2": "Joignez le certificat."}}, format="json").status_code == 200
    assert Assessment.objects.get().status == Assessment.Status.CHANGES_REQUESTED
    assert api_for(editor).post(url, {"general": "Encore."}, format="json").status_code == 409


def test_editors_list_every_assessment_and_contributors_their_own(api_for, assessment, other_assessment, contributor_a, editor):
    mine = api_for(contributor_a).get("/api/v1/assessments/").json()["results"]
    assert [a["id"] for a in mine] == [assessment.pk]
    assert {a["id"] for a in api_for(editor).get("/api/v1/assessments/").json()["results"]} == {assessment.pk, other_assessment.pk}


def test_the_assessment_api_is_in_the_openapi_schema_without_warnings(api_for, db):
    GENERATOR_STATS.reset()
    schema = api_for(None).get("/api/schema/", {"format": "json"}).json()
    validate(schema)
    assert {"/api/v1/assessments/", "/api/v1/assessments/{id}/", "/api/v1/assessments/{id}/answers/{answer_id}/",
            "/api/v1/assessments/{id}/submit/", "/api/v1/assessments/{id}/submissions/{number}/request-changes/"} <= set(schema["paths"])
    ours = [m for m in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache] if "assessment/" in m]
    assert ours == []
