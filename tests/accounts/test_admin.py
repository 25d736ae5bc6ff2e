from django.contrib.admin import helpers
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.models import Membership, Organisation, OrganisationRefusal
from tests.accounts.factories import OrganisationFactory, member, text_of
from tests.factories import make_staff

CHANGELIST = reverse("admin:accounts_organisation_changelist")


def act(client, action, organisations, follow=False, **data):
    return client.post(
        CHANGELIST, {"action": action, helpers.ACTION_CHECKBOX_NAME: [o.pk for o in organisations], **data}, follow=follow
    )


def test_the_changelist_shows_status_members_and_comments(client_for, staff_editor):
    organisation = OrganisationFactory(name="Opérateur Exemple")
    member(organisation)

    html = text_of(client_for(staff_editor).get(CHANGELIST))

    assert "Opérateur Exemple" in html and "En attente de validation" in html
    assert "Valider les organisations sélectionnées" in html and "Fusionner les organisations sélectionnées dans…" in html


def test_an_editor_approves_from_the_admin(client_for, staff_editor, django_capture_on_commit_callbacks):
    organisations = [OrganisationFactory(), OrganisationFactory()]
    member(organisations[0])

    with django_capture_on_commit_callbacks(execute=True):
        response = act(client_for(staff_editor), "approve_action", organisations)

    assert response.status_code == 302
    assert set(Organisation.objects.values_list("status", flat=True)) == {"approved"}
    assert len(mail.outbox) == 1


def test_approving_an_approved_organisation_says_why_and_changes_nothing(client_for, staff_editor):
    organisation = OrganisationFactory(status="approved")

    response = act(client_for(staff_editor), "approve_action", [organisation], follow=True)

    assert "a déjà le statut «\u202fValidée\u202f»" in text_of(response)
    assert organisation.history.count() == 1


def test_refusing_asks_for_the_reason_first(client_for, staff_editor, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory(name="Spam SARL")
    member(organisation)
    client = client_for(staff_editor)

    page = act(client, "refuse_action", [organisation])
    assert page.status_code == 200 and "Motif du refus" in text_of(page) and "Spam SARL" in text_of(page)
    assert Organisation.objects.get().status == "pending"

    empty = act(client, "refuse_action", [organisation], apply="1", reason="")
    assert empty.status_code == 200 and Organisation.objects.get().status == "pending"

    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, "refuse_action", [organisation], apply="1", reason="Inconnue du registre.")

    assert response.status_code == 302
    assert Organisation.objects.get().status == "refused"
    assert OrganisationRefusal.objects.get().reason == "Inconnue du registre."
    assert "Inconnue du registre." in mail.outbox[0].body


def test_merging_asks_for_the_organisation_that_stays(client_for, staff_editor):
    target = OrganisationFactory(name="Groupe Hospitalier Sud", status="approved")
    duplicates = [OrganisationFactory(name="GH Sud"), OrganisationFactory(name="G.H. Sud")]
    membership = member(duplicates[0])
    client = client_for(staff_editor)

    page = act(client, "merge_action", duplicates)
    html = text_of(page)
    assert page.status_code == 200 and "Organisation qui reste" in html
    # The selected organisations are not offered as the target.
    assert f'<option value="{duplicates[0].pk}"' not in html and f'<option value="{target.pk}"' in html

    response = act(client, "merge_action", duplicates, apply="1", target=target.pk)

    assert response.status_code == 302
    assert list(Organisation.objects.filter(status="merged").values_list("merged_into", flat=True)) == [target.pk, target.pk]
    membership.refresh_from_db()
    assert membership.organisation == target


def test_a_contributor_is_sent_to_the_admin_login(client_for, contributor_a):
    organisation = OrganisationFactory()

    response = act(client_for(contributor_a), "approve_action", [organisation])

    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    assert Organisation.objects.get().status == "pending"


def test_a_staff_contributor_gets_403_and_changes_nothing(client_for, contributor_a):
    make_staff(contributor_a)  # with the second factor staff need: the rights are what is tested
    organisation = OrganisationFactory()
    client = client_for(contributor_a)

    for action, extra in (("approve_action", {}), ("refuse_action", {"apply": "1", "reason": "x"}), ("merge_action", {"apply": "1", "target": organisation.pk})):
        assert act(client, action, [organisation], **extra).status_code == 403
    assert client.get(reverse("admin:accounts_membership_changelist")).status_code == 403
    organisation.refresh_from_db()
    assert organisation.status == "pending" and organisation.history.count() == 1


def test_organisations_are_never_deleted_from_the_admin(client_for, staff_editor):
    organisation = OrganisationFactory()

    response = client_for(staff_editor).post(reverse("admin:accounts_organisation_delete", args=[organisation.pk]), {"post": "yes"})

    assert response.status_code == 403 and Organisation.objects.exists()


def test_the_status_is_not_a_plain_field(client_for, staff_editor):
    organisation = OrganisationFactory(name="Avant")

    client_for(staff_editor).post(
        reverse("admin:accounts_organisation_change", args=[organisation.pk]),
        {"name": "Après", "kind": "vendor", "status": "approved",
         "members-TOTAL_FORMS": 0, "members-INITIAL_FORMS": 0, "refusals-TOTAL_FORMS": 0, "refusals-INITIAL_FORMS": 0},
    )

    organisation.refresh_from_db()
    assert (organisation.name, organisation.status) == ("Après", "pending")
    assert organisation.history.latest().history_change_reason == "Modification dans l'administration"


def test_the_membership_admin_shows_who_is_what(client_for, staff_editor):
    membership = member(OrganisationFactory(name="Éditeur Alpha"), first_name="Léa", last_name="Petit")

    html = text_of(client_for(staff_editor).get(reverse("admin:accounts_membership_changelist")))

    assert "Léa Petit" in html and str(membership.user) in html and "Éditeur Alpha" in html and "contributor" in html
    assert Membership.objects.count() == 1


def test_the_change_page_shows_members_and_past_refusals(client_for, staff_editor):
    organisation = OrganisationFactory(name="Spam SARL")
    membership = member(organisation)

    services.refuse_organisation(organisation=organisation, by=staff_editor, reason="Inconnue du registre.")

    html = text_of(client_for(staff_editor).get(reverse("admin:accounts_organisation_change", args=[organisation.pk])))

    assert str(membership.user) in html and "Inconnue du registre." in html
