"""Background work of accounts: e-mails, sent through Django's task interface (inline by default)."""

from django_tasks import task

from . import notifications


@task()
def notify_organisation_approved(organisation_id: int) -> None:
    notifications.send_organisation_approved(organisation_id)


@task()
def notify_organisation_refused(refusal_id: int) -> None:
    notifications.send_organisation_refused(refusal_id)
