"""Background work of consultations: e-mails to authors, sent through Django's task interface."""

from django_tasks import task

from .notifications import send_answer_notification


@task()
def notify_comment_answered(comment_id: int) -> None:
    send_answer_notification(comment_id)
