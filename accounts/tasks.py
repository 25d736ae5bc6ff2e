"""Background work of accounts: e-mails, sent through Django's task interface (inline by default)."""

from django_tasks import task

from . import notifications


@task()
def send_confirmation_link(user_id: int, language: str = "fr") -> None:
    notifications.send_confirmation_link(user_id, language)


@task()
def send_signup_attempt_notice(user_id: int, language: str = "fr") -> None:
    notifications.send_signup_attempt_notice(user_id, language)


@task()
def notify_organisation_approved(organisation_id: int) -> None:
    notifications.send_organisation_approved(organisation_id)


@task()
def notify_organisation_refused(refusal_id: int) -> None:
    notifications.send_organisation_refused(refusal_id)
