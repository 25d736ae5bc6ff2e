"""Nothing invisible is rendered: every URL that takes an object id, page or API, GET or POST, is probed
with the ids of things the caller may not see — a draft outside consultation (its requirement and
chapter), an unpublished workshop (and its RIDA item), another contributor's comment — as anonymous
and as a contributor. None of their text may appear in any answer, and none answers 200 or 5xx.

The hidden objects get ids far above anything else the test creates, so an id can only ever name
the hidden object: a 200 could not be a coincidence with a visible row of the same id.
"""

import re
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from consultation import services
from consultation.models import Comment
from workshops.models import Workshop
from tests.consultation.conftest import approved_organisation, comment_by, join
from tests.workshops.factories import RidaItemFactory, WorkshopFactory
from tests.factories import RequirementFactory, SectionFactory, filled_version

SECRETS = ("SECRET-EXIGENCE", "SECRET-ENONCE", "SECRET-CHAPITRE", "SECRET-ATELIER", "SECRET-RIDA", "SECRET-COMMENTAIRE")
HIDDEN_IDS = {"requirement": 900_001, "section": 900_002, "workshop": 900_003, "rida": 900_004, "comment": 900_005}
# Which id a pattern takes is named by its kwargs; the accounts tokens are not object ids.
SKIPPED = {"account_confirm_email", "account_reset_password_from_key"}


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern)


def _fill(route: str, values: dict) -> str | None:
    """A concrete path for ``route`` (``path()`` or regex syntax) with ``values`` for its parameters."""
    route = route.lstrip("^").rstrip("$")

    def converter(match):
        return str(values[match.group(2)])

    def group(match):
        value = str(values[match.group(1)])
        choices = match.group(0)[len(match.group(1)) + 5 : -1]
        if re.fullmatch(r"\w+(\|\w+)+", choices) and value not in choices.split("|"):
            return choices.split("|")[0]  # a fixed choice (``reqifz|reqif``): a value it takes
        return value

    try:
        # Regex groups first: their ``(?P<name>…)`` would otherwise be taken for a ``<name>`` converter.
        path = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)", group, route)
        path = re.sub(r"<(?:(\w+):)?(\w+)>", converter, path)
    except KeyError:
        return None
    # A regex route included under a prefix keeps its ``^`` (and ``$``) inside the joined route.
    return "/" + path.replace("\\.", ".").replace("^", "").replace("$", "")


def id_routes():
    """Every route (pages and API) that names an object by id, with its name."""
    routes = []
    for name, route in _walk(get_resolver().url_patterns):
        if name in SKIPPED or "admin" in name.split(":")[0]:
            continue
        if re.search(r"<(?:\w+:)?pk>|\(\?P<pk>", route):
            routes.append((name, route))
    return routes


def test_the_probe_covers_every_object_page_and_endpoint():
    names = {name for name, _ in id_routes()}
    assert {
        "consultation:comment_create",
        "consultation:comment_edit",
        "workshops:workshop_detail",
        "workshops:workshop_pdf",
        "workshops:action_status",
        "consultation_api:comment-detail",
        "workshops_api:workshop-detail",
        "consultation_api:consultation-comments",
    } <= names
    assert len(names) >= 30


