import pytest
from django.test import Client
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from core.templatetags import fragments
from referential import page_cache
from referential.queries import clear_key_indexes
from tests.factories import contributor_user, editor_user

# The browser fixtures, for tests/e2e and the browser tests elsewhere (one Playwright per session).
pytest_plugins = ["tests.browser_fixtures"]

# Properties are checked on the examples hypothesis draws, however busy the machine: a slow draw is
# not a failure (two test runs share CI's two cores with PostgreSQL).
hypothesis_settings.register_profile("project", suppress_health_check=[HealthCheck.too_slow], deadline=None)
hypothesis_settings.load_profile("project")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """A test that starts a real worker process (``worker_process`` marker) needs a database that
    process can open: on SQLite the test database is then a file instead of memory (for the whole
    session, only when such a test was collected: the others run faster in memory)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    wants_file = any(item.get_closest_marker("worker_process") for item in request.session.items)
    if wants_file and database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Stored PDFs and uploads of a test land in its own temporary folder; passwords hash fast."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Production waits for another editor's approval before a publication (on by default); tests
    # publish versions to test something else, so they do not, and the tests of the validation
    # itself (tests/referential/test_version_review.py) turn it back on.
    settings.REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL = False
    # tests.factories.totp_code() is the code of the current 30-second period: a test that crosses
    # into the next one before allauth checks it would fail at random. One period either side.
    settings.MFA_TOTP_TOLERANCE = 1
    # A request in English leaves English active in the thread; each test starts in French.
    translation.activate("fr")
    yield
    translation.deactivate()


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )


@pytest.fixture(autouse=True)
def _empty_caches(request, django_db_blocker):
    """Each test starts with empty caches: primary keys are reused from one test to the next, so a
    page cached by one test must not answer the next. The database cache lives in the test's
    transaction (rolled back with it); a transactional test's flush does not empty its table, so
    it is emptied after such a test."""
    for cache in caches.all(initialized_only=True):
        if not isinstance(cache, DatabaseCache):
            cache.clear()
    page_cache.clear_local()  # the version bodies each process keeps in memory
    fragments.clear()  # the layout parts rendered once per language
    clear_key_indexes()  # the frozen versions' requirement keys (ids come back from one test to the next)
    yield
    if _transactional(request):
        with django_db_blocker.unblock():
            for cache in caches.all(initialized_only=True):
                if isinstance(cache, DatabaseCache):
                    cache.clear()


@pytest.fixture
def editor(db):
    return editor_user(username="editrice", first_name="Claire", last_name="Martin")


@pytest.fixture
def contributor_a(db):
    return contributor_user(username="operateur_a")


@pytest.fixture
def contributor_b(db):
    return contributor_user(username="editeur_b")


@pytest.fixture
def anonymous():
    return Client()


@pytest.fixture
def client_for():
    """A logged-in HTML client for a user (or anonymous for None)."""

    def make(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def api_for():
    """A DRF client authenticated as a user (or anonymous for None)."""

    def make(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def queued_tasks(settings):
    """Tasks are queued (never run), as with a worker that has not picked them up yet."""
    from asgiref.local import Local
    from django_tasks import task_backends

    def reset():
        task_backends.__dict__.pop("settings", None)
        task_backends._connections = Local(task_backends.thread_critical)

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    reset()
    yield
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    reset()
