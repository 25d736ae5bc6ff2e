"""Every consultation page and endpoint, read and written by each persona: anonymous, a contributor of
organisation A (the author of the comment used), a contributor of organisation B, an editor. A write by
the wrong persona answers 403 and changes nothing (comments, answers, consultations and their history);
an anonymous API call is a 401 (sign in first), and a comment the persona may not even read is a 404."""

import pytest
from django.urls import reverse

from consultation import services
from consultation.models import Answer, Comment, Consultation, InternalNote

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "contributor_a", "contributor_b", "editor"]


@pytest.fixture
def world(request, comment_a, editor, contributor_a, contributor_b):
    users = {"anonymous": None, "contributor_a": contributor_a, "contributor_b": contributor_b, "editor": editor}
    return comment_a.consultation, comment_a, users


def snapshot():
    """Everything a write could change, with the size of each history."""
    return (
        list(Comment.objects.order_by("pk").values()),
        list(Answer.objects.order_by("pk").values()),
        list(Consultation.objects.order_by("pk").values()),
        Comment.history.count(),
        Answer.history.count(),
        Consultation.history.count(),
        list(InternalNote.objects.order_by("pk").values()),
    )


def _consultation(c, _comment):
    return reverse("consultation:consultation_detail", kwargs={"pk": c.pk})


# (name, method, url builder, data) → expected status per persona, in the order of PERSONAS.
PAGES = [
    ("list", "get", lambda c, m: reverse("consultation:consultation_list"), None, [200, 200, 200, 200]),
    ("consultation", "get", _consultation, None, [200, 200, 200, 200]),
    ("version page", "get", lambda c, m: c.version.get_absolute_url(), None, [200, 200, 200, 200]),
    ("requirement page", "get", lambda c, m: m.requirement.get_absolute_url(), None, [200, 200, 200, 200]),
    ("dashboard", "get", lambda c, m: reverse("consultation:consultation_dashboard", kwargs={"pk": c.pk}), None, [403, 403, 403, 200]),
    ("comment form", "get", lambda c, m: reverse("consultation:comment_create", kwargs={"pk": c.pk}), None, [302, 200, 200, 403]),
    ("edit form", "get", lambda c, m: reverse("consultation:comment_edit", kwargs={"pk": m.pk}), None, [302, 200, 404, 403]),
    ("api consultations", "get", lambda c, m: "/api/v1/consultations/", None, [200, 200, 200, 200]),
    ("api consultation", "get", lambda c, m: f"/api/v1/consultations/{c.pk}/", None, [200, 200, 200, 200]),
    ("api comments", "get", lambda c, m: f"/api/v1/consultations/{c.pk}/comments/", None, [200, 200, 200, 200]),
    ("api comment", "get", lambda c, m: f"/api/v1/comments/{m.pk}/", None, [404, 200, 404, 200]),
]

