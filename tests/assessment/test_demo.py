"""The demo self-assessments: two operators on Ref#1 1.0, one conformant, one not with an overdue gap;
running the command again changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from assessment.models import Assessment, AssessmentAnswer, Submission
from assessment.queries import assessment_grid

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_conformant_and_a_non_conformant_assessment_with_an_overdue_gap_and_loads_once(mailoutbox):
    out = StringIO()
    for name in ("load_demo", "load_workshops", "load_consultation_demo", "load_assessment_demo"):
        call_command(name, stdout=out)
    verdicts = dict(Submission.objects.values_list("assessment__organisation__name", "verdict"))
    assert verdicts == {"Messagerie Santé Services": "conforme", "Hôpitaux Connectés du Grand Est": "non_conforme"}
    second = Assessment.objects.get(organisation__name="Hôpitaux Connectés du Grand Est")
    overdue = [row.requirement.key for row in assessment_grid(second).rows if row.deadline and row.deadline.overdue]
    assert overdue == ["MSS 17"]
    before = (Assessment.objects.count(), AssessmentAnswer.history.count(), Submission.objects.count())
    call_command("load_assessment_demo", stdout=out)
    assert (Assessment.objects.count(), AssessmentAnswer.history.count(), Submission.objects.count()) == before
