"""Joining an organisation already registered is a request an editor grants: typing its name at
sign-up proves nothing about working there (issue 14). A validated e-mail domain grants it at once."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Membership, Organisation, OrganisationDomain
from assessment.queries import assessments_visible_to
from assessment.services import member_organisation
from core.errors import PermissionRefused, TransitionNotAllowed
from notifications.queries import approved_membership
from tests.accounts.factories import OrganisationFactory, text_of
from core.typography import french_text



def sign_up(*, email="intrus@exemple-ailleurs.fr", organisation_name="messagerie   sante SERVICES") -> Membership:
    membership = services.register_contributor(
        email=email,
        password="un-mot-de-passe-solide-2024",
        first_name="Ivan",
        last_name="Intrus",
        organisation_name=organisation_name,
        organisation_kind="operator",
    )
    # The address is theirs: confirming it must not be enough to speak for the organisation.
    membership.email_confirmed_at = timezone.now()
    membership.save()
    return membership


@pytest.fixture
def messagerie(db):
    return OrganisationFactory(name="Messagerie Santé Services", status=Organisation.Status.APPROVED, agrees_to_be_named=True)


def test_naming_an_approved_organisation_at_sign_up_makes_a_pending_membership(messagerie):
    membership = sign_up()

    assert membership.organisation == messagerie
    assert membership.status == Membership.Status.PENDING
    assert "attend la validation de l'ANS" in membership.refusal()
    assert not Membership.objects.in_good_standing().filter(pk=membership.pk).exists()


def test_a_pending_member_neither_assesses_nor_reads_the_organisations_assessments_nor_declares_webhooks(messagerie):
    user = sign_up().user

    with pytest.raises(PermissionRefused, match="attend la validation"):
        member_organisation(user)
    assert approved_membership(user) is None
    assert list(assessments_visible_to(user)) == []


def test_naming_a_pending_organisation_makes_a_pending_membership_too(db):
    founder = sign_up(email="fondatrice@exemple.fr", organisation_name="Opérateur Nouveau")
    newcomer = sign_up(email="autre@ailleurs.fr", organisation_name="operateur nouveau")

    assert founder.status == Membership.Status.APPROVED  # its founder waits for the organisation's approval only
    assert newcomer.organisation == founder.organisation and newcomer.status == Membership.Status.PENDING


def test_the_founder_of_a_new_organisation_writes_once_the_organisation_is_approved(db, editor):
    founder = sign_up(email="fondatrice@exemple.fr", organisation_name="Opérateur Nouveau")
    assert "pas encore été validée" in founder.refusal()

    services.approve_organisation(organisation=founder.organisation, by=editor)

    founder.refresh_from_db()
    assert founder.refusal() is None


def test_an_editor_approves_a_pending_membership_and_the_member_may_then_write(messagerie, editor):
    membership = sign_up()

    services.approve_membership(membership=membership, by=editor)

    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPROVED and membership.refusal() is None
    assert member_organisation(membership.user) == messagerie
    record = membership.history.latest()
    assert record.history_change_reason == "Rattachement validé par l'ANS" and record.history_user == editor


def test_an_editor_refuses_a_membership(messagerie, editor):
    membership = sign_up()

    services.refuse_membership(membership=membership, by=editor)

    membership.refresh_from_db()
    assert membership.status == Membership.Status.REFUSED and "a été refusé" in membership.refusal()


def test_only_editors_decide_on_memberships_and_twice_is_refused(messagerie, editor, contributor_a):
    membership = sign_up()

    with pytest.raises(PermissionRefused):
        services.approve_membership(membership=membership, by=contributor_a)
    services.approve_membership(membership=membership, by=editor)
    with pytest.raises(TransitionNotAllowed):
        services.approve_membership(membership=membership, by=editor)
    assert membership.history.count() == 3  # sign-up, confirmation, approval


def test_an_address_in_a_validated_domain_joins_at_once(messagerie, editor):
    domain = OrganisationDomain.objects.create(organisation=messagerie, domain="messagerie-sante.fr")
    services.validate_organisation_domain(domain=domain, by=editor)

    membership = services.register_contributor(
        email="Jean@Messagerie-Sante.FR",
        password="un-mot-de-passe-solide-2024",
        first_name="Jean",
        last_name="Dupont",
        organisation_name="Messagerie Santé Services",
        organisation_kind="operator",
    )
    assert membership.status == Membership.Status.PENDING  # typed, not yet proved

    membership = services.record_email_confirmed(user=membership.user, email="jean@messagerie-sante.fr")

    assert membership.status == Membership.Status.APPROVED and membership.refusal() is None


def test_a_declared_domain_not_yet_validated_grants_nothing(messagerie):
    OrganisationDomain.objects.create(organisation=messagerie, domain="messagerie-sante.fr")

    assert sign_up(email="jean@messagerie-sante.fr").status == Membership.Status.PENDING


def test_only_editors_validate_a_domain(messagerie, contributor_a):
    domain = OrganisationDomain.objects.create(organisation=messagerie, domain="messagerie-sante.fr")

    with pytest.raises(PermissionRefused):
        services.validate_organisation_domain(domain=domain, by=contributor_a)
    domain.refresh_from_db()
    assert domain.validated_at is None


def test_the_account_page_says_the_membership_awaits_approval(messagerie, client_for):
    membership = sign_up()

    html = text_of(client_for(membership.user).get(reverse("accounts:account")))

    assert french_text("Votre rattachement à cette organisation attend la validation de l'ANS") in html
    assert "Vous pouvez commenter" not in html


def test_editors_approve_memberships_from_the_admin(messagerie, client_for, staff_editor):
    membership = sign_up()

    response = client_for(staff_editor).post(
        reverse("admin:accounts_membership_changelist"),
        {"action": "approve_action", "_selected_action": [membership.pk]},
        follow=True,
    )

    assert response.status_code == 200 and "1 rattachement validé." in text_of(response)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPROVED



def test_a_domain_is_kept_bare_and_in_lower_case(messagerie):
    domain = OrganisationDomain(organisation=messagerie, domain=" @Messagerie-Sante.FR ")
    domain.full_clean()
    assert domain.domain == "messagerie-sante.fr"

    with pytest.raises(ValidationError):
        OrganisationDomain(organisation=messagerie, domain="jean@messagerie").full_clean()


def test_approving_the_organisation_tells_only_its_approved_members_they_may_comment(db, editor, django_capture_on_commit_callbacks):
    founder = sign_up(email="fondatrice@exemple.fr", organisation_name="Opérateur Nouveau")
    sign_up(email="autre@ailleurs.fr", organisation_name="operateur nouveau")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_organisation(organisation=founder.organisation, by=editor)

    assert [message.to for message in mail.outbox] == [["fondatrice@exemple.fr"]]
