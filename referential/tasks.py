"""Background work of the referential side, through Django's task interface (django-tasks).

With the default immediate backend the task runs inside the request; with the database
backend a worker (`manage.py db_worker`) runs it and the version shows *publication en cours*.
A worker that dies meanwhile is detected by ``core.background`` (the task is tracked), and the
version told (``services.publication_abandoned``).
"""

from django.contrib.auth import get_user_model
from django_tasks import TaskContext, task

from core.background import tracked

from .models import ReferentialVersion


@task(takes_context=True)
def publish_version_task(context: TaskContext, version_id: int, user_id: int | None) -> str:
    from . import services

    with tracked(context.task_result.id):
        version = ReferentialVersion.objects.get(pk=version_id)
        user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
        try:
            services.publish_version(version=version, by=user)
        except Exception as exc:  # every failure, not only the domain's: the editor reads why
            services.record_publication_failure(version=version, error=exc)
            raise
    return version.number
