"""Publishing is deliberate: from the site or the admin, a version is published only through its
confirmation page, which shows the draft PDF, the version that stops being in force and when, every
blocking problem with the action that resolves it, every warning, and publishes on an explicit POST."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from consultation.models import Consultation
from referential import services
from referential.models import ReferentialVersion, Requirement
from tests.factories import filled_version, freeze, staff_editor_user

pytestmark = pytest.mark.django_db
Status = ReferentialVersion.Status


@pytest.fixture
def po(db):
    return staff_editor_user(username="po_ans", first_name="Claire", last_name="Martin")


@pytest.fixture
def po_client(po, client_for):
    return client_for(po)


def publish_url(version):
    return reverse("referential:version_publish", kwargs={"slug": version.referential.slug, "number": version.number})


def text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ").replace("\u202f", " ").replace("’", "'").split())


def confirm(client, version, **extra):
    """POST the confirmation of the review the page shows now."""
    fingerprint = services.review_publication(ReferentialVersion.objects.get(pk=version.pk)).fingerprint
    return client.post(publish_url(version), {"revue": fingerprint, **extra})


@pytest.fixture
def in_force_and_draft(po):
    published = services.publish_version(version=filled_version(number="1.0"), by=po)
    draft = services.start_draft(referential=published.referential, number="1.1", by=po)
    return published, draft


def test_the_page_shows_the_preview_what_stops_being_in_force_and_publishes_nothing(po_client, in_force_and_draft):
    published, draft = in_force_and_draft

    response = po_client.get(publish_url(draft))

    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/referentiels/{draft.referential.slug}/1.1/apercu.pdf"' in page
    words = text(response)
    assert "La version 1.1 entrera en vigueur dès sa publication" in words
    assert "La version 1.0, en vigueur aujourd'hui, cessera de l'être dès la publication." in words
    assert "Problèmes bloquants (0)" in words or "Problème bloquant (0)" in words
    assert "Confirmer la publication de la version 1.1" in words
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_version_in_force_later_leaves_the_current_one_in_force_until_the_day_before(po_client, in_force_and_draft):
    published, draft = in_force_and_draft
    later = timezone.localdate() + datetime.timedelta(days=180)
    ReferentialVersion.objects.filter(pk=draft.pk).update(effective_at=later)

    words = text(po_client.get(publish_url(draft)))

    review = services.review_publication(ReferentialVersion.objects.get(pk=draft.pk))
    assert (review.replaced, review.in_force_from, review.replaced_until) == (
        published, later, later - datetime.timedelta(days=1)
    )
    assert "La version 1.1 sera publiée aujourd'hui et entrera en vigueur le" in words
    assert "La version 1.0, en vigueur aujourd'hui, le restera jusqu'au" in words


def test_publication_needs_the_confirmation_post(po_client, po, in_force_and_draft):
    published, draft = in_force_and_draft

    po_client.get(publish_url(draft))
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT

    response = confirm(po_client, draft)

    draft.refresh_from_db()
    published.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == draft.get_absolute_url()
    assert (draft.status, draft.published_by, published.status) == (Status.PUBLISHED, po, Status.SUPERSEDED)


def test_a_confirmation_of_another_review_publishes_nothing(po_client, in_force_and_draft):
    _published, draft = in_force_and_draft

    missing = po_client.post(publish_url(draft), {})
    stale = po_client.post(publish_url(draft), {"revue": "0" * 32})

    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    for response in (missing, stale):
        assert response.status_code == 200
        assert "Rien n'a été publié : la situation a changé" in text(response)


def test_a_new_warning_since_the_page_was_shown_makes_the_confirmation_stale(po_client, in_force_and_draft):
    _published, draft = in_force_and_draft
    seen = services.review_publication(draft).fingerprint
    Requirement.objects.filter(version=draft, key="MSS 2").update(statement="Le sujet porte « 中 ».")

    response = po_client.post(publish_url(draft), {"revue": seen})

    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert "MSS 2, énoncé : le caractère « 中 » (U+4E2D)" in text(response)


def test_from_the_admin_the_confirmation_returns_to_the_admin(po_client, in_force_and_draft):
    _published, draft = in_force_and_draft

    page = po_client.get(publish_url(draft) + "?depuis=admin").content.decode()
    response = confirm(po_client, draft, depuis="admin")

    assert 'name="depuis" value="admin"' in page
    assert response["Location"] == reverse("admin:referential_referentialversion_change", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED


def test_only_editors_reach_the_page(client_for, contributor_a, in_force_and_draft):
    _published, draft = in_force_and_draft

    assert client_for(None).get(publish_url(draft)).status_code == 403
    assert client_for(contributor_a).get(publish_url(draft)).status_code == 403
    assert client_for(contributor_a).post(publish_url(draft), {}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_the_version_page_offers_publication_to_editors(po_client, in_force_and_draft):
    _published, draft = in_force_and_draft

    page = po_client.get(draft.get_absolute_url()).content.decode()

    assert f'href="{publish_url(draft)}"' in page


# Refusals name the action that resolves them and link to it ---------------------------------------


def test_the_lineage_refusals_are_listed_with_the_actions_that_resolve_them(po_client, po):
    """1.2 based on 1.0 cannot be published with one click while 1.1, also based on 1.0, is in consultation."""
    v10 = services.publish_version(version=filled_version(number="1.0"), by=po)
    v11 = services.start_draft(referential=v10.referential, number="1.1", by=po)
    v12 = services.start_draft(referential=v10.referential, number="1.2", by=po)
    services.submit_version_to_consultation(version=v11, by=po)
    v11 = services.publish_version(version=v11, by=po)  # 1.1 now published: 1.2 (based on 1.0) is stale
    v13 = services.start_draft(referential=v10.referential, number="1.3", source=v11, by=po)
    services.submit_version_to_consultation(version=v13, by=po)

    response = po_client.get(publish_url(v12))
    words = text(response)
    page = response.content.decode()

    assert "Problèmes bloquants (2)" in words
    assert "La version 1.3 est en concertation : publiez-la d'abord" in words
    assert f'href="{publish_url(v13)}"' in page and "Publier d'abord la version 1.3" in words
    assert "La version 1.2 est fondée sur la version 1.0, mais la version publiée est la 1.1" in words
    start_v11 = reverse("admin:referential_referentialversion_start_draft", args=[v11.pk])
    assert f'href="{start_v11}"' in page and "Démarrer un brouillon à partir de la version 1.1" in words
    assert "Confirmer la publication" not in words

    refused = confirm(po_client, v12)

    assert refused.status_code == 409
    assert "La version ne peut pas être publiée." in text(refused)
    v12.refresh_from_db()
    assert v12.status == Status.DRAFT


def test_an_open_consultation_links_to_closing_it(po_client, po):
    version = filled_version(number="1.0")
    now = timezone.now()
    services.submit_version_to_consultation(version=version, by=po)
    consultation = Consultation.objects.create(
        version=version, opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=3)
    )

    [blocker] = services.review_publication(version).blockers

    assert "encore ouverte" in blocker.message
    assert blocker.remedy.url == reverse("admin:consultation_consultation_changelist") + f"?id__exact={consultation.pk}"
    assert blocker.remedy.url.replace("&", "&amp;") in po_client.get(publish_url(version)).content.decode()


def test_an_incomplete_requirement_links_to_its_form(po_client):
    draft = filled_version(number="1.0")
    Requirement.objects.filter(version=draft, key="MSS 1").update(level=None)
    mss1 = draft.requirements.get(key="MSS 1")

    response = po_client.get(publish_url(draft))

    assert "MSS 1 : aucun niveau de non-conformité." in text(response)
    assert f'href="{reverse("admin:referential_requirement_change", args=[mss1.pk])}"' in response.content.decode()


def test_a_problem_of_a_text_under_consultation_is_fixed_in_the_next_draft(po):
    version = filled_version(number="1.0")
    Requirement.objects.filter(version=version, key="MSS 1").update(level=None)
    freeze(version, Status.CONSULTATION)

    [blocker] = services.review_publication(version).blockers

    assert blocker.remedy.url == reverse("admin:referential_referentialversion_start_draft", args=[version.pk])


# Warnings -----------------------------------------------------------------------------------------


def test_warnings_are_shown_and_do_not_block(po_client, in_force_and_draft):
    _published, draft = in_force_and_draft
    mss2 = draft.requirements.get(key="MSS 2")
    Requirement.objects.filter(pk=mss2.pk).update(statement="Le sujet porte « 中 ».")

    response = po_client.get(publish_url(draft))
    words = text(response)

    assert "Avertissement (1)" in words
    assert "MSS 2, énoncé : le caractère « 中 » (U+4E2D) ne peut pas être imprimé dans le PDF" in words
    assert f'href="{reverse("admin:referential_requirement_change", args=[mss2.pk])}"' in response.content.decode()
    assert "Confirmer la publication de la version 1.1" in words
    confirm(po_client, draft)
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED


def test_a_reused_key_is_a_warning_with_the_comparison_to_read(po_client, po, in_force_and_draft):
    _published, draft = in_force_and_draft
    old = draft.requirements.get(key="MSS 2")
    section, level, actors = old.section, old.level, list(old.actors.all())
    services.delete_requirement(requirement=old, by=po)
    services.create_requirement(
        version=draft, section=section, key="MSS 2", title="Autre chose", statement="Rien à voir.",
        level=level, actors=actors, by=po,
    )

    response = po_client.get(publish_url(draft))
    words = text(response)

    assert "Clé réutilisée : MSS 2 désignait dans la version 1.0 l'exigence" in words
    compare = reverse("referential:compare", kwargs={"slug": draft.referential.slug, "a": "1.0", "b": "1.1"})
    assert f'href="{compare}"' in response.content.decode()
    assert "Confirmer la publication de la version 1.1" in words
