"""The probe of ``test_visibility_probe`` walks the routes that take a ``pk``. A draft outside
consultation is also named by its referential's slug and its number (the draft workspace, the
validation panel, the preview, exports…) and by ``version_pk`` (assessment aggregates): every such
route is probed here with the hidden draft, as anonymous and as contributor, GET and POST."""

import re

import pytest
from django.urls import get_resolver

from tests.test_visibility_probe import SECRETS, SKIPPED, TARGETS, _fill, _walk, hidden_world  # noqa: F401


def version_routes():
    routes = []
    for name, route in _walk(get_resolver().url_patterns):
        if name in SKIPPED or "admin" in name.split(":")[0]:
            continue
        if re.search(r"<(?:\w+:)?pk>|\(\?P<pk>", route):
            continue  # probed by test_visibility_probe
        if re.search(r"\(\?P<number>|<(?:\w+:)?version_pk>", route):
            routes.append((name, route))
    return routes


def test_the_draft_workspace_validation_panel_and_exports_are_probed():
    names = {name for name, _ in version_routes()}
    assert {
        "referential:draft_workspace",
        "referential:draft_section_add",
        "referential:draft_requirement_add",
        "referential:draft_bulk",
        "referential:draft_preview",
        "referential:version_review",
        "referential:version_detail",
        "referential:requirement_detail",
        "referential:version_preview_pdf",
        "referential_api:version-detail",
        "referential_api:requirement-list",
    } <= names


@pytest.mark.parametrize("persona", ["anonymous", "contributor_a"])
def test_no_route_naming_a_hidden_draft_renders_it(persona, hidden_world, request, client_for):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = client_for(user)
    draft, requirement = hidden_world["draft"], hidden_world["requirement"]
    values = {
        "slug": draft.referential.slug, "number": draft.number, "a": draft.number, "b": draft.number,
        "other": draft.number, "key": requirement.key, "fmt": "csv", "step": "preview", "version_pk": draft.pk,
    }
    failures = []
    for name, route in version_routes():
        path = _fill(route, values)
        assert path is not None, name
        for method in ("get", "post"):
            response = getattr(client, method)(path, TARGETS)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            # A not-found page echoes the path asked for (the key the caller wrote, in links and
            # forms): only the secrets the caller did not write count (the statement still does).
            shown = [secret for secret in SECRETS if secret.encode() in body and secret not in path]
            if shown or response.status_code >= 500 or response.status_code == 200:
                failures.append(f"{method.upper()} {path} ({name}) → {response.status_code} {shown}")
    assert failures == []


def test_every_probed_path_reaches_its_own_view():
    """A path the probe builds wrongly answers 404 from the resolver and proves nothing: each filled
    route must resolve to the pattern it was built from (regex routes included)."""
    from django.urls import resolve

    from tests.test_visibility_probe import id_routes

    values = {"slug": "ref", "number": "1.0", "a": "1.0", "b": "2.0", "other": "2.0", "key": "MSS 1", "fmt": "csv",
              "step": "preview", "version_pk": 7, "pk": 7, "answer_id": 7, "answer_pk": 7}
    wrong = []
    for name, route in [*id_routes(), *version_routes()]:
        path = _fill(route, {**values, "number": 1} if "<int:number>" in route else values)
        if path is None or resolve(path).view_name != name:
            wrong.append(f"{name}: {path}")
    assert wrong == []
