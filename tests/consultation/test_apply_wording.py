"""An editor carries a contributor's proposed wording into the next draft: the draft requirement's
statement changes through ``update_requirement`` (revision check, history naming the comment), and the
comment's answer records which requirement carries the change. From the dashboard and from the draft
requirement's page; editors only."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from consultation import services
from consultation.models import Answer, Comment
from core.errors import PermissionRefused, TransitionNotAllowed
from referential import services as referential_services
from referential.errors import ConcurrentEdit, VersionFrozen
from referential.models import Requirement

from .conftest import comment_by

pytestmark = pytest.mark.django_db

PROPOSAL = "L'opérateur **DOIT** chiffrer les échanges en TLS 1.3."


@pytest.fixture
def proposal(members, consultation, contributor_a, mss1):
    """contributor_a proposes a new wording for MSS 1."""
    return comment_by(contributor_a, consultation, requirement=mss1, kind=Comment.Kind.PROPOSAL, body="Passons au TLS 1.3.", proposed_wording=PROPOSAL)


@pytest.fixture
def draft(consultation, editor):
    """The next draft, copied from the version in consultation: its MSS 1 descends from the consulted one."""
    return referential_services.start_draft(
        referential=consultation.version.referential, number="9.0", source=consultation.version, by=editor
    )


@pytest.fixture
def carrier(draft):
    return draft.requirements.get(key="MSS 1")


def test_applying_a_proposal_changes_the_draft_requirement_and_records_the_carrier(proposal, carrier, editor, mss1):
    answer = services.apply_proposed_wording(comment=proposal, requirement=carrier, by=editor, expected_revision=carrier.revision)

    carrier.refresh_from_db()
    mss1.refresh_from_db()
    assert carrier.statement == PROPOSAL
    assert mss1.statement != PROPOSAL  # the consulted text never changes
    assert answer.carried_by == carrier
    assert answer.decision == Answer.Decision.ACCEPTED
    assert "MSS 1" in answer.body and "9.0" in answer.body
    latest = carrier.history.latest()
    assert latest.history_change_reason == f"Rédaction proposée par le commentaire n° {proposal.pk} appliquée"
    assert latest.history_user == editor


def test_the_history_reason_is_stored_in_french_from_an_english_session(proposal, carrier, editor):
    from django.utils import translation

    with translation.override("en"):
        answer = services.apply_proposed_wording(comment=proposal, requirement=carrier, by=editor)

    assert carrier.history.latest().history_change_reason.startswith("Rédaction proposée par le commentaire n°")
    assert answer.body.startswith("Rédaction proposée reprise")


def test_an_existing_answer_keeps_its_decision_and_text_and_gains_the_carrier(proposal, carrier, editor):
    services.answer_comment(comment=proposal, by=editor, decision="partly_accepted", body="En partie.")

    answer = services.apply_proposed_wording(comment=proposal, requirement=carrier, by=editor)

    assert (answer.decision, answer.body, answer.carried_by) == ("partly_accepted", "En partie.", carrier)
    assert Answer.objects.filter(comment=proposal).count() == 1
    assert answer.history.latest().history_change_reason == "Réponse révisée"


def test_a_given_decision_and_text_replace_the_defaults(proposal, carrier, editor):
    answer = services.apply_proposed_wording(comment=proposal, requirement=carrier, by=editor, decision="partly_accepted", body="Repris en partie.")

    assert (answer.decision, answer.body) == ("partly_accepted", "Repris en partie.")


def test_an_unknown_decision_changes_nothing(proposal, carrier, editor):
    with pytest.raises(ValidationError):
        services.apply_proposed_wording(comment=proposal, requirement=carrier, by=editor, decision="peut-etre")

    carrier.refresh_from_db()
    assert carrier.statement != PROPOSAL
    assert not Answer.objects.filter(comment=proposal).exists()


def test_a_stale_revision_is_refused_and_nothing_changes(proposal, carrier, editor):
    stale = carrier.revision
    referential_services.update_requirement(requirement=carrier, title="Changé par une autre rédactrice", by=editor)

    with pytest.raises(ConcurrentEdit):
        services.apply_proposed_wording(comment=proposal, requirement=carrier, by=editor, expected_revision=stale)

    carrier.refresh_from_db()
    assert carrier.statement != PROPOSAL
    assert not Answer.objects.filter(comment=proposal).exists()


def test_the_consulted_requirement_itself_is_refused(proposal, mss1, editor):
    with pytest.raises((ValidationError, VersionFrozen)):
        services.apply_proposed_wording(comment=proposal, requirement=mss1, by=editor)
    assert not Answer.objects.filter(comment=proposal).exists()


def test_a_requirement_outside_the_lineage_is_refused(proposal, draft, editor):
    other = draft.requirements.get(key="MSS 2")

    with pytest.raises(ValidationError) as error:
        services.apply_proposed_wording(comment=proposal, requirement=other, by=editor)

    assert "requirement" in error.value.message_dict
    other.refresh_from_db()
    assert other.statement != PROPOSAL


def test_a_comment_without_proposal_or_withdrawn_is_refused(members, consultation, contributor_a, mss1, carrier, editor, proposal):
    plain = comment_by(contributor_a, consultation, requirement=mss1, body="Sans proposition.")
    with pytest.raises(TransitionNotAllowed):
        services.apply_proposed_wording(comment=plain, requirement=carrier, by=editor)
    services.withdraw_comment(comment=proposal, by=contributor_a)
    with pytest.raises(TransitionNotAllowed):
        services.apply_proposed_wording(comment=proposal, requirement=carrier, by=editor)
    carrier.refresh_from_db()
    assert carrier.statement != PROPOSAL


@pytest.mark.parametrize("who", ["contributor_a", "contributor_b"])
def test_only_editors_apply_a_proposal(proposal, carrier, who, request):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionRefused):
        services.apply_proposed_wording(comment=proposal, requirement=carrier, by=user)
    carrier.refresh_from_db()
    assert carrier.statement != PROPOSAL


# Pages ----------------------------------------------------------------------------------------------


def apply_url(comment):
    return reverse("consultation:comment_apply_wording", kwargs={"pk": comment.pk})


def test_the_dashboard_offers_to_apply_a_proposal_to_the_draft(proposal, carrier, client_for, editor):
    url = reverse("consultation:consultation_dashboard", kwargs={"pk": proposal.consultation_id})
    html = client_for(editor).get(url).content.decode()

    assert apply_url(proposal) in html
    assert f'name="requirement" value="{carrier.pk}"' in html
    assert f'name="expected_revision" value="{carrier.revision}"' in html


def test_applying_from_the_dashboard_writes_and_mails_the_author(proposal, carrier, client_for, editor, mailoutbox, django_capture_on_commit_callbacks):
    dashboard = reverse("consultation:consultation_dashboard", kwargs={"pk": proposal.consultation_id})
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor).post(
            apply_url(proposal), {"requirement": carrier.pk, "expected_revision": carrier.revision, "next": dashboard}
        )

    assert response.status_code == 302 and response["Location"].startswith(dashboard)
    carrier.refresh_from_db()
    assert carrier.statement == PROPOSAL
    assert Answer.objects.get(comment=proposal).carried_by == carrier
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [proposal.author.email]


def test_a_stale_form_is_refused_with_a_message(proposal, carrier, client_for, editor):
    stale = carrier.revision
    referential_services.update_requirement(requirement=carrier, title="Changé entre-temps", by=editor)

    response = client_for(editor).post(apply_url(proposal), {"requirement": carrier.pk, "expected_revision": stale}, follow=True)

    assert "modifiée par quelqu" in response.content.decode()
    carrier.refresh_from_db()
    assert carrier.statement != PROPOSAL


def test_the_draft_requirement_page_lists_the_lineage_comments_with_an_apply_button(proposal, carrier, client_for, editor):
    html = client_for(editor).get(carrier.get_absolute_url()).content.decode()

    assert "Passons au TLS 1.3." in html
    assert apply_url(proposal) in html


def test_the_consulted_requirement_page_offers_no_apply_button(proposal, mss1, carrier, client_for, editor):
    html = client_for(editor).get(mss1.get_absolute_url()).content.decode()

    assert apply_url(proposal) not in html


@pytest.mark.parametrize("who", [None, "contributor_a", "contributor_b"])
def test_others_cannot_apply_through_the_page(proposal, carrier, client_for, who, request):
    user = request.getfixturevalue(who) if who else None
    response = client_for(user).post(apply_url(proposal), {"requirement": carrier.pk})

    assert response.status_code == 403
    carrier.refresh_from_db()
    assert carrier.statement != PROPOSAL
    assert not Answer.objects.filter(comment=proposal).exists()


def test_a_requirement_of_the_draft_stays_editable_after_applying(proposal, carrier, editor):
    services.apply_proposed_wording(comment=proposal, requirement=carrier, by=editor)
    carrier = Requirement.objects.get(pk=carrier.pk)

    referential_services.update_requirement(requirement=carrier, statement="Encore changé.", by=editor, expected_revision=carrier.revision)


def test_once_applied_the_pages_say_so_instead_of_offering_the_button(proposal, carrier, client_for, editor):
    services.apply_proposed_wording(comment=proposal, requirement=carrier, by=editor)
    client = client_for(editor)
    dashboard = reverse("consultation:consultation_dashboard", kwargs={"pk": proposal.consultation_id})

    for url in (dashboard, carrier.get_absolute_url()):
        html = client.get(url).content.decode()
        assert apply_url(proposal) not in html, url
        assert "Rédaction proposée appliquée à MSS 1 (version 9.0)" in html, url
