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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_lost_or_stale_statement_is_prepared_and_run_again_at_once():
    """As a web request runs it (autocommit): the first comment after a pooler's ``DISCARD ALL`` or a
    migration widening a column read does not fail."""
    run()
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert run() == (42, "cent %", "x")  # no error: prepared again, run again

    sql = "SELECT t.name FROM prepared_widened t WHERE t.id = %s"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE prepared_widened (id integer, name varchar(10))")
        cursor.execute("INSERT INTO prepared_widened VALUES (1, 'un')")
    try:
        assert run(sql, [1]) == ("un",)
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE prepared_widened ALTER COLUMN name TYPE varchar(20)")
        assert run(sql, [1]) == ("un",)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE prepared_widened")
            cursor.execute("DEALLOCATE ALL")
        prepared.forget(connection)
