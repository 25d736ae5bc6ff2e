"""Writing requirements through the API: only editors, only drafts, never silently over someone else."""

import pytest
from rest_framework.test import APIClient

from referential.models import ReferentialVersion, Requirement
from tests.factories import ReferentialFactory, filled_version, freeze

pytestmark = pytest.mark.django_db

Status = ReferentialVersion.Status
FROZEN = "Cette version est publiée : elle ne peut plus être modifiée."
CONCURRENT = "Cette exigence a été modifiée par quelqu'un d'autre"


@pytest.fixture
def referential():
    return ReferentialFactory(slug="ref1-mssante")


@pytest.fixture
def published(referential):
    return freeze(filled_version(referential=referential, number="1.0"))


@pytest.fixture
def draft(referential, published):
    return filled_version(referential=referential, number="1.1", based_on=published)


def requirements_url(version):
    return f"/api/v1/referentials/{version.referential.slug}/versions/{version.number}/requirements/"


def requirement_url(version, key="MSS 1"):
    return requirements_url(version) + key.replace(" ", "%20") + "/"


def new_requirement(version, **overrides):
    return {
        "key": "MSS 30",
        "title": "Journalisation des accès",
        "statement": "L'opérateur **DOIT** journaliser chaque accès à une boîte aux lettres.",
        "level": "majeure",
        "actors": ["operateur"],
        "section": version.sections.get(title="Annuaire").pk,
        "verification_method": "Audit",
        "compliance_deadline": "2026-06-30",
        **overrides,
    }


def snapshot():
    """Everything a write could touch: requirement rows, their actors, their history."""
    rows = list(
        Requirement.objects.order_by("pk").values_list(
            "pk", "version_id", "section_id", "key", "title", "statement", "level_id", "position", "revision"
        )
    )
    actors = list(Requirement.actors.through.objects.order_by("pk").values_list("requirement_id", "actor_id"))
    return rows, actors, Requirement.history.count()


def write(client, method, version):
    """The three writes of the API, each valid for ``version``."""
    if method == "post":
        return client.post(requirements_url(version), new_requirement(version), format="json")
    if method == "patch":
        return client.patch(requirement_url(version), {"title": "Chiffrement de bout en bout", "revision": 1}, format="json")
    return client.delete(requirement_url(version))


WRITES = ["post", "patch", "delete"]


# Who may write ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("status", [Status.DRAFT, Status.CONSULTATION, Status.PUBLISHED])
def test_anonymous_users_and_contributors_get_403_and_nothing_changes(
    api_for, contributor_a, referential, method, status
):
    version = filled_version(referential=referential, number="2.0")
    if status != Status.DRAFT:
        freeze(version, status)
    before = snapshot()

    for user, expected in ((None, 401), (contributor_a, 403)):  # anonymous: 401, sign in first
        response = write(api_for(user), method, version)
        assert response.status_code == expected, (user, response.content)
        assert response.json()["detail"]

    assert snapshot() == before


def test_a_contributor_is_told_why_in_french(api_for, contributor_a, draft):
    response = write(api_for(contributor_a), "post", draft)

    assert response.json() == {"detail": "Seuls les éditeurs de l'ANS peuvent modifier les référentiels."}


def test_an_editor_adds_a_requirement_to_a_draft(api_for, editor, draft):
    response = write(api_for(editor), "post", draft)

    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == body["url"]
    assert body["url"].endswith("/versions/1.1/requirements/MSS%2030/")
    assert (body["key"], body["level"], body["actors"], body["section_number"]) == ("MSS 30", "majeure", ["operateur"], "2")
    assert body["compliance_deadline"] == "2026-06-30"
    created = Requirement.objects.get(version=draft, key="MSS 30")
    assert created.title == "Journalisation des accès"
    assert [a.slug for a in created.actors.all()] == ["operateur"]
    assert created.history.earliest().history_type == "+"
    assert created.history.earliest().history_user == editor


def test_an_editor_changes_a_draft_requirement(api_for, editor, draft):
    response = api_for(editor).patch(
        requirement_url(draft),
        {"title": "Chiffrement de bout en bout", "level": "majeure", "actors": ["operateur-proxy"], "revision": 1},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["level"], body["actors"], body["revision"]) == (
        "Chiffrement de bout en bout",
        "majeure",
        ["operateur-proxy"],
        2,
    )
    stored = Requirement.objects.get(version=draft, key="MSS 1")
    assert (stored.title, stored.level.slug, stored.revision) == ("Chiffrement de bout en bout", "majeure", 2)
    assert stored.history.first().history_change_reason == "Modification"


def test_an_editor_renames_a_key_and_the_new_url_answers(api_for, editor, draft):
    client = api_for(editor)

    response = client.patch(requirement_url(draft), {"key": "MSS 1 bis", "revision": 1}, format="json")

    assert response.status_code == 200
    assert response.json()["url"].endswith("/requirements/MSS%201%20bis/")
    assert client.get(requirement_url(draft, "MSS 1 bis")).status_code == 200
    assert client.get(requirement_url(draft)).status_code == 404


