"""The one place where the other apps' actions become notifications.

Each receiver listens to a signal a service sends once its action is written, and records an
event under a key that names the action: the same action never makes two events, so never
two mails to the same person. Scheduled events (closing soon, in force today, daily digests)
are recorded by ``scheduler.py``.
"""

from django.dispatch import receiver

from accounts.signals import membership_awaits_approval, organisation_awaits_approval
from assessment.signals import changes_requested
from consultation.signals import comment_hidden, consultation_opened, synthesis_published
from referential.signals import version_published
from workshops.signals import workshop_published

from .events import record_event
from .models import EventKind


@receiver(version_published)
def on_version_published(sender, version, **kwargs):
    record_event(
        kind=EventKind.VERSION_PUBLISHED,
        key=f"version_published:{version.pk}",
        referential_id=version.referential_id,
        payload={"version_id": version.pk},
    )


@receiver(consultation_opened)
def on_consultation_opened(sender, consultation, **kwargs):
    record_event(
        kind=EventKind.CONSULTATION_OPENED,
        key=f"consultation_opened:{consultation.pk}",
        referential_id=consultation.version.referential_id,
        payload={"consultation_id": consultation.pk},
    )


@receiver(synthesis_published)
def on_synthesis_published(sender, consultation, **kwargs):
    record_event(
        kind=EventKind.SYNTHESIS_PUBLISHED,
        key=f"synthesis_published:{consultation.pk}",
        referential_id=consultation.version.referential_id,
        payload={"consultation_id": consultation.pk},
    )


@receiver(workshop_published)
def on_workshop_published(sender, workshop, **kwargs):
    # Minutes withdrawn then published again are not announced twice.
    record_event(
        kind=EventKind.MINUTES_PUBLISHED,
        key=f"minutes_published:{workshop.pk}",
        payload={"workshop_id": workshop.pk, "referential_ids": sorted(workshop.referentials.values_list("pk", flat=True))},
    )


@receiver(comment_hidden)
def on_comment_hidden(sender, comment, **kwargs):
    # Hidden, restored and hidden again is a new decision, with perhaps another reason: a new event.
    record_event(
        kind=EventKind.COMMENT_HIDDEN,
        key=f"comment_hidden:{comment.pk}:{comment.history.latest().history_id}",
        referential_id=comment.consultation.version.referential_id,
        payload={"comment_id": comment.pk, "reason": comment.hidden_reason},
    )


@receiver(organisation_awaits_approval)
def on_organisation_awaits_approval(sender, organisation, membership, **kwargs):
    record_event(
        kind=EventKind.ORGANISATION_PENDING,
        key=f"organisation_pending:{organisation.pk}",
        payload={"organisation_id": organisation.pk, "membership_id": membership.pk},
    )


@receiver(membership_awaits_approval)
def on_membership_awaits_approval(sender, membership, **kwargs):
    record_event(
        kind=EventKind.MEMBERSHIP_PENDING,
        key=f"membership_pending:{membership.pk}",
        payload={"organisation_id": membership.organisation_id, "membership_id": membership.pk},
    )


@receiver(changes_requested)
def on_changes_requested(sender, submission, comments, **kwargs):
    # One request per submitted revision: the ANS asks once, the organisation answers with a new revision.
    record_event(
        kind=EventKind.ASSESSMENT_CHANGES_REQUESTED,
        key=f"assessment_changes_requested:{submission.pk}",
        referential_id=submission.assessment.version.referential_id,
        payload={"submission_id": submission.pk},
    )
