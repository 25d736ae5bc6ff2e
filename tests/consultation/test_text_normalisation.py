"""A proposal is only what the contributor changed: text is normalised at the service boundary
(CRLF/CR → LF, Unicode NFC, trailing spaces), whatever sent it."""

import importlib
import unicodedata
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from consultation import services
from consultation.models import Comment
from referential import services as referential_services
from referential.text import normalise_line, normalise_text
from tests.factories import RequirementFactory, VersionFactory

pytestmark = pytest.mark.django_db

MULTILINE = (
    "L'opérateur **DOIT** publier chaque BAL dans l'annuaire.\n"
    "\n"
    "- une BAL dépubliée reste ouverte ;\n"
    "- elle est comptée parmi les BAL actives."
)


@pytest.fixture
def multiline(editor):
    """A consultation open now on a version whose requirement ``MSS 17`` has a statement of several lines."""
    version = VersionFactory()
    requirement = RequirementFactory(version=version, key="MSS 17", statement=MULTILINE)
    now = timezone.now()
    consultation = services.open_consultation(
        version=version, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=14), by=editor
    )
    return consultation, requirement


def create_url(consultation):
    return reverse("consultation:comment_create", kwargs={"pk": consultation.pk})


def test_normalised_text_has_lf_nfc_and_no_trailing_spaces():
    decomposed = unicodedata.normalize("NFD", "Opérateur  \r\nligne deux\t\rligne trois   \r\n\r\n")

    assert normalise_text(decomposed) == "Opérateur\nligne deux\nligne trois"
    assert normalise_line(" Titre \u00a0 sur\r\ndeux lignes ") == "Titre sur deux lignes"


def test_a_question_posted_from_the_site_with_the_prefilled_wording_untouched_proposes_nothing(
    members, multiline, contributor_a, client_for
):
    consultation, requirement = multiline
    # What a browser sends for the untouched textarea: CRLF line breaks.
    sent = requirement.statement.replace("\n", "\r\n")

    response = client_for(contributor_a).post(
        create_url(consultation),
        {"kind": "question", "body": "Une BAL dépubliée compte-t-elle ?", "proposed_wording": sent, "requirement": requirement.pk},
    )

    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.proposed_wording == ""
    assert comment.commented_text == MULTILINE


def test_the_same_through_the_api_with_decomposed_accents_and_trailing_spaces_proposes_nothing(
    members, multiline, contributor_a, api_for
):
    consultation, requirement = multiline
    sent = unicodedata.normalize("NFD", requirement.statement).replace("\n", "  \r\n") + "\r\n"

    response = api_for(contributor_a).post(
        f"/api/v1/consultations/{consultation.pk}/comments/",
        {"kind": "question", "body": "Et alors ?", "proposed_wording": sent, "requirement": "MSS 17"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Comment.objects.get().proposed_wording == ""
    assert response.json()["proposed_redline_html"] is None


def test_a_real_change_is_kept_normalised(members, multiline, contributor_a):
    consultation, requirement = multiline
    sent = requirement.statement.replace("\n", "\r\n").replace("actives", "actives et facturées")

    comment = services.submit_comment(
        consultation=consultation, author=contributor_a, kind="proposal", body="Préciser.",
        proposed_wording=sent, requirement=requirement,
    )

    assert comment.proposed_wording == MULTILINE.replace("actives", "actives et facturées")
    assert "\r" not in comment.proposed_wording


def test_editing_a_comment_back_to_the_original_text_withdraws_the_proposal(members, multiline, contributor_a):
    consultation, requirement = multiline
    comment = services.submit_comment(
        consultation=consultation, author=contributor_a, kind="proposal", body="Préciser.",
        proposed_wording="Autre texte.", requirement=requirement,
    )

    services.edit_comment(comment=comment, by=contributor_a, proposed_wording=MULTILINE.replace("\n", "\r\n"))

    comment.refresh_from_db()
    assert comment.proposed_wording == ""


def test_a_comment_on_a_chapter_or_the_version_refuses_a_proposed_wording(members, multiline, contributor_a):
    consultation, requirement = multiline

    for target in ({"section": requirement.section}, {}):
        with pytest.raises(ValidationError) as excinfo:
            services.submit_comment(
                consultation=consultation, author=contributor_a, kind="remark", body="Texte.",
                proposed_wording="Une rédaction.", **target,
            )
        assert "proposed_wording" in excinfo.value.message_dict
    assert not Comment.objects.exists()


def test_the_chapter_and_version_comment_forms_offer_no_proposed_wording(members, multiline, contributor_a, client_for):
    consultation, requirement = multiline
    client = client_for(contributor_a)

    on_chapter = client.get(create_url(consultation) + f"?chapitre={requirement.section_id}")
    on_requirement = client.get(create_url(consultation) + f"?exigence={requirement.pk}")
    on_consultation = client.get(consultation.get_absolute_url())

    assert on_chapter.status_code == on_requirement.status_code == 200
    assert 'name="proposed_wording"' not in on_chapter.content.decode()
    assert 'name="proposed_wording"' in on_requirement.content.decode()
    assert 'name="proposed_wording"' not in on_consultation.content.decode()


def test_requirement_services_store_normalised_text(editor):
    requirement = RequirementFactory()

    referential_services.update_requirement(
        requirement=requirement,
        title="  Chiffrer \r\n les flux ",
        statement=unicodedata.normalize("NFD", "Ligne é  \r\nSuite\r"),
        by=editor,
    )

    requirement.refresh_from_db()
    assert requirement.title == "Chiffrer les flux"
    assert requirement.statement == "Ligne é\nSuite"


def test_the_data_migration_repairs_stored_comments(members, multiline, contributor_a):
    consultation, requirement = multiline
    comment = services.submit_comment(
        consultation=consultation, author=contributor_a, kind="question", body="Question ?", requirement=requirement
    )
    # A row stored before the fix: the browser's CRLF copy of the statement as "proposal".
    models.QuerySet.update(
        Comment.objects.filter(pk=comment.pk),
        proposed_wording=MULTILINE.replace("\n", "\r\n"),
        body="Question ?  \r\n",
    )
    migration = importlib.import_module("consultation.migrations.0005_normalise_comment_text")

    migration.normalise_comments(django_apps, None)

    comment.refresh_from_db()
    assert (comment.proposed_wording, comment.body) == ("", "Question ?")
