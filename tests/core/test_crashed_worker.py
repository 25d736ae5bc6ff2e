"""Work survives a crashed worker: a real ``manage.py db_worker`` process, killed with SIGKILL while
it builds a version's PDF, leaves nothing half-done, and the publication is recovered — queued again
and completed by a new worker, or failed with a reason the editor reads, who may publish again."""

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core.background import ABANDONED_CLASS_PATH
from core.typography import french_text
from core.models import BackgroundRun
from referential import services
from referential.models import ReferentialVersion
from tests.factories import editor_user, filled_version

pytestmark = [pytest.mark.worker_process, pytest.mark.django_db(transaction=True)]

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"

# The worker process: Django set up, the PDF engine made slow (it says when it starts), then db_worker.
WORKER = """
import os, sys, time
import django
django.setup()
marker = os.environ.get("TEST_SLOW_BUILD_MARKER")
if marker:
    import referential.documents as documents
    engine = documents.html_to_pdf
    def slow_engine(html, **kwargs):
        open(marker, "w").close()
        time.sleep(120)
        return engine(html, **kwargs)
    documents.html_to_pdf = slow_engine
from django.core.management import call_command
call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0.1", "--backend", "default")
"""


def _reset_task_backends():
    from asgiref.local import Local
    from django_tasks import task_backends

    task_backends.__dict__.pop("settings", None)
    task_backends._connections = Local(task_backends.thread_critical)


@pytest.fixture
def database_tasks(settings):
    """Tasks go to the database, for a worker process to run them."""
    settings.TASKS = {"default": {"BACKEND": DATABASE_BACKEND}}
    settings.BACKGROUND_STALL_SECONDS = 3600  # only a dead process makes a task abandoned here
    _reset_task_backends()
    yield
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    _reset_task_backends()


