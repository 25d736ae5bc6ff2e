"""Personas of the consultation tests: contributor_a (an operator) and contributor_b (a software vendor),
each confirmed in an approved organisation, and a consultation open on a draft with two requirements."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Membership, Organisation
from consultation import services
from consultation.models import Comment
from tests.factories import filled_version


def approved_organisation(name: str, kind=Organisation.Kind.OPERATOR, **fields) -> Organisation:
    return Organisation.objects.create(name=name, kind=kind, status=Organisation.Status.APPROVED, **fields)


def join(user, organisation: Organisation) -> Membership:
    return Membership.objects.create(status="approved", user=user, organisation=organisation, email_confirmed_at=timezone.now())


def comment_by(user, consultation, *, body="Une remarque sur le texte.", kind=Comment.Kind.REMARK, **fields) -> Comment:
    return services.submit_comment(consultation=consultation, author=user, kind=kind, body=body, **fields)


@pytest.fixture
def org_a(contributor_a):
    organisation = approved_organisation("Messagerie Santé A")
    join(contributor_a, organisation)
    return organisation


@pytest.fixture
def org_b(contributor_b):
    organisation = approved_organisation("Logiciels B", kind=Organisation.Kind.VENDOR, agrees_to_be_named=True)
    join(contributor_b, organisation)
    return organisation


@pytest.fixture
def members(org_a, org_b):
    """Both contributors, each in their organisation."""
    return org_a, org_b


@pytest.fixture
def consultation(editor):
    """Ref#… 1.x (chapters « Sécurité › Transport » and « Annuaire », MSS 1 and MSS 2), open since
    yesterday for two weeks."""
    version = filled_version()
    now = timezone.now()
    return services.open_consultation(
        version=version, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=14), by=editor
    )


@pytest.fixture
def mss1(consultation):
    return consultation.version.requirements.get(key="MSS 1")


@pytest.fixture
def comment_a(members, consultation, contributor_a, mss1):
    """contributor_a's question on MSS 1."""
    return comment_by(contributor_a, consultation, requirement=mss1, kind=Comment.Kind.QUESTION, body="Le TLS 1.3 suffit-il ?")


def close(consultation, editor):
    return services.close_consultation_now(consultation=consultation, by=editor)
