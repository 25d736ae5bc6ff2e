"""Hostile and real-world inputs against the cheaper comment intake (commit 2ff7232): outsiders,
another organisation's contributor, editors; keys typed every way a person or a script types them;
the per-process index of a frozen version's keys; the serializer's fields built once per class;
the synthesis after the window closes."""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Membership, Organisation
from consultation import queries, services
from consultation.models import Comment, Consultation
from consultation.synthesis import synthesis_document
from core.errors import PermissionRefused
from referential.models import ReferentialVersion, Requirement
from referential.queries import requirement_by_key
from tests.factories import (
    RequirementFactory, SectionFactory, UserFactory, VersionFactory, contributor_user, editor_user, filled_version,
)

from .conftest import approved_organisation, close, comment_by, join

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def post(client, consultation, **payload):
    payload = {"kind": "question", "body": "Le TLS 1.3 suffit-il ?", **payload}
    return client.post(f"/api/v1/consultations/{consultation.pk}/comments/", payload, format="json")


def listed(client, consultation):
    response = client.get(f"/api/v1/consultations/{consultation.pk}/comments/")
    assert response.status_code == 200, response.content
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


# Outsiders ---------------------------------------------------------------------------------------


def _pending(user):
    return Membership.objects.create(user=user, organisation=approved_organisation("Attente"), email_confirmed_at=timezone.now())


def _refused(user):
    membership = _pending(user)
    membership.status = Membership.Status.REFUSED
    membership.save()
    return membership


def _unapproved_organisation(user):
    organisation = Organisation.objects.create(name="Pas encore validée", kind=Organisation.Kind.OPERATOR)
    return join(user, organisation)


def _unconfirmed(user):
    membership = join(user, approved_organisation("Sans adresse"))
    membership.email_confirmed_at = None
    membership.save()
    return membership


@pytest.mark.parametrize("setup", [None, _pending, _refused, _unapproved_organisation, _unconfirmed])
def test_a_contributor_without_a_membership_in_good_standing_is_refused(consultation, setup):
    user = contributor_user()
    if setup is not None:
        setup(user)
    response = post(api(user), consultation, requirement="MSS 1")
    assert response.status_code == 403, response.content
    assert not Comment.objects.exists()


def test_anonymous_is_asked_to_sign_in(consultation):
    assert post(api(), consultation, requirement="MSS 1").status_code == 401


def test_an_editor_who_is_not_a_contributor_is_refused_even_with_a_membership(consultation, editor):
    join(editor, approved_organisation("Agence"))
    assert post(api(editor), consultation).status_code == 403
    superuser = UserFactory(is_superuser=True)
    join(superuser, approved_organisation("Racine"))
    assert post(api(superuser), consultation).status_code == 403


def test_a_member_in_good_standing_outside_the_contributor_group_is_refused(consultation):
    user = UserFactory()
    join(user, approved_organisation("Sans rôle"))
    assert post(api(user), consultation).status_code == 403


def test_a_comment_is_in_the_name_of_the_authors_own_organisation(members, consultation, contributor_a, contributor_b):
    org_a, org_b = members
    post(api(contributor_a), consultation, requirement="MSS 1")
    post(api(contributor_b), consultation, requirement="MSS 1")
    assert set(Comment.objects.values_list("author__username", "organisation__name")) == {
        (contributor_a.username, org_a.name),
        (contributor_b.username, org_b.name),
    }


def test_submit_comment_does_not_trust_a_membership_it_is_handed(members, consultation, contributor_a):
    """A caller handing the service the author's own membership, refused meanwhile or never
    checked, does not get a comment through: the service is the gate."""
    membership = Membership.objects.select_related("organisation").get(user=contributor_a)
    membership.status = Membership.Status.REFUSED
    membership.save()
    with pytest.raises(PermissionRefused):
        services.submit_comment(
            consultation=consultation, author=contributor_a, kind=Comment.Kind.REMARK, body="Passe ?", membership=membership
        )
    assert not Comment.objects.exists()


