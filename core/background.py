"""Background work that survives a crashed worker.

Tasks go through Django's task interface (django-tasks). With the database backend a worker
(``manage.py db_worker``) claims a task, marks it *running* and marks it finished when the task
returns or raises. A worker killed meanwhile (``kill -9``, out of memory, a lost machine) marks
nothing: the task stays *running* for ever and no worker takes it again. So:

- a task run through ``tracked`` records who runs it (``BackgroundRun``: host and process id);
- ``recover_abandoned_work`` finds the running tasks that were abandoned — their process is gone
  on this host, or they have been running longer than ``BACKGROUND_STALL_SECONDS`` — marks them
  failed (``WorkAbandoned``), queues them again up to ``BACKGROUND_MAX_ATTEMPTS`` runs, and sends
  ``work_abandoned`` so that the app that queued the work can tell its user (a version's page says
  why its publication stopped, and the editor may publish again);
- ``manage.py recover_background_work`` runs it (from cron, or before starting workers), and the
  services run it for their own task when a user asks again (``request_publication``).

The tasks themselves keep their work all or nothing (one transaction per task), so an abandoned
task leaves nothing half-done for the retry.
"""

import logging
import os
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus

from .models import BackgroundRun

logger = logging.getLogger(__name__)

ABANDONED_CLASS_PATH = "core.background.WorkAbandoned"
# /proc gives a process's start to the clock tick and the boot time to the second.
PROCESS_CLOCK_SLACK = 2

# Sent once per abandoned task, after it is marked failed (and queued again when ``retried_as``):
# task_path, args, kwargs, task_id, retried_as (the new task's id, or None), reason (French, for users).
work_abandoned = Signal()


class WorkAbandoned(Exception):
    """The worker running a task died, or the task ran past its time."""


@dataclass(frozen=True)
class Recovery:
    task_id: str
    task_path: str
    reason: str
    retried_as: str | None


@contextmanager
def tracked(task_id: str | None) -> Iterator[None]:
    """Record, while the block runs, that this process runs task ``task_id`` (nothing when ``None``)."""
    if not task_id:
        yield
        return
    BackgroundRun.objects.update_or_create(task_id=str(task_id), defaults={"host": socket.gethostname(), "pid": os.getpid()})
    try:
        yield
    finally:
        BackgroundRun.objects.filter(task_id=str(task_id)).delete()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def _process_started_at(pid: int) -> float | None:
    """When process ``pid`` started (a POSIX timestamp), read from Linux's /proc; ``None`` elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime "))
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, counted after the command name
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, StopIteration, ValueError, IndexError):
        return None


def abandon_reason(result, run: BackgroundRun | None, *, now=None) -> str | None:
    """Why the running task ``result`` (a ``DBTaskResult``) is abandoned, in French; ``None`` if it is not.

    On the worker's own host its process tells: gone (or its id now held by a process started after
    the task was taken) is abandoned, still there is a long task, never declared abandoned — a retry
    beside it would run the work twice, and the clean-up of an abandoned publication would delete
    the file the live worker is about to commit. The stall timeout judges the workers this host
    cannot see (another machine, no /proc)."""
    now = now or timezone.now()
    if run is not None and run.host == socket.gethostname():
        started_at = _process_started_at(run.pid) if _process_alive(run.pid) else None
        dead = not _process_alive(run.pid) or (
            started_at is not None and started_at > run.started_at.timestamp() + PROCESS_CLOCK_SLACK
        )
        if dead:
            return _("le processus qui l'exécutait (%(pid)s) s'est arrêté") % {"pid": run.pid}
        if started_at is not None:
            return None
    stall = timedelta(seconds=settings.BACKGROUND_STALL_SECONDS)
    started = result.started_at or result.enqueued_at
    if started and now - started > stall:
        return _("elle n'était pas terminée après %(seconds)s secondes") % {"seconds": settings.BACKGROUND_STALL_SECONDS}
    return None


def _database_backend_in_use() -> bool:
    return any(
        "django_tasks_db" in str(options.get("BACKEND", "")) for options in getattr(settings, "TASKS", {}).values()
    )


def recover_abandoned_work(*, task_ids: Iterable[str] | None = None, retry: bool = True) -> list[Recovery]:
    """Mark every abandoned running task failed and queue it again (at most ``BACKGROUND_MAX_ATTEMPTS``
    runs in all; never with ``retry=False``, when the caller queues the work itself), or leave it
    failed; ``work_abandoned`` tells the app that queued it. Only the tasks ``task_ids`` when given.
    Returns what was recovered. Nothing to do without the database backend."""
    if not _database_backend_in_use():
        return []
    from django_tasks_db.models import DBTaskResult

    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    if task_ids is not None:
        running = running.filter(pk__in=[task_id for task_id in task_ids if task_id])
    runs = {run.task_id: run for run in BackgroundRun.objects.filter(task_id__in=[str(r.pk) for r in running])}
    recovered = []
    for result in running:
        reason = abandon_reason(result, runs.get(str(result.pk)))
        if reason is not None:
            recovery = _recover(result.pk, reason, retry=retry)
            if recovery is not None:
                recovered.append(recovery)
    return recovered


@transaction.atomic
def _recover(result_id, reason: str, *, retry: bool) -> Recovery | None:
    from django_tasks_db.models import DBTaskResult

    # Locked, and still running: two recoveries at once (or a worker finishing late) act once.
    result = DBTaskResult.objects.select_for_update().filter(pk=result_id, status=TaskResultStatus.RUNNING).first()
    if result is None:
        return None
    result.set_failed(WorkAbandoned(reason))
    BackgroundRun.objects.filter(task_id=str(result.pk)).delete()
    # Every earlier run of the same work that was abandoned counts as an attempt.
    attempts = sum(
        1
        for args_kwargs in DBTaskResult.objects.filter(
            task_path=result.task_path, exception_class_path=ABANDONED_CLASS_PATH
        ).values_list("args_kwargs", flat=True)
        if args_kwargs == result.args_kwargs
    )
    args, kwargs = result.args_kwargs.get("args", []), result.args_kwargs.get("kwargs", {})
    retried_as = None
    if retry and attempts < settings.BACKGROUND_MAX_ATTEMPTS:
        retried_as = str(result.task.enqueue(*args, **kwargs).id)
    logger.warning("Background task %s (%s) abandoned: %s; retried as %s", result.pk, result.task_path, reason, retried_as)
    work_abandoned.send(
        sender=WorkAbandoned,
        task_path=result.task_path,
        args=args,
        kwargs=kwargs,
        task_id=str(result.pk),
        retried_as=retried_as,
        reason=reason,
    )
    return Recovery(task_id=str(result.pk), task_path=result.task_path, reason=reason, retried_as=retried_as)
