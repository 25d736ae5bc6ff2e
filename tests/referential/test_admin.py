"""The editors' admin: access, history, concurrent edits, and the version actions."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from referential.models import ReferentialVersion, Requirement
from tests.factories import (
    ActorFactory,
    LevelFactory,
    SectionFactory,
    UserFactory,
    filled_version,
    freeze,
    make_staff,
    staff_editor_user,
)

pytestmark = pytest.mark.django_db
Status = ReferentialVersion.Status


@pytest.fixture
def po(db):
    return staff_editor_user(username="po_ans", first_name="Claire", last_name="Martin")


@pytest.fixture
def po_client(po, client_for):
    return client_for(po)


def url(name, *args):
    return reverse(f"admin:referential_{name}", args=args)


def shown_messages(response):
    return [str(message) for message in response.context["messages"]]


def requirement_form(requirement, **changes):
    """The POST the requirement change form sends, as the editor last saw it."""
    data = {
        "section": requirement.section_id,
        "key": requirement.key,
        "title": requirement.title,
        "statement": requirement.statement,
        "actors": list(requirement.actors.values_list("pk", flat=True)),
        "level": requirement.level_id or "",
        "verification_method": requirement.verification_method,
        "compliance_deadline": "",
        "position": requirement.position,
        "revision": requirement.revision,
        "change_reason": "",
    }
    data.update(changes)
    return data


# Who gets in -------------------------------------------------------------------------------------


def test_a_contributor_is_sent_to_the_login_page(client_for, contributor_a):
    client = client_for(contributor_a)
    draft = filled_version()

    for path in (reverse("admin:index"), url("requirement_changelist"), url("referentialversion_change", draft.pk)):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_an_anonymous_visitor_is_sent_to_the_login_page(anonymous):
    response = anonymous.get(url("requirement_changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_a_staff_contributor_still_cannot_change_referentials(client_for, contributor_a):
    make_staff(contributor_a)  # with the second factor staff need: the rights are what is tested
    requirement = filled_version().requirements.first()
    client = client_for(contributor_a)

    assert client.get(url("requirement_changelist")).status_code == 403
    response = client.post(url("requirement_change", requirement.pk), requirement_form(requirement, title="Pirate"))

    assert response.status_code == 403
    requirement.refresh_from_db()
    assert requirement.title != "Pirate"


def test_the_index_lists_the_referential_models_for_an_editor(po_client):
    response = po_client.get(reverse("admin:index"))

    assert response.status_code == 200
    models = {model["object_name"] for app in response.context["app_list"] for model in app["models"]}
    assert {"Referential", "ReferentialVersion", "Section", "Requirement", "NonConformityLevel", "Actor"} <= models
    assert "ConformityThreshold" in models


@pytest.mark.parametrize(
    "model", ["referential", "referentialversion", "section", "requirement", "nonconformitylevel", "actor", "conformitythreshold"]
)
def test_changelists_load(po_client, model):
    version = freeze(filled_version())
    filled_version(referential=version.referential, number="9.0")

    response = po_client.get(url(f"{model}_changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count > 0


def test_the_requirement_changelist_filters_by_version(po_client):
    version = filled_version()
    filled_version(number="7.0")

    response = po_client.get(url("requirement_changelist"), {"version__id__exact": version.pk})

    assert response.status_code == 200
    assert {r.version_id for r in response.context["cl"].result_list} == {version.pk}
    assert response.context["cl"].result_count == 2


def test_the_version_page_links_to_its_chapters_and_requirements(po_client):
    version = filled_version()

    response = po_client.get(url("referentialversion_change", version.pk))

    content = response.content.decode()
    assert f"{url('requirement_changelist')}?version__id__exact={version.pk}" in content
    assert f"{url('section_changelist')}?version__id__exact={version.pk}" in content
    assert "Exigences (2)" in content


def test_the_users_list_shows_each_users_groups(client_for, contributor_a, po):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)

    contributors = contributor_a.groups.get()

    response = client_for(admin).get(reverse("admin:auth_user_changelist"), {"groups__id__exact": contributors.pk})

    assert response.status_code == 200
    users = list(response.context["cl"].result_list)
    assert users == [contributor_a]
    assert "contributor" in response.content.decode()


# Requirements ------------------------------------------------------------------------------------


def test_adding_a_requirement_goes_through_the_service(po_client, po):
    version = filled_version()
    section = version.sections.get(title="Annuaire")
    actor = ActorFactory()

    response = po_client.post(
        url("requirement_add"),
        {
            "version": version.pk,
            "section": section.pk,
            "key": "MSS 3",
            "title": "Publier l'annuaire",
            "statement": "L'opérateur **DOIT** publier.",
            "actors": [actor.pk],
            "level": LevelFactory(slug="mineure").pk,
            "verification_method": "",
            "compliance_deadline": "",
            "position": "",
        },
    )

    assert response.status_code == 302
    requirement = version.requirements.get(key="MSS 3")
    assert requirement.position == max(r.position for r in version.requirements.exclude(pk=requirement.pk)) + 10
    assert list(requirement.actors.all()) == [actor]
    assert requirement.history.earliest().history_change_reason == "Création"
    assert requirement.history.earliest().history_user == po


def test_the_add_form_offers_only_the_chapters_of_the_chosen_version(po_client):
    version = filled_version()
    SectionFactory(title="Chapitre d'une autre version")

    response = po_client.get(url("requirement_add"), {"version": version.pk})

    sections = response.context["adminform"].form.fields["section"].queryset
    assert set(sections) == set(version.sections.all())


def test_the_editor_sees_the_history_of_a_requirement_with_the_change_reason(po_client, po):
    requirement = filled_version().requirements.get(key="MSS 1")

    response = po_client.post(
        url("requirement_change", requirement.pk),
        requirement_form(requirement, title="Chiffrer en TLS 1.3", change_reason="Décision de l'atelier n°4"),
    )
    assert response.status_code == 302

    response = po_client.get(url("requirement_history", requirement.pk))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Décision de l’atelier n°4" in content
    assert "Chiffrer en TLS 1.3" in content
    assert po.username in content
    record = requirement.history.first()
    assert (record.history_change_reason, record.history_user, record.revision) == (
        "Décision de l'atelier n°4",
        po,
        2,
    )


def test_the_history_cannot_be_used_to_revert(po_client):
    requirement = filled_version().requirements.get(key="MSS 1")
    record = requirement.history.earliest()

    response = po_client.post(
        reverse("admin:referential_requirement_simple_history", args=[requirement.pk, record.history_id]),
        requirement_form(requirement, title="Retour arrière"),
    )

    assert response.status_code == 403
    requirement.refresh_from_db()
    assert requirement.title != "Retour arrière"


def test_the_second_of_two_editors_saving_the_same_requirement_is_told(po_client, client_for):
    requirement = filled_version().requirements.get(key="MSS 1")
    # Both open the form at revision 1.
    seen_by_claire = requirement_form(requirement)
    seen_by_bruno = requirement_form(requirement)
    bruno = client_for(staff_editor_user(username="bruno"))

    first = bruno.post(url("requirement_change", requirement.pk), {**seen_by_bruno, "title": "Version de Bruno"})
    second = po_client.post(url("requirement_change", requirement.pk), {**seen_by_claire, "title": "Version de Claire"})

    assert first.status_code == 302
    assert second.status_code == 200
    assert "modifiée par quelqu’un d’autre" in second.content.decode()
    assert second.context["adminform"].form.data["title"] == "Version de Claire"  # her input is kept
    requirement.refresh_from_db()
    assert requirement.title == "Version de Bruno"
    assert requirement.revision == 2


def test_a_key_already_used_in_the_version_is_an_error_on_the_key_field(po_client):
    version = filled_version()
    requirement = version.requirements.get(key="MSS 2")

    response = po_client.post(url("requirement_change", requirement.pk), requirement_form(requirement, key="MSS 1"))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "MSS 1" in form.errors["key"][0]
    requirement.refresh_from_db()
    assert (requirement.key, requirement.revision) == ("MSS 2", 1)


def test_deleting_a_draft_requirement_goes_through_the_service(po_client, po):
    requirement = filled_version().requirements.get(key="MSS 2")

    response = po_client.post(url("requirement_delete", requirement.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Requirement.objects.filter(pk=requirement.pk).exists()
    record = Requirement.history.filter(id=requirement.pk).first()
    assert (record.history_type, record.history_change_reason, record.history_user) == ("-", "Suppression", po)


# Version actions ---------------------------------------------------------------------------------


def run_action(client, action, versions, **extra):
    return client.post(
        url("referentialversion_changelist"),
        {"action": action, "_selected_action": [v.pk for v in versions], **extra},
        follow=True,
    )


def test_the_publish_action_leads_to_the_confirmation_page_and_publishes_nothing(po_client):
    previous = freeze(filled_version(number="1.0"))
    draft = filled_version(referential=previous.referential, number="1.1", based_on=previous)

    response = run_action(po_client, "publish_action", [draft])

    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert response.redirect_chain[-1][0] == reverse(
        "referential:version_publish", kwargs={"slug": draft.referential.slug, "number": "1.1"}
    ) + "?depuis=admin"
    assert response.templates[0].name == "referential/version_publish.html"


def test_the_publish_action_takes_one_version_at_a_time(po_client):
    first = filled_version(number="1.0")
    second = filled_version(number="2.0")

    response = run_action(po_client, "publish_action", [first, second])

    assert "Sélectionnez une seule version" in shown_messages(response)[0]
    assert not ReferentialVersion.objects.filter(status=Status.PUBLISHED).exists()


def test_the_version_change_page_links_to_the_confirmation_page(po_client):
    draft = filled_version(number="1.0")

    page = po_client.get(url("referentialversion_change", draft.pk)).content.decode()

    assert f'href="/referentiels/{draft.referential.slug}/1.0/publier/?depuis=admin"' in page


def test_the_start_draft_page_of_a_version_is_a_link(po_client):
    published = freeze(filled_version(number="1.0"))
    start = reverse("admin:referential_referentialversion_start_draft", args=[published.pk])

    shown = po_client.get(start)
    created = po_client.post(start, {"apply": "1", "number": "1.1", "change_summary": "Suite"})

    assert shown.status_code == 200 and shown.context["form"].initial["number"] == "1.1"
    draft = published.referential.versions.get(number="1.1")
    assert created.status_code == 302 and created["Location"] == url("referentialversion_change", draft.pk)
    assert draft.based_on == published


def test_the_start_draft_action_asks_for_the_number_and_suggests_the_next_one(po_client):
    published = freeze(filled_version(number="1.0"))

    response = run_action(po_client, "start_draft_action", [published])

    assert response.status_code == 200
    assert response.context["form"].initial["number"] == "1.1"
    assert published.referential.versions.count() == 1


def test_the_start_draft_action_copies_the_published_version(po_client):
    published = freeze(filled_version(number="1.0"))

    response = run_action(
        po_client, "start_draft_action", [published], apply="1", number="2.0", change_summary="Refonte"
    )

    draft = published.referential.versions.get(number="2.0")
    assert response.redirect_chain[-1][0] == url("referentialversion_change", draft.pk)
    assert draft.status == Status.DRAFT
    assert draft.based_on == published
    assert sorted(draft.requirements.values_list("key", flat=True)) == ["MSS 1", "MSS 2"]


def test_the_start_draft_action_shows_a_refused_number_on_its_form(po_client):
    published = freeze(filled_version(number="1.0"))

    response = run_action(po_client, "start_draft_action", [published], apply="1", number="0.9")

    assert response.status_code == 200
    assert "supérieur" in str(response.context["form"].non_field_errors())
    assert published.referential.versions.count() == 1


def test_the_start_draft_action_copies_a_version_in_consultation(po_client):
    in_consultation = freeze(filled_version(number="1.1"), Status.CONSULTATION)

    run_action(po_client, "start_draft_action", [in_consultation], apply="1", number="1.2", change_summary="Suite")

    draft = in_consultation.referential.versions.get(number="1.2")
    assert draft.based_on == in_consultation
    assert set(draft.requirements.values_list("key", flat=True)) == {"MSS 1", "MSS 2"}


def test_the_start_draft_action_needs_a_published_version_or_one_in_consultation(po_client):
    draft = filled_version(number="1.0")

    response = run_action(po_client, "start_draft_action", [draft])

    assert "Sélectionnez une seule version, publiée ou en concertation" in shown_messages(response)[0]
    assert draft.referential.versions.count() == 1


def test_adding_a_version_goes_through_the_service(po_client, po):
    published = freeze(filled_version(number="1.0"))

    refused = po_client.post(
        url("referentialversion_add"), {"referential": published.referential_id, "number": "0.5", "change_summary": ""}
    )
    accepted = po_client.post(
        url("referentialversion_add"), {"referential": published.referential_id, "number": "1.1", "change_summary": ""}
    )

    assert refused.status_code == 200
    assert "supérieur" in str(refused.context["adminform"].form.non_field_errors())
    assert accepted.status_code == 302
    version = published.referential.versions.get(number="1.1")
    assert version.history.get().history_change_reason == "Création du brouillon"
    assert get_user_model().objects.get(pk=version.history.get().history_user_id) == po