# Which consultation ------------------------------------------------------------------------------


def test_a_consultation_on_a_draft_is_a_404_for_all_but_editors(members, contributor_a, editor):
    # As before the change (visible_consultations): a consultation row whose version is a draft.
    draft = filled_version()
    now = timezone.now()
    hidden = Consultation.objects.create(version=draft, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=3), opened_by=editor)
    assert api().get(f"/api/v1/consultations/{hidden.pk}/comments/").status_code == 404
    assert post(api(contributor_a), hidden, requirement="MSS 1").status_code == 404
    assert api(contributor_a).get(f"/api/v1/consultations/{hidden.pk}/comments/").status_code == 404
    assert api(editor).get(f"/api/v1/consultations/{hidden.pk}/comments/").status_code == 200
    assert post(api(contributor_a), type("C", (), {"pk": 999_999})()).status_code == 404


@pytest.mark.parametrize("when", ["upcoming", "closed"])
def test_outside_the_window_is_a_409_saying_why(members, contributor_a, editor, when):
    version = filled_version()
    now = timezone.now()
    opens = now + timedelta(days=1) if when == "upcoming" else now - timedelta(days=3)
    consultation = services.open_consultation(version=version, opens_at=opens, closes_at=now + timedelta(days=5), by=editor)
    if when == "closed":
        close(consultation, editor)
    response = post(api(contributor_a), consultation, requirement="MSS 1", body="x" * 10_000_000)
    assert response.status_code == 409, response.content
    assert ("pas encore" if when == "upcoming" else "close") in str(response.json())


# Keys --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["MSS 1", "mss 1", "Mss\u00a01", "MSS\u2009\u20091", "  MSS 1  ", "MSS\u202f1", "\u3000MSS 1", "MSS\t1".replace("\t", " ")]
)
def test_keys_as_people_type_them_find_the_requirement(members, consultation, contributor_a, typed):
    response = post(api(contributor_a), consultation, requirement=typed)
    assert response.status_code == 201, response.content
    assert response.json()["requirement"]["key"] == "MSS 1"


@pytest.mark.parametrize("typed", ["\u041cSS 1", "MSS\u200b1", "ＭＳＳ 1", "MSS 1.", "MSS1", "MSS 3"])
def test_look_alike_and_unknown_keys_are_a_400_naming_the_field(members, consultation, contributor_a, typed):
    response = post(api(contributor_a), consultation, requirement=typed)
    assert response.status_code == 400, response.content
    assert "requirement" in response.json()
    assert not Comment.objects.exists()


def test_a_key_of_another_version_of_the_same_referential_is_refused(members, consultation, contributor_a, editor):
    # The next draft of the same referential holds a key the consulted version does not.
    draft = VersionFactory(referential=consultation.version.referential, number="9.0")
    RequirementFactory(version=draft, key="MSS 99")
    assert requirement_by_key(draft, "mss 99") is not None
    response = post(api(contributor_a), consultation, requirement="MSS 99")
    assert response.status_code == 400 and "MSS 99" in response.json()["requirement"][0]


def test_a_section_of_another_version_is_refused(members, consultation, contributor_a):
    other = SectionFactory(version=VersionFactory(referential=consultation.version.referential, number="9.1"))
    response = post(api(contributor_a), consultation, section=other.pk)
    assert response.status_code == 400 and "section" in response.json()
    assert post(api(contributor_a), consultation, section=2**62).status_code == 400
    assert post(api(contributor_a), consultation, section=-1).status_code == 400


def test_a_huge_key_is_a_400_without_echoing_it(members, consultation, contributor_a):
    response = post(api(contributor_a), consultation, requirement="M" * 1_000_000)
    assert response.status_code == 400 and "requirement" in response.json()
    assert len(response.content) < 10_000


