"""Background work of the referential side, through Django's task interface (django-tasks).

With the default immediate backend the task runs inside the request; with the database
backend a worker (`manage.py db_worker`) runs it and the version shows *publication en cours*.
"""

from django.contrib.auth import get_user_model
from django_tasks import task

from core.errors import DomainError

from .models import ReferentialVersion


@task()
def publish_version_task(version_id: int, user_id: int | None) -> str:
    from . import services

    version = ReferentialVersion.objects.get(pk=version_id)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        services.publish_version(version=version, by=user)
    except DomainError as exc:
        services.record_publication_failure(version=version, error=exc)
        raise
    return version.number