def test_an_editor_deletes_a_draft_requirement(api_for, editor, draft):
    response = write(api_for(editor), "delete", draft)

    assert response.status_code == 204
    assert not Requirement.objects.filter(version=draft, key="MSS 1").exists()
    assert Requirement.objects.filter(version=draft).count() == 1


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.SUPERSEDED])
def test_an_editor_gets_409_on_a_frozen_version_and_nothing_changes(api_for, editor, referential, method, status):
    version = freeze(filled_version(referential=referential, number="0.9"), status)
    before = snapshot()

    response = write(api_for(editor), method, version)

    assert response.status_code == 409, response.content
    assert response.json() == {"detail": FROZEN}
    assert snapshot() == before


def test_put_is_not_offered(api_for, editor, draft):
    response = api_for(editor).put(requirement_url(draft), new_requirement(draft), format="json")

    assert response.status_code == 405


# Bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"level": "gravissime"}, "level"),
        ({"title": ""}, "title"),
        ({"key": "MSS 2"}, "key"),  # already used in this version
        ({"actors": ["inconnu"]}, "actors"),
        ({"compliance_deadline": "30/06/2026"}, "compliance_deadline"),
    ],
)
def test_a_bad_new_requirement_is_refused_naming_the_field(api_for, editor, draft, overrides, field):
    before = snapshot()

    response = api_for(editor).post(requirements_url(draft), new_requirement(draft, **overrides), format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body[field], body
    assert body["detail"].startswith(f"{field} : ")
    assert snapshot() == before


def test_a_chapter_of_another_version_is_refused(api_for, editor, draft, published):
    other_chapter = published.sections.get(title="Annuaire").pk

    response = api_for(editor).post(requirements_url(draft), new_requirement(draft, section=other_chapter), format="json")

    assert response.status_code == 400
    assert "section" in response.json()
    assert not Requirement.objects.filter(key="MSS 30").exists()


def test_a_missing_statement_is_refused(api_for, editor, draft):
    data = new_requirement(draft)
    del data["statement"]

    response = api_for(editor).post(requirements_url(draft), data, format="json")

    assert response.status_code == 400
    assert "statement" in response.json()


def test_renaming_onto_a_used_key_is_refused_and_the_requirement_keeps_its_revision(api_for, editor, draft):
    before = snapshot()

    response = api_for(editor).patch(requirement_url(draft), {"key": "MSS 2", "revision": 1}, format="json")

    assert response.status_code == 400
    assert response.json()["key"] == ["La clé MSS 2 est déjà utilisée dans cette version."]
    assert snapshot() == before


def test_a_validation_message_follows_accept_language(api_for, editor, draft):
    response = api_for(editor).patch(
        requirement_url(draft), {"title": "", "revision": 1}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert response.json()["title"] == ["This field may not be blank."]


# Concurrent edits ---------------------------------------------------------------------------------


def test_a_stale_revision_is_refused_with_409_and_nothing_changes(api_for, editor, draft):
    client = api_for(editor)
    assert client.patch(requirement_url(draft), {"title": "Première", "revision": 1}, format="json").status_code == 200
    before = snapshot()

    response = client.patch(requirement_url(draft), {"title": "Seconde", "revision": 1}, format="json")

    assert response.status_code == 409
    assert response.json()["detail"].startswith(CONCURRENT)
    assert snapshot() == before
    assert Requirement.objects.get(version=draft, key="MSS 1").title == "Première"


def test_the_revision_may_come_in_an_if_match_header(api_for, editor, draft):
    client = api_for(editor)

    stale = client.patch(requirement_url(draft), {"title": "Seconde"}, format="json", HTTP_IF_MATCH='"7"')
    current = client.patch(requirement_url(draft), {"title": "Seconde"}, format="json", HTTP_IF_MATCH='"1"')

    assert stale.status_code == 409
    assert current.status_code == 200
    assert current.json()["revision"] == 2


def test_a_malformed_if_match_is_refused_naming_the_revision(api_for, editor, draft):
    response = api_for(editor).patch(requirement_url(draft), {"title": "X"}, format="json", HTTP_IF_MATCH="abc")

    assert response.status_code == 400
    assert "revision" in response.json()
    assert Requirement.objects.get(version=draft, key="MSS 1").revision == 1


# Token authentication -----------------------------------------------------------------------------


def token_client(username):
    from tests.factories import totp_code

    # Editors give the code of their authenticator app too (accounts.mfa); others' is ignored.
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": "motdepasse-solide-42", "code": totp_code()},
        format="json",
    )
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def test_an_editor_with_a_token_changes_a_draft_and_is_recorded_as_the_author(editor, draft):
    response = token_client("editrice").patch(
        requirement_url(draft), {"title": "Par script", "revision": 1}, format="json"
    )

    assert response.status_code == 200, response.content
    stored = Requirement.objects.get(version=draft, key="MSS 1")
    assert stored.title == "Par script"
    assert stored.history.first().history_user == editor


def test_a_contributor_with_a_token_gets_403(contributor_a, draft):
    before = snapshot()

    response = token_client("operateur_a").patch(requirement_url(draft), {"title": "Non"}, format="json")

    assert response.status_code == 403
    assert snapshot() == before


def test_a_bad_token_is_refused(draft):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token faux")

    response = client.get(requirements_url(draft))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"]



def test_a_patch_without_the_revision_read_is_refused_with_428(api_for, editor, draft):
    before = snapshot()
    response = api_for(editor).patch(requirement_url(draft), {"title": "Sans révision"}, format="json")
    assert response.status_code == 428
    assert "révision" in response.json()["detail"]
    assert snapshot() == before