def _version_with_legacy_twin_keys():
    """A version holding two keys a reader cannot tell apart, as migration 0004 reports in data
    stored before keys were compared by identity (the services refuse them now; the rows stay)."""
    version = filled_version()
    section = version.sections.first()
    upper = RequirementFactory(version=version, section=section, key="QA 17", position=10)
    lower = RequirementFactory(version=version, section=section, key="qa 17", position=11)
    return version, upper, lower


def test_with_legacy_twin_keys_the_key_written_as_stored_wins_draft_or_frozen(members, contributor_a, editor):
    version, upper, lower = _version_with_legacy_twin_keys()
    assert requirement_by_key(version, "qa 17").pk == lower.pk  # a draft: the key as written
    assert requirement_by_key(version, "QA 17").pk == upper.pk
    consultation = services.open_consultation(
        version=version, opens_at=timezone.now() - timedelta(hours=1), closes_at=timezone.now() + timedelta(days=1), by=editor
    )
    version.refresh_from_db()
    assert version.is_text_frozen
    # Frozen, the same answers: the comment lands on the requirement its author named.
    assert requirement_by_key(version, "qa 17").pk == lower.pk
    assert requirement_by_key(version, "QA 17").pk == upper.pk
    # Neither written as stored: the first in the document, as before the index.
    assert requirement_by_key(version, "Qa 17").pk == upper.pk
    response = post(api(contributor_a), consultation, requirement="qa 17")
    assert Comment.objects.get(pk=response.json()["id"]).requirement_id == lower.pk


# The index of a frozen version's keys ------------------------------------------------------------


def test_an_id_given_back_by_a_rollback_under_a_fixed_clock_is_another_version(monkeypatch, editor):
    """SQLite gives an id back when the transaction that took it rolls back; with the clock fixed
    (as tests fix it), the next version gets the same id *and* the same creation time. The index of
    the first must not answer for the second."""
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=dt_timezone.utc)
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    def frozen_version(title):
        version = VersionFactory(number="4.0")
        RequirementFactory(version=version, key="MSS 1", title=title)
        ReferentialVersion.objects.filter(pk=version.pk).update(status=ReferentialVersion.Status.CONSULTATION)
        version.refresh_from_db()
        return version

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            first = frozen_version("Dans la transaction annulée")
            assert requirement_by_key(first, "MSS 1").title == "Dans la transaction annulée"
            raise Rollback
    except Rollback:
        pass
    second = frozen_version("La bonne")
    found = requirement_by_key(second, "MSS 1")
    assert found.title == "La bonne"
    assert Requirement.objects.filter(pk=found.pk, version=second).exists()


def test_the_index_survives_publication_and_stays_right(members, consultation, contributor_a, editor):
    version = consultation.version
    before = requirement_by_key(version, "MSS 2")
    close(consultation, editor)
    ReferentialVersion.objects.filter(pk=version.pk).update(status=ReferentialVersion.Status.PUBLISHED)
    version.refresh_from_db()
    after = requirement_by_key(version, "mss 2")
    assert after.pk == before.pk == version.requirements.get(key="MSS 2").pk
    # A closed consultation takes no comment, whatever the key.
    assert post(api(contributor_a), consultation, requirement="MSS 2").status_code == 409


def test_a_requirement_handed_out_carries_no_relation_of_another_caller(consultation):
    first = requirement_by_key(consultation.version, "MSS 1")
    first.section  # loads and caches the chapter on this copy
    second = requirement_by_key(consultation.version, "MSS 1")
    assert "section" not in second._state.fields_cache
    assert second._state is not first._state


# Fields built once per class: what each reader sees stays theirs --------------------------------