def _database_url() -> str:
    """The test database, as the worker process reads it from DATABASE_URL."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        assert not str(name).startswith(":memory:") and "mode=memory" not in str(name)
        return f"sqlite:///{name}"
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def _start_worker(marker: Path | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "DJANGO_TASKS_BACKEND": DATABASE_BACKEND,
        "DJANGO_MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        # The worker is another process: it reads the settings the tests change from its environment.
        "DJANGO_PUBLICATION_REQUIRES_APPROVAL": "1" if django_settings.REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL else "0",
    }
    env.pop("TEST_SLOW_BUILD_MARKER", None)
    if marker:
        env["TEST_SLOW_BUILD_MARKER"] = str(marker)
    return subprocess.Popen(
        [sys.executable, "-c", WORKER], cwd=django_settings.BASE_DIR, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )


def _kill_mid_build(tmp_path) -> None:
    """Start a worker whose PDF build is slow, and SIGKILL it once the build has started."""
    marker = tmp_path / "building"
    worker = _start_worker(marker)
    deadline = time.monotonic() + 25
    while not marker.exists():
        assert worker.poll() is None, worker.stdout.read().decode()
        assert time.monotonic() < deadline, "the worker never started the build"
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)  # reaped: its process id no longer exists
    worker.stdout.close()


def _stored_pdfs(version) -> list[Path]:
    folder = Path(django_settings.MEDIA_ROOT) / "referentiels" / version.referential.slug
    return sorted(folder.glob("*.pdf")) if folder.exists() else []


def _assert_nothing_half_done(version):
    version.refresh_from_db()
    assert version.status == ReferentialVersion.Status.DRAFT
    assert not version.pdf and not version.pdf_sha256 and not version.published_at
    assert _stored_pdfs(version) == []


def test_a_killed_worker_is_detected_and_a_new_worker_completes_the_publication(database_tasks, tmp_path):
    editor = editor_user(username="editrice")
    version = filled_version()
    services.request_publication(version=version, by=editor)
    version.refresh_from_db()
    first_task = version.publication_task_id
    assert version.is_publishing

    _kill_mid_build(tmp_path)

    _assert_nothing_half_done(version)
    assert DBTaskResult.objects.get(pk=first_task).status == TaskResultStatus.RUNNING  # what the dead worker left
    assert BackgroundRun.objects.filter(task_id=first_task).exists()

    call_command("recover_background_work", stdout=open(os.devnull, "w"))

    abandoned = DBTaskResult.objects.get(pk=first_task)
    assert abandoned.status == TaskResultStatus.FAILED and abandoned.exception_class_path == ABANDONED_CLASS_PATH
    version.refresh_from_db()
    assert version.is_publishing and version.publication_task_id != first_task  # queued again
    retry = version.publication_task_id
    _assert_nothing_half_done(version)

    worker = _start_worker()
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output.decode()

    version.refresh_from_db()
    assert version.status == ReferentialVersion.Status.PUBLISHED and not version.is_publishing
    assert version.pdf and version.published_at
    assert hashlib.sha256(Path(version.pdf.path).read_bytes()).hexdigest() == version.pdf_sha256
    assert _stored_pdfs(version) == [Path(version.pdf.path)]
    assert DBTaskResult.objects.get(pk=retry).status == TaskResultStatus.SUCCESSFUL
    assert not BackgroundRun.objects.exists()


def test_past_its_last_attempt_the_editor_reads_why_and_publishes_again(database_tasks, settings, tmp_path, client):
    settings.BACKGROUND_MAX_ATTEMPTS = 1
    editor = editor_user(username="editrice")
    version = filled_version()
    services.request_publication(version=version, by=editor)
    version.refresh_from_db()
    first_task = version.publication_task_id

    _kill_mid_build(tmp_path)
    call_command("recover_background_work", stdout=open(os.devnull, "w"))

    _assert_nothing_half_done(version)
    assert not version.is_publishing and "interrompue" in version.publication_error
    assert DBTaskResult.objects.get(pk=first_task).status == TaskResultStatus.FAILED
    client.force_login(editor)
    page = client.get(version.get_absolute_url()).content.decode()
    assert french_text("La publication a été interrompue") in page

    services.request_publication(version=version, by=editor)
    worker = _start_worker()
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output.decode()
    version.refresh_from_db()
    assert version.status == ReferentialVersion.Status.PUBLISHED and version.pdf and not version.publication_error


def test_publishing_again_recovers_a_dead_task_instead_of_saying_it_is_in_progress(database_tasks, tmp_path):
    """No worker process here: the task is left *running* by a process that no longer exists."""
    editor = editor_user(username="editrice")
    version = filled_version()
    services.request_publication(version=version, by=editor)
    version.refresh_from_db()
    first_task = version.publication_task_id
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    DBTaskResult.objects.filter(pk=first_task).update(status=TaskResultStatus.RUNNING)
    BackgroundRun.objects.create(task_id=first_task, host=__import__("socket").gethostname(), pid=gone.pid)

    services.request_publication(version=version, by=editor)  # not refused

    version.refresh_from_db()
    assert DBTaskResult.objects.get(pk=first_task).exception_class_path == ABANDONED_CLASS_PATH
    assert version.is_publishing and version.publication_task_id != first_task


def test_a_running_task_past_the_stall_timeout_is_abandoned(database_tasks, settings):
    settings.BACKGROUND_STALL_SECONDS = 0
    editor = editor_user(username="editrice")
    version = filled_version()
    services.request_publication(version=version, by=editor)
    version.refresh_from_db()
    first_task = version.publication_task_id
    DBTaskResult.objects.filter(pk=first_task).update(status=TaskResultStatus.RUNNING)
    time.sleep(0.01)

    call_command("recover_background_work", stdout=open(os.devnull, "w"))

    assert DBTaskResult.objects.get(pk=first_task).status == TaskResultStatus.FAILED
    version.refresh_from_db()
    assert version.publication_task_id != first_task


def test_any_exception_of_the_task_is_recorded_for_the_editor(db, monkeypatch):
    """Not only domain errors: a crash of the database or of the code is recorded too."""
    import referential.services as referential_services

    def broken(**kwargs):
        raise RuntimeError("disque plein")

    editor = editor_user(username="editrice")
    version = filled_version()
    monkeypatch.setattr(referential_services, "publish_version", broken)
    with pytest.raises(Exception):
        services.request_publication(version=version, by=editor)
    version.refresh_from_db()
    assert "RuntimeError: disque plein" in version.publication_error and not version.is_publishing
