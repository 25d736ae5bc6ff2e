"""Many contributors commenting at the same instant: every comment is stored exactly once.

Runs against the configured database (SQLite by default, PostgreSQL with DATABASE_URL=postgres://…).
Each thread has its own connection, as web processes would, and closes it at the end. SQLite lets one
writer in at a time: on a database file its busy timeout (settings) makes the others wait rather than
fail. The default test database, though, is SQLite *in memory*, whose shared cache refuses a second
writer at once ("database table is locked") instead of waiting: there the writers take turns, one
thread at a time. The real race is exercised on PostgreSQL and on a SQLite file.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from consultation import services
from consultation.models import Comment
from tests.factories import contributor_user, filled_version

from .conftest import approved_organisation, join

THREADS = 20
COMMENTS_PER_THREAD = 5


def writers_at_once() -> int:
    in_memory_sqlite = connection.vendor == "sqlite" and connection.is_in_memory_db()
    return 1 if in_memory_sqlite else THREADS


@pytest.mark.django_db(transaction=True)
def test_comments_submitted_at_once_from_many_threads_are_each_stored_once(editor):
    version = filled_version()
    now = timezone.now()
    consultation = services.open_consultation(
        version=version, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1), by=editor
    )
    requirements = list(version.requirements.all())
    organisations = [approved_organisation(f"Organisation {n}") for n in range(4)]
    authors = []
    for index in range(THREADS):
        author = contributor_user(username=f"contributeur-{index}")
        join(author, organisations[index % len(organisations)])
        authors.append(author)

    start = threading.Barrier(THREADS)
    turns = threading.Semaphore(writers_at_once())
    errors: list[BaseException] = []

    def comment_as(index: int):
        try:
            start.wait()
            with turns:
                submit_all(index)
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    def submit_all(index: int):
        for number in range(COMMENTS_PER_THREAD):
            services.submit_comment(
                consultation=consultation,
                author=authors[index],
                kind=Comment.Kind.REMARK,
                body=f"Commentaire {index}-{number}",
                requirement=requirements[(index + number) % len(requirements)],
            )

    threads = [threading.Thread(target=comment_as, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads), "a thread is still running"
    assert errors == []
    bodies = Counter(Comment.objects.values_list("body", flat=True))
    expected = {f"Commentaire {i}-{n}" for i in range(THREADS) for n in range(COMMENTS_PER_THREAD)}
    assert set(bodies) == expected
    assert set(bodies.values()) == {1}, "a comment was stored twice"
    assert Comment.history.filter(history_type="+").count() == THREADS * COMMENTS_PER_THREAD
    # Each comment carries its own author's organisation.
    for comment in Comment.objects.select_related("author__membership"):
        assert comment.organisation_id == comment.author.membership.organisation_id
