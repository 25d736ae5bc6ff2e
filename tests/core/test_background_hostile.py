"""Hostile review of crash recovery: a task whose worker still runs it is not declared abandoned
(a retry beside it would run the work twice, and the abandoned publication's clean-up would delete
the PDF the live worker is about to commit: a *published* version without its file); a dead
worker whose process id was reused by a newer process is still seen as dead."""

import os
import socket
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core.background import recover_abandoned_work
from core.models import BackgroundRun
from referential import services
from tests.core.test_crashed_worker import database_tasks  # noqa: F401
from tests.factories import editor_user, filled_version

pytestmark = pytest.mark.django_db(transaction=True)


def _running_publication(settings):
    settings.BACKGROUND_STALL_SECONDS = 60
    version = filled_version()
    services.request_publication(version=version, by=editor_user(username="editrice"))
    version.refresh_from_db()
    task_id = version.publication_task_id
    DBTaskResult.objects.filter(pk=task_id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(hours=1)
    )
    return version, task_id


def test_a_live_worker_past_the_stall_timeout_keeps_its_task(database_tasks, settings):  # noqa: F811
    version, task_id = _running_publication(settings)
    # This very process (alive, started before the run) is the worker building the PDF.
    BackgroundRun.objects.create(task_id=task_id, host=socket.gethostname(), pid=os.getpid())

    assert recover_abandoned_work() == []

    assert DBTaskResult.objects.get(pk=task_id).status == TaskResultStatus.RUNNING
    version.refresh_from_db()
    assert version.publication_task_id == task_id


def test_a_dead_worker_whose_process_id_was_reused_is_abandoned(database_tasks, settings):  # noqa: F811
    version, task_id = _running_publication(settings)
    settings.BACKGROUND_STALL_SECONDS = 10 * 24 * 3600  # only the process tells
    # The worker took the task days ago; the process now holding its id started long after.
    BackgroundRun.objects.create(task_id=task_id, host=socket.gethostname(), pid=os.getpid())
    BackgroundRun.objects.filter(task_id=task_id).update(started_at=timezone.now() - timedelta(days=2))

    recovered = recover_abandoned_work()

    assert [r.task_id for r in recovered] == [task_id]
    assert DBTaskResult.objects.get(pk=task_id).status == TaskResultStatus.FAILED