def test_who_sees_the_author_does_not_leak_from_one_reader_to_the_next(members, consultation, contributor_a, contributor_b, editor):
    org_a, _org_b = members
    created = post(api(contributor_a), consultation, requirement="MSS 1").json()
    assert created["author"] == contributor_a.username and created["organisation"] == org_a.name
    readers = [
        (editor, contributor_a.username, org_a.name),
        (None, None, org_a.public_label),
        (contributor_a, contributor_a.username, org_a.name),
        (contributor_b, None, org_a.public_label),
        (editor, contributor_a.username, org_a.name),
        (contributor_b, None, org_a.public_label),
    ]
    assert org_a.public_label != org_a.name  # org A did not agree to be named
    close(consultation, editor)
    Consultation.objects.filter(pk=consultation.pk).update(synthesis_published_at=timezone.now())
    for reader, author, organisation in readers:
        (row,) = listed(api(reader), consultation)
        assert (row["author"], row["organisation"]) == (author, organisation), reader


# The synthesis after the window closes -----------------------------------------------------------


def test_the_synthesis_read_after_closing_holds_every_comment_of_the_window(members, consultation, contributor_a, editor):
    """No rebuild is scheduled for comments while the window is open; the synthesis a reader gets
    after it closes is still the one of its content (``core.documents`` compares fingerprints)."""
    from core.documents import _current
    from core.models import StoredDocument

    consultation.refresh_from_db()
    before = synthesis_document(consultation)
    stored = StoredDocument.objects.create(
        kind=before.kind, key=before.key, language=before.language, fingerprint=before.fingerprint, sha256="x", file="x.pdf"
    )
    comment_by(contributor_a, consultation, body="Arrivé pendant la fenêtre, sans reconstruction.")
    close(consultation, editor)
    after = synthesis_document(Consultation.objects.select_related("version__referential").get(pk=consultation.pk))
    assert "Arrivé pendant la fenêtre" in after.source or after.source != before.source
    assert not _current(stored, after.fingerprint)


def test_consultation_for_reads_as_visible_consultations(members, contributor_a, editor):
    draft = filled_version()
    now = timezone.now()
    on_draft = Consultation.objects.create(version=draft, opens_at=now, closes_at=now + timedelta(days=1), opened_by=editor)
    public = services.open_consultation(version=filled_version(), opens_at=now, closes_at=now + timedelta(days=1), by=editor)
    outsider = UserFactory()
    for user in (None, outsider, contributor_a, editor, editor_user(), UserFactory(is_superuser=True)):
        for consultation in (on_draft, public):
            expected = queries.visible_consultations(user).filter(pk=consultation.pk).exists()
            try:
                queries.consultation_for(user, consultation.pk)
                got = True
            except Exception:
                got = False
            assert got == expected, (user, consultation)


def test_an_empty_key_and_blank_ones_comment_the_whole_version(members, consultation, contributor_a):
    for typed in ["", "   ", "\u00a0"]:
        response = post(api(contributor_a), consultation, requirement=typed)
        assert response.status_code == 201, response.content
        assert response.json()["target"] == "version"


def test_validation_error_for_unknown_key_names_the_version(consultation):
    with pytest.raises(ValidationError) as error:
        queries.consultation_requirement(consultation, "MSS 404")
    assert "requirement" in error.value.message_dict


@pytest.mark.parametrize(
    "payload",
    [
        {"requirement": None}, {"requirement": ["MSS 1"]}, {"requirement": {"key": "MSS 1"}}, {"requirement": 1},
        {"section": "deux"}, {"section": True}, {"section": 1.5}, {"section": [1]}, {"section": "1e400"},
        {"kind": "other"}, {"kind": None}, {"body": ""}, {"body": " \u00a0\u200b "}, {"body": "x" * 10_001},
        {"proposed_wording": None}, {"requirement": "MSS 1\x00"}, {"requirement": "MSS 1", "section": 1},
    ],
)
def test_odd_json_is_a_4xx_never_a_500(members, consultation, contributor_a, payload):
    response = post(api(contributor_a), consultation, **payload)
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])


def test_a_body_of_megabytes_is_refused(members, consultation, contributor_a):
    response = post(api(contributor_a), consultation, requirement="MSS 1", body="x" * 5_000_000)
    assert 400 <= response.status_code < 500
    assert len(response.content) < 10_000
