"""A hot statement is planned once per connection on PostgreSQL and run as is elsewhere, or when a
transaction pooler stands in front (``core.prepared``)."""

import pytest
from django.db import DatabaseError, connection, transaction

from core import prepared

pytestmark = pytest.mark.django_db

SQL = "SELECT %s + 1, 'cent %%', %s"


def prepared_names() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'p\\_%%' ORDER BY name")
        return [name for (name,) in cursor.fetchall()]


def run(sql=SQL, params=(41, "x")):
    with connection.cursor() as cursor:
        prepared.execute(cursor, sql, list(params))
        return cursor.fetchone()


def test_the_rows_are_those_of_the_plain_statement():
    assert run() == (42, "cent %", "x")
    assert run(params=(1, None)) == (2, "cent %", None)
    with connection.cursor() as cursor:
        cursor.execute(SQL, [41, "x"])
        assert cursor.fetchone() == run()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_prepared_once_per_connection_and_again_after_a_reset():
    run()
    names = prepared_names()
    assert len(names) >= 1
    run(params=(2, "y"))
    assert prepared_names() == names  # not prepared twice
    run("SELECT %s * 2", [21])
    assert len(prepared_names()) == len(names) + 1  # another text, another statement

    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with pytest.raises(DatabaseError), transaction.atomic():
        run()
    assert run() == (42, "cent %", "x")  # prepared again


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_behind_a_transaction_pooler_nothing_is_prepared(settings):
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    prepared.forget(connection)
    connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True
    try:
        assert run() == (42, "cent %", "x")
    finally:
        del connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"]
    assert prepared_names() == []


def test_preparing_is_not_counted_among_the_queries(django_assert_num_queries):
    with django_assert_num_queries(1):
        run("SELECT %s - 1", [1])
    with django_assert_num_queries(1):
        run("SELECT %s - 1", [1])