@pytest.fixture
def hidden_world(editor, contributor_a, contributor_b):
    """A visible consultation (open) beside a draft outside consultation, an unpublished workshop and
    contributor_b's comment; the hidden things carry SECRET markers in every text field."""
    join(contributor_a, approved_organisation("Messagerie Santé A"))
    join(contributor_b, approved_organisation("Logiciels B"))
    consulted = filled_version()
    now = timezone.now()
    consultation = services.open_consultation(
        version=consulted, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=14), by=editor
    )
    draft = filled_version()
    section = SectionFactory(pk=HIDDEN_IDS["section"], version=draft, title="SECRET-CHAPITRE", intro="SECRET-CHAPITRE")
    requirement = RequirementFactory(
        pk=HIDDEN_IDS["requirement"], version=draft, section=section, key="SECRET-EXIGENCE 1",
        title="SECRET-EXIGENCE", statement="SECRET-ENONCE",
    )
    workshop = WorkshopFactory(pk=HIDDEN_IDS["workshop"], title="SECRET-ATELIER", status=Workshop.Status.DRAFT)
    RidaItemFactory(pk=HIDDEN_IDS["rida"], workshop=workshop, object="SECRET-RIDA", question="SECRET-RIDA",
                    nature="A", owner="SECRET-RIDA")
    comment = comment_by(contributor_b, consultation, requirement=consulted.requirements.first(), body="SECRET-COMMENTAIRE")
    Comment.objects.filter(pk=comment.pk).update(id=HIDDEN_IDS["comment"])
    return {"consultation": consultation, "draft": draft, "requirement": requirement}


def _probe_values(world) -> list[dict]:
    consultation, draft, requirement = world["consultation"], world["draft"], world["requirement"]
    base = {"slug": draft.referential.slug, "number": draft.number, "a": draft.number, "b": draft.number,
            "other": draft.number, "key": requirement.key, "fmt": "csv"}
    # Every hidden id in the path; and the visible consultation, with hidden ids in query and body.
    return [{**base, "pk": pk} for pk in [*HIDDEN_IDS.values(), consultation.pk]]


TARGETS = {
    "requirement": HIDDEN_IDS["requirement"], "exigence": HIDDEN_IDS["requirement"],
    "section": HIDDEN_IDS["section"], "chapitre": HIDDEN_IDS["section"],
    "kind": "remark", "body": "Une remarque.", "decision": "accepted", "reason": "motif", "status": "done",
}


@pytest.mark.parametrize("persona", ["anonymous", "contributor_a"])
def test_no_id_of_a_hidden_object_renders_it(persona, hidden_world, request, client_for):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = client_for(user)
    failures = []
    for name, route in id_routes():
        for values in _probe_values(hidden_world):
            path = _fill(route, values)
            if path is None:
                continue
            hidden_in_path = values["pk"] != hidden_world["consultation"].pk
            for method in ("get", "post"):
                if method == "get":
                    response = client.get(path, TARGETS)
                else:
                    response = client.post(path, TARGETS)
                body = b"".join(response.streaming_content) if response.streaming else response.content
                shown = [secret for secret in SECRETS if secret.encode() in body]
                if shown or response.status_code >= 500 or (hidden_in_path and response.status_code == 200):
                    failures.append(f"{method.upper()} {path} ({name}) → {response.status_code} {shown}")
    assert failures == []


def test_a_comment_form_naming_a_draft_requirement_is_a_404(hidden_world, contributor_a, client_for):
    client = client_for(contributor_a)
    url = f"/concertations/{hidden_world['consultation'].pk}/commenter/"
    for target in ({"requirement": HIDDEN_IDS["requirement"]}, {"section": HIDDEN_IDS["section"]}):
        posted = client.post(url, {"kind": "remark", "body": "Une remarque.", **target})
        read = client.get(url, {"exigence" if "requirement" in target else "chapitre": next(iter(target.values()))})
        for response in (posted, read):
            assert response.status_code == 404
            assert b"SECRET" not in response.content
    assert not Comment.objects.filter(author=contributor_a).exists()


def test_another_contributors_comment_is_not_found_by_a_contributor(hidden_world, contributor_a, api_for, client_for):
    comment_id = HIDDEN_IDS["comment"]
    api = api_for(contributor_a)
    assert api.get(f"/api/v1/comments/{comment_id}/").status_code == 404
    assert api.patch(f"/api/v1/comments/{comment_id}/", {"body": "Réécrit."}, format="json").status_code == 404
    assert api.delete(f"/api/v1/comments/{comment_id}/").status_code == 404
    assert client_for(contributor_a).get(f"/concertations/commentaires/{comment_id}/modifier/").status_code == 404
    assert Comment.objects.get(pk=comment_id).body == "SECRET-COMMENTAIRE"
