"""What a comment needs before its text is read (the consultation with its version and referential,
the author's membership with its organisation and role) comes in one query, and gives what the ORM
reads gave: the same rows, the same refusals in the same order (issue 15, the comment intake)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.http import Http404
from django.utils import timezone

from accounts.models import Membership, Organisation
from consultation import queries, services
from consultation.errors import ConsultationClosed
from consultation.models import Consultation
from core.errors import PermissionRefused
from core.roles import CONTRIBUTOR_GROUP
from referential.models import ReferentialVersion
from tests.factories import VersionFactory, contributor_user

from .conftest import join

pytestmark = pytest.mark.django_db


def fields_of(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_one_query_gives_the_rows_the_orm_gives(members, consultation, contributor_a, django_assert_num_queries):
    with django_assert_num_queries(1):
        read, membership = queries.consultation_for_commenting(contributor_a, consultation.pk)
        # Everything a comment and its answer reach is loaded: no query to get there.
        assert read.version.referential.slug and membership.organisation.name

    orm = queries.consultation_for(contributor_a, consultation.pk)
    assert fields_of(read) == fields_of(orm)
    assert fields_of(read.version) == fields_of(orm.version)
    assert fields_of(read.version.referential) == fields_of(orm.version.referential)
    loaded = Membership.objects.select_related("organisation").get(user=contributor_a)
    assert fields_of(membership) == fields_of(loaded)
    assert fields_of(membership.organisation) == fields_of(loaded.organisation)
    assert membership.in_contributor_group is True
    # Dates come back aware and equal on every database (SQLite stores text).
    assert read.opens_at.tzinfo is not None and read.opens_at == orm.opens_at
    assert isinstance(membership.organisation.agrees_to_be_named, bool)


def test_who_is_no_member_or_no_contributor(consultation, contributor_a):
    _read, membership = queries.consultation_for_commenting(contributor_a, consultation.pk)
    assert membership is None

    member = contributor_user(username="membre_sans_role")
    member.groups.remove(Group.objects.get(name=CONTRIBUTOR_GROUP))
    join(member, Organisation.objects.create(name="Sans rôle", kind=Organisation.Kind.OPERATOR, status=Organisation.Status.APPROVED))
    _read, membership = queries.consultation_for_commenting(member, consultation.pk)
    assert membership is not None and membership.in_contributor_group is False


def on_a_draft(editor) -> Consultation:
    """A consultation row on a version nobody outside the ANS reads (as data written around the
    services could leave it)."""
    now = timezone.now()
    return Consultation.objects.create(version=VersionFactory(), opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1), opened_by=editor)


def test_an_unknown_or_unreadable_consultation_is_a_404(members, consultation, contributor_a, editor):
    with pytest.raises(Http404):
        queries.consultation_for_commenting(contributor_a, consultation.pk + 1000)
    hidden = on_a_draft(editor)
    with pytest.raises(Http404):
        queries.consultation_for_commenting(contributor_a, hidden.pk)
    with pytest.raises(Http404):
        queries.consultation_for(contributor_a, hidden.pk)
    read, _membership = queries.consultation_for_commenting(editor, hidden.pk)  # an editor reads drafts
    assert read.pk == hidden.pk and read.version.status == ReferentialVersion.Status.DRAFT


@pytest.mark.parametrize(
    "change, refusal",
    [
        (lambda m: Membership.objects.filter(pk=m.pk).update(status=Membership.Status.PENDING), "attend la validation"),
        (lambda m: Membership.objects.filter(pk=m.pk).update(status=Membership.Status.REFUSED), "a été refusé"),
        (lambda m: Membership.objects.filter(pk=m.pk).update(email_confirmed_at=None), "Confirmez"),
        (lambda m: Organisation.objects.filter(pk=m.organisation_id).update(status=Organisation.Status.PENDING), "pas encore été validée"),
    ],
)
def test_each_refusal_says_what_the_orm_read_said(members, consultation, contributor_a, change, refusal):
    change(Membership.objects.get(user=contributor_a))
    with pytest.raises(PermissionRefused, match=refusal) as raised:
        services.consultation_to_comment(contributor_a, consultation.pk)
    with pytest.raises(PermissionRefused) as before:
        services.commenting_membership(consultation, contributor_a)
    assert str(raised.value) == str(before.value)


def test_refusals_come_in_order_unreadable_then_rights_then_window(members, consultation, contributor_b, editor):
    outsider = contributor_user(username="sans_organisation")
    later = timezone.now() + timedelta(days=30)
    with pytest.raises(PermissionRefused):  # rights before the window, whatever the date
        services.consultation_to_comment(outsider, consultation.pk, now=later)
    with pytest.raises(ConsultationClosed):
        services.consultation_to_comment(contributor_b, consultation.pk, now=later)
    with pytest.raises(Http404):  # not even named to someone who cannot read it
        services.consultation_to_comment(outsider, on_a_draft(editor).pk, now=later)
