"""The demo consultation: Ref#1 1.1 open for two weeks, three approved organisations, the demo
contributor in the operator, a few comments and two ANS answers; running it again changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Membership, Organisation
from consultation.models import Answer, Comment, Consultation

pytestmark = pytest.mark.django_db


def run(*names):
    out = StringIO()
    for name in names:
        call_command(name, stdout=out)
    return out.getvalue()


def test_the_demo_consultation_is_open_with_comments_and_answers_and_loads_once(mailoutbox):
    run("load_demo", "load_workshops", "load_consultation_demo")

    consultation = Consultation.objects.select_related("version__referential").get()
    assert (consultation.version.referential.slug, consultation.version.number) == ("ref1-mssante", "1.1")
    assert consultation.version.status == "consultation"
    assert consultation.is_open()
    assert 13 <= (consultation.closes_at - timezone.now()).days <= 14
    assert Organisation.objects.filter(status="approved").count() == 3
    assert Organisation.objects.get(kind="vendor").agrees_to_be_named
    membership = Membership.objects.select_related("organisation").get(user__username="operateur")
    assert membership.organisation.kind == "operator" and membership.email_confirmed_at
    keys = set(Comment.objects.exclude(requirement=None).values_list("requirement__key", flat=True))
    assert {"MSS 17", "MSS 19", "MSS 35"} <= keys
    assert set(Answer.objects.values_list("decision", flat=True)) == {"noted", "forwarded"}
    assert all(c.history.exists() for c in Comment.objects.all())

    before = (Comment.objects.count(), Answer.objects.count(), Organisation.objects.count(), Consultation.history.count())
    output = run("load_consultation_demo")

    assert "déjà présente" in output
    assert (Comment.objects.count(), Answer.objects.count(), Organisation.objects.count(), Consultation.history.count()) == before