WRITES = [
    ("post comment", "post", lambda c, m: reverse("consultation:comment_create", kwargs={"pk": c.pk}),
     {"kind": "remark", "body": "Nouveau."}, [403, 302, 302, 403]),
    ("edit comment", "post", lambda c, m: reverse("consultation:comment_edit", kwargs={"pk": m.pk}),
     {"kind": "remark", "body": "Modifié."}, [403, 302, 404, 403]),
    ("withdraw comment", "post", lambda c, m: reverse("consultation:comment_withdraw", kwargs={"pk": m.pk}),
     {}, [403, 302, 404, 403]),
    ("answer comment", "post", lambda c, m: reverse("consultation:comment_answer", kwargs={"pk": m.pk}),
     {"decision": "accepted", "body": "Oui."}, [403, 403, 403, 302]),
    ("hide comment", "post", lambda c, m: reverse("consultation:comment_hide", kwargs={"pk": m.pk}),
     {"reason": "Hors sujet."}, [403, 403, 403, 302]),
    ("unhide comment", "post", lambda c, m: reverse("consultation:comment_unhide", kwargs={"pk": m.pk}),
     {}, [403, 403, 403, 302]),  # on a hidden comment: see HIDDEN_FIRST
    # The editors' triage; ``data`` may need the world: then it is a function of (consultation, comment, users).
    ("assign comment", "post", lambda c, m: reverse("consultation:comment_assign", kwargs={"pk": m.pk}),
     lambda c, m, users: {"assignee": users["editor"].pk}, [403, 403, 403, 302]),
    ("note on comment", "post", lambda c, m: reverse("consultation:comment_note", kwargs={"pk": m.pk}),
     {"text": "Note interne."}, [403, 403, 403, 302]),
    ("bulk answer", "post", lambda c, m: reverse("consultation:comments_bulk_answer", kwargs={"pk": c.pk}),
     lambda c, m, users: {"comments": [m.pk], "decision": "accepted", "body": "Oui."}, [403, 403, 403, 302]),
    ("api post comment", "post", lambda c, m: f"/api/v1/consultations/{c.pk}/comments/",
     {"kind": "remark", "body": "Nouveau."}, [401, 201, 201, 403]),
    ("api patch comment", "patch", lambda c, m: f"/api/v1/comments/{m.pk}/",
     {"body": "Modifié."}, [401, 200, 404, 403]),
    ("api withdraw comment", "delete", lambda c, m: f"/api/v1/comments/{m.pk}/", None, [401, 200, 404, 403]),
    ("api answer", "post", lambda c, m: f"/api/v1/comments/{m.pk}/answer/",
     {"decision": "accepted", "body": "Oui."}, [401, 403, 403, 200]),
    ("api hide", "post", lambda c, m: f"/api/v1/comments/{m.pk}/hide/", {"reason": "Hors sujet."}, [401, 403, 403, 200]),
    ("api unhide", "post", lambda c, m: f"/api/v1/comments/{m.pk}/unhide/", {}, [401, 403, 403, 200]),
]
# Restoring needs a hidden comment.
HIDDEN_FIRST = {"unhide comment", "api unhide"}


def call(world, client_for, api_for, persona, method, url_of, data):
    consultation, comment, users = world
    url = url_of(consultation, comment)
    user = users[persona]
    if callable(data):
        data = data(consultation, comment, users)
    if url.startswith("/api/"):
        client = api_for(user)
        return getattr(client, method)(url, data, format="json") if data is not None else getattr(client, method)(url)
    client = client_for(user)
    return getattr(client, method)(url, data or {})


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name, method, url_of, data, expected", PAGES, ids=[p[0] for p in PAGES])
def test_reading(world, client_for, api_for, persona, name, method, url_of, data, expected):
    response = call(world, client_for, api_for, persona, method, url_of, data)
    assert response.status_code == expected[PERSONAS.index(persona)], (name, persona)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name, method, url_of, data, expected", WRITES, ids=[w[0] for w in WRITES])
def test_writing(world, client_for, api_for, persona, name, method, url_of, data, expected, editor):
    if name in HIDDEN_FIRST:
        services.hide_comment(comment=world[1], by=editor, reason="Hors sujet.")
    before = snapshot()

    response = call(world, client_for, api_for, persona, method, url_of, data)

    status = expected[PERSONAS.index(persona)]
    assert response.status_code == status, (name, persona, response.content[:300])
    if status in (401, 403, 404):
        assert snapshot() == before, f"{name} by {persona} was refused but changed something"
    elif status != 409:
        assert snapshot() != before, f"{name} by {persona} was accepted but changed nothing"


def test_what_each_persona_reads_of_the_comments_before_the_synthesis(world, client_for, api_for):
    """Anonymous readers and other contributors see none of a contributor's comments."""
    consultation, comment, users = world
    dashboard = reverse("consultation:consultation_dashboard", kwargs={"pk": consultation.pk})
    for persona, sees in {"anonymous": False, "contributor_a": True, "contributor_b": False, "editor": True}.items():
        # Contributors find their comments on the consultation page, editors on the dashboard.
        own_page = dashboard if persona == "editor" else consultation.get_absolute_url()
        for url in (own_page, comment.requirement.get_absolute_url()):
            html = client_for(users[persona]).get(url).content.decode()
            assert ("Le TLS 1.3 suffit-il\u202f?" in html) == sees, (persona, url)
        api = api_for(users[persona]).get(f"/api/v1/consultations/{consultation.pk}/comments/").json()
        assert (api["count"] == 1) == sees, persona
