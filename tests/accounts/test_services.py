from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services
from accounts.models import Membership, Organisation, OrganisationRefusal
from consultation.models import Comment, Consultation
from core.errors import PermissionRefused, TransitionNotAllowed
from tests.accounts.factories import OrganisationFactory, member
from tests.factories import VersionFactory
from core.typography import french_text


def comment_by(membership, body="Le délai de six mois est trop court.") -> Comment:
    now = timezone.now()
    consultation = Consultation.objects.create(
        version=VersionFactory(status="consultation"), opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=10)
    )
    return Comment.objects.create(
        consultation=consultation, kind="remark", body=body, author=membership.user, organisation=membership.organisation
    )


# Approve ------------------------------------------------------------------------------------------


def test_an_editor_approves_a_pending_organisation_and_its_confirmed_members_are_told(editor, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory(name="Opérateur Exemple")
    confirmed = member(organisation, confirmed=True, first_name="Alice", last_name="Durand")
    member(organisation, confirmed=False)

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_organisation(organisation=organisation, by=editor)

    organisation.refresh_from_db()
    assert organisation.status == "approved"
    record = organisation.history.latest()
    assert (record.history_change_reason, record.history_user, record.status) == ("Validée par l'ANS", editor, "approved")
    # Only the confirmed address hears of it: an unconfirmed one may not be its owner's.
    [message] = mail.outbox
    assert message.to == [confirmed.user.email]
    assert message.subject == french_text("« Opérateur Exemple » est validée : vous pouvez commenter")
    assert "Bonjour Alice Durand," in message.body and "commenter" in message.body


def test_a_contributor_cannot_approve(contributor_a, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionRefused):
        services.approve_organisation(organisation=organisation, by=contributor_a)

    organisation.refresh_from_db()
    assert organisation.status == "pending" and organisation.history.count() == 1 and not mail.outbox


def test_approving_twice_or_a_merged_organisation_is_refused(editor):
    approved = OrganisationFactory(status="approved")
    merged = OrganisationFactory(status="merged", merged_into=approved, name="Doublon")

    with pytest.raises(TransitionNotAllowed, match="déjà le statut « Validée »"):
        services.approve_organisation(organisation=approved, by=editor)
    with pytest.raises(TransitionNotAllowed, match="a été fusionnée dans"):
        services.approve_organisation(organisation=merged, by=editor)


def test_a_refused_organisation_can_be_approved_after_all(editor):
    organisation = OrganisationFactory(status="refused")

    assert services.approve_organisation(organisation=organisation, by=editor).status == "approved"


# Refuse -------------------------------------------------------------------------------------------


def test_an_editor_refuses_with_a_reason_kept_and_sent_to_the_members(editor, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory(name="Spam & Cie")
    confirmed = member(organisation, confirmed=True)

    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_organisation(organisation=organisation, by=editor, reason="  Inconnue du registre MSSanté.  ")

    organisation.refresh_from_db()
    assert organisation.status == "refused"
    assert organisation.history.latest().history_change_reason == "Refusée par l'ANS"
    refusal = OrganisationRefusal.objects.get()
    assert (refusal.organisation, refusal.reason, refusal.refused_by) == (organisation, "Inconnue du registre MSSanté.", editor)
    [message] = mail.outbox
    assert message.to == [confirmed.user.email]
    # The text part is plain text: no HTML entities in names.
    assert french_text("« Spam & Cie »") in message.subject and french_text("« Spam & Cie »") in message.body
    assert "Inconnue du registre MSSanté." in message.body


def test_a_refusal_needs_a_reason(editor):
    organisation = OrganisationFactory()

    with pytest.raises(ValidationError) as refusal:
        services.refuse_organisation(organisation=organisation, by=editor, reason="   ")

    assert "reason" in refusal.value.message_dict
    organisation.refresh_from_db()
    assert organisation.status == "pending" and not OrganisationRefusal.objects.exists()


def test_a_contributor_cannot_refuse(contributor_a):
    organisation = OrganisationFactory()

    with pytest.raises(PermissionRefused):
        services.refuse_organisation(organisation=organisation, by=contributor_a, reason="Non.")

    organisation.refresh_from_db()
    assert organisation.status == "pending" and not OrganisationRefusal.objects.exists()


def test_refusing_twice_is_refused(editor):
    organisation = OrganisationFactory(status="refused")

    with pytest.raises(TransitionNotAllowed):
        services.refuse_organisation(organisation=organisation, by=editor, reason="Encore.")
    assert not OrganisationRefusal.objects.exists()


# Merge --------------------------------------------------------------------------------------------


def test_merging_moves_members_and_comments_and_keeps_the_comments_text(editor):
    target = OrganisationFactory(name="Groupe Hospitalier Sud", status="approved")
    source = OrganisationFactory(name="GH Sud", status="pending")
    older_alias = OrganisationFactory(name="G.H. Sud", status="merged", merged_into=source)
    membership = member(source)
    comment = comment_by(membership, body="Texte d'origine, à garder.")
    updated_at = comment.updated_at

    services.merge_organisations(source=source, target=target, by=editor)

    source.refresh_from_db()
    assert (source.status, source.merged_into) == ("merged", target)
    assert source.history.latest().history_change_reason == "Fusionnée dans une autre organisation"
    membership.refresh_from_db()
    assert membership.organisation == target
    assert membership.history.latest().history_change_reason == "Fusion d'organisations"
    assert membership.history.latest().history_user == editor
    comment.refresh_from_db()
    assert (comment.organisation, comment.body, comment.updated_at) == (target, "Texte d'origine, à garder.", updated_at)
    assert comment.history.latest().organisation_id == target.pk
    older_alias.refresh_from_db()
    assert older_alias.merged_into == target


def test_a_contributor_cannot_merge(contributor_a):
    target, source = OrganisationFactory(), OrganisationFactory()
    membership = member(source)

    with pytest.raises(PermissionRefused):
        services.merge_organisations(source=source, target=target, by=contributor_a)

    source.refresh_from_db()
    membership.refresh_from_db()
    assert source.status == "pending" and membership.organisation == source


def test_merging_into_itself_or_into_a_merged_organisation_is_refused(editor):
    final = OrganisationFactory(name="Finale")
    alias = OrganisationFactory(name="Alias", status="merged", merged_into=final)
    source = OrganisationFactory(name="Source")

    with pytest.raises(ValidationError):
        services.merge_organisations(source=source, target=source, by=editor)
    with pytest.raises(TransitionNotAllowed, match="choisissez cette dernière"):
        services.merge_organisations(source=source, target=alias, by=editor)
    with pytest.raises(TransitionNotAllowed):
        services.merge_organisations(source=alias, target=source, by=editor)

    source.refresh_from_db()
    assert source.status == "pending"


def test_an_organisation_without_members_merges_too(editor):
    target, source = OrganisationFactory(), OrganisationFactory()

    services.merge_organisations(source=source, target=target, by=editor)

    assert Organisation.objects.get(pk=source.pk).status == "merged"
    assert not Membership.objects.exists()


def test_the_name_key_ignores_case_accents_and_spacing():
    assert services.organisation_name_key("  Hôpital   NORD ") == services.organisation_name_key("hopital nord")
    assert services.organisation_name_key("Éditeur") != services.organisation_name_key("Éditeurs")
