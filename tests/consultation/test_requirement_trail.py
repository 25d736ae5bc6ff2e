"""A requirement's page shows its consultation trail across versions: the comments each reader may
see, their answers and decisions, and the requirement of the next version that carries the change,
followed by its key even when it was renamed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultation import services
from referential import services as referential_services
from referential.models import ReferentialVersion
from tests.factories import filled_version, freeze

from .conftest import close, comment_by

pytestmark = pytest.mark.django_db


@pytest.fixture
def lineage(members, editor, contributor_a, contributor_b):
    """1.x consulted (A asked about MSS 1, B remarked on it; the ANS accepted A's question, carried by
    « MSS 1 bis » in the next version), then published; 1.y drafted from it, MSS 1 renamed « MSS 1 bis »."""
    first = filled_version()
    now = timezone.now()
    consultation = services.open_consultation(version=first, opens_at=now - timedelta(days=20), closes_at=now + timedelta(days=1), by=editor)
    mss1 = first.requirements.get(key="MSS 1")
    question = comment_by(contributor_a, consultation, requirement=mss1, kind="question", body="Question de A sur MSS 1.")
    remark = comment_by(contributor_b, consultation, requirement=mss1, body="Remarque de B sur MSS 1.")
    close(consultation, editor)
    freeze(first)
    draft = referential_services.start_draft(referential=first.referential, number="9.0", by=None)
    renamed = draft.requirements.get(key="MSS 1")
    referential_services.update_requirement(requirement=renamed, key="MSS 1 bis", by=None)
    renamed.refresh_from_db()
    services.answer_comment(comment=question, by=editor, decision="accepted", body="Accepté : voir MSS 1 bis.", carried_by=renamed)
    return {"consultation": consultation, "old": mss1, "new": renamed, "question": question, "remark": remark, "draft": draft}


def html_of(client, requirement):
    response = client.get(requirement.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_before_the_synthesis_the_public_sees_the_consultation_but_no_comment(lineage, anonymous):
    html = html_of(anonymous, lineage["old"])

    assert "Commentaires de concertation" in html
    assert "seront visibles à la publication de la synthèse" in html
    assert "Question de A" not in html and "Remarque de B" not in html


def test_before_the_synthesis_a_contributor_sees_only_their_own_comment_and_its_answer(lineage, client_for, contributor_a, contributor_b):
    html_a = html_of(client_for(contributor_a), lineage["old"])
    html_b = html_of(client_for(contributor_b), lineage["old"])

    assert "Question de A" in html_a and "Accepté\u202f: voir MSS 1 bis." in html_a and "Remarque de B" not in html_a
    assert "Remarque de B" in html_b and "Question de A" not in html_b


def test_editors_always_see_every_comment_with_its_author(lineage, client_for, editor):
    html = html_of(client_for(editor), lineage["old"])

    assert "Question de A" in html and "Remarque de B" in html
    assert "operateur_a" in html and "Logiciels B" in html


def test_after_the_synthesis_everyone_reads_the_comments_answers_and_the_carrying_requirement(lineage, editor, anonymous):
    services.publish_synthesis(consultation=lineage["consultation"], by=editor)
    # The next version becomes public: its requirement page is where the change is read.
    services.open_consultation(
        version=lineage["draft"], opens_at=timezone.now(), closes_at=timezone.now() + timedelta(days=10), by=editor
    )

    html = html_of(anonymous, lineage["old"])

    assert "Question de A" in html and "Remarque de B" in html
    assert "Acceptée" in html and "Accepté\u202f: voir MSS 1 bis." in html
    # Followed by its new key, with a link to it in the next version.
    assert f'<a href="{lineage["new"].get_absolute_url()}">MSS 1 bis</a> dans la version 9.0' in html
    assert "operateur_a" not in html  # authors are never shown to the public
    assert "Un opérateur" in html and "Logiciels B" in html  # B agreed to be named, A did not


def test_the_renamed_requirement_shows_the_trail_of_its_lineage(lineage, editor, anonymous):
    services.publish_synthesis(consultation=lineage["consultation"], by=editor)
    services.open_consultation(
        version=lineage["draft"], opens_at=timezone.now(), closes_at=timezone.now() + timedelta(days=10), by=editor
    )

    html = html_of(anonymous, lineage["new"])

    assert "Question de A sur MSS 1." in html
    assert "Version 1." in html  # the older consultation, on the requirement as it was keyed then


def test_a_carrying_requirement_in_a_private_draft_is_named_without_a_link(lineage, client_for, contributor_a):
    html = html_of(client_for(contributor_a), lineage["old"])

    assert lineage["draft"].status == ReferentialVersion.Status.DRAFT
    assert "Changement porté par MSS 1 bis dans la version 9.0, en préparation." in html
    assert lineage["new"].get_absolute_url() not in html


def test_withdrawn_and_hidden_comments_stay_out_of_the_public_trail(lineage, editor, contributor_b, anonymous):
    services.hide_comment(comment=lineage["remark"], by=editor, reason="Hors sujet.")
    services.publish_synthesis(consultation=lineage["consultation"], by=editor)

    html = html_of(anonymous, lineage["old"])

    assert "Question de A" in html and "Remarque de B" not in html


def test_the_requirement_page_runs_the_same_queries_whatever_the_number_of_comments(lineage, editor, contributor_a, anonymous):
    consultation = lineage["consultation"]
    services.publish_synthesis(consultation=consultation, by=editor)
    # Read once first: a published version's row is then kept in the process's memory
    # (referential.page_cache), as it is for both measured reads.
    assert anonymous.get(lineage["old"].get_absolute_url()).status_code == 200
    counts = []
    for extra in (0, 30):
        from consultation.models import Comment

        Comment.objects.bulk_create(
            Comment(consultation=consultation, requirement=lineage["old"], kind="remark", body=f"En nombre {n}",
                    author=contributor_a, organisation=contributor_a.membership.organisation)
            for n in range(extra)
        )
        with CaptureQueriesContext(connection) as captured:
            assert anonymous.get(lineage["old"].get_absolute_url()).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_the_trail_and_carried_by_follow_the_lineage_through_a_key_swap(members, editor, contributor_a, anonymous):
    """1.0 is consulted; a question on its MSS 1 is carried by 9.0's MSS 2, which is the same requirement
    once 9.0 swapped MSS 1 and MSS 2. The trail shows on that lineage only, and the answer links to it."""
    first = filled_version()
    now = timezone.now()
    consultation = services.open_consultation(version=first, opens_at=now - timedelta(days=20), closes_at=now + timedelta(days=1), by=editor)
    question = comment_by(contributor_a, consultation, requirement=first.requirements.get(key="MSS 1"), kind="question", body="Question sur MSS 1.")
    close(consultation, editor)
    first.refresh_from_db()
    draft = referential_services.start_draft(referential=first.referential, number="9.0", source=first, by=None)
    one, two = draft.requirements.get(key="MSS 1"), draft.requirements.get(key="MSS 2")
    referential_services.update_requirement(requirement=one, key="TMP", by=None)
    referential_services.update_requirement(requirement=two, key="MSS 1", by=None)
    referential_services.update_requirement(requirement=one, key="MSS 2", by=None)
    carrier = draft.requirements.get(key="MSS 2")
    services.answer_comment(comment=question, by=editor, decision="accepted", body="Repris.", carried_by=carrier)
    services.publish_synthesis(consultation=consultation, by=editor)
    referential_services.publish_version(version=ReferentialVersion.objects.get(pk=first.pk), by=editor)
    referential_services.publish_version(version=ReferentialVersion.objects.get(pk=draft.pk), by=editor)

    on_carrier = html_of(anonymous, carrier)
    on_other = html_of(anonymous, draft.requirements.get(key="MSS 1"))

    assert carrier.origin.key == "MSS 1"
    assert "Question sur MSS 1." in on_carrier and "Question sur MSS 1." not in on_other
    assert f'href="{carrier.get_absolute_url()}"' in on_carrier
