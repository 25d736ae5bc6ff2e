"""Background work of notifications, through Django's task interface (inline by default; a
worker with the database backend in production). Every task is safe to run twice."""

from django_tasks import task

from . import delivery, services, webhooks


@task()
def dispatch_event(event_id: int) -> None:
    delivery.dispatch(event_id)


@task()
def deliver_webhook(delivery_id: int) -> None:
    webhooks.deliver(delivery_id)


@task()
def retry_deliveries() -> None:
    delivery.retry_due()


@task()
def send_subscription_confirmation(subscription_id: int) -> None:
    services.send_confirmation(subscription_id)
