"""A prepared statement whose result columns change type (a migration widening a ``CharField``, run
while web processes keep their connections: ``CONN_MAX_AGE``) is planned again: PostgreSQL refuses to
run it as prepared ("cached plan must not change result type"), and without being prepared again the
statement (the comment intake's read of five tables) would fail on that connection until it is closed,
for ever with persistent connections. At most the call that meets the change fails (``core.prepared``;
issue 15)."""

import pytest
from django.db import DatabaseError, connection, transaction

from core import prepared

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements"),
]

SQL = "SELECT t.name FROM prepared_probe t WHERE t.id = %s"


def run() -> tuple:
    with connection.cursor() as cursor:
        prepared.execute(cursor, SQL, [1])
        return cursor.fetchone()


def test_a_changed_column_type_costs_at_most_one_failed_call():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE prepared_probe (id integer, name varchar(10))")
        cursor.execute("INSERT INTO prepared_probe VALUES (1, 'un')")
    try:
        assert run() == ("un",)  # prepared
        for length in (20, 30):  # changed once, then again
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE prepared_probe ALTER COLUMN name TYPE varchar({length})")
            try:
                with transaction.atomic():
                    run()
            except DatabaseError:
                pass  # the call that meets the change may fail
            assert run() == ("un",)  # planned again
            assert run() == ("un",)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
        prepared.forget(connection)
