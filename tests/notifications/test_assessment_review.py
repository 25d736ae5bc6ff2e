"""When the ANS asks for changes on a submitted self-assessment, the organisation's confirmed
members are told by mail, once per request, and each of them can mute that kind of mail."""

import pytest

from assessment import services
from notifications.models import EventKind, NotificationEvent
from tests.assessment.conftest import (  # noqa: F401  (fixtures)
    answer_of,
    assessment,
    fill_conformant,
    levels,
    operator_role,
    org_a,
    org_b,
    proxy_role,
    version,
)
from tests.consultation.conftest import join
from tests.factories import contributor_user

from .conftest import html_of, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(assessment, contributor_a):
    fill_conformant(assessment, contributor_a)
    return services.submit_assessment(assessment=assessment, by=contributor_a)


def test_the_organisation_members_are_told_what_the_ans_asks(submitted, assessment, org_a, org_b, contributor_a, contributor_b, editor, smtp, django_capture_on_commit_callbacks):
    colleague = contributor_user(username="collegue_a", email="collegue.a@example.org")
    join(colleague, org_a)
    mss2 = answer_of(assessment, "MSS 2").requirement
    smtp.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_changes(submission=submitted, by=editor, comments={mss2: "Joignez le certificat.", None: "Merci."})

    assert sorted(m["To"] for m in smtp.messages) == sorted([contributor_a.email, colleague.email])
    [message] = smtp.to(contributor_a.email)
    assert "demande des modifications" in message["Subject"]
    assert "révision 1" in text_of(message) and "2 modifications" in text_of(message)
    assert f"/autoevaluations/{assessment.pk}/" in text_of(message)
    assert f"/autoevaluations/{assessment.pk}/" in html_of(message)
    assert message["List-Unsubscribe"]
    assert not smtp.to(contributor_b.email)  # another organisation hears nothing
    assert not smtp.to(editor.email)


def test_one_request_makes_one_event_and_the_next_revision_a_new_one(submitted, assessment, contributor_a, editor, smtp, django_capture_on_commit_callbacks):
    mss2 = answer_of(assessment, "MSS 2").requirement
    with django_capture_on_commit_callbacks(execute=True):
        services.request_changes(submission=submitted, by=editor, comments={mss2: "Joignez le certificat."})
    second = services.submit_assessment(assessment=assessment, by=contributor_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_changes(submission=second, by=editor, comments={None: "Toujours incomplet."})
    assert NotificationEvent.objects.filter(kind=EventKind.ASSESSMENT_CHANGES_REQUESTED).count() == 2
    assert len(smtp.to(contributor_a.email)) == 2


def test_a_member_who_muted_these_mails_gets_none(submitted, assessment, contributor_a, editor, smtp, django_capture_on_commit_callbacks, anonymous):
    mss2 = answer_of(assessment, "MSS 2").requirement
    smtp.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_changes(submission=submitted, by=editor, comments={mss2: "Joignez le certificat."})
    [message] = smtp.messages
    url = message["List-Unsubscribe"].strip().strip("<>").removeprefix("http://127.0.0.1:8000")
    assert anonymous.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 204

    second = services.submit_assessment(assessment=assessment, by=contributor_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_changes(submission=second, by=editor, comments={None: "Encore."})
    assert len(smtp.messages) == 1


def test_a_member_who_follows_in_english_is_asked_in_english(submitted, assessment, contributor_a, editor, smtp, django_capture_on_commit_callbacks):
    # No preference set on « Mes notifications »: the language chosen when following a referential
    # is the only one this person ever gave, and it is English.
    from notifications import services as notification_services
    from notifications.models import ALL_TOPICS

    notification_services.subscribe_user(referential=assessment.version.referential, by=contributor_a, topics=ALL_TOPICS, language="en")
    mss2 = answer_of(assessment, "MSS 2").requirement
    smtp.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_changes(submission=submitted, by=editor, comments={mss2: "Joignez le certificat."})
    [message] = smtp.to(contributor_a.email)
    assert "the ANS requests changes" in message["Subject"]
