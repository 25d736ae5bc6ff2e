"""What fails while a statement is being prepared is raised as Django's database errors, as any query's
failure: ``django.db.DatabaseError`` catches it, and the connection is marked as having seen an error
(``errors_occurred``), so the end of the request checks it is still usable before keeping it
(``core.prepared`` runs PREPARE on the driver's own cursor, outside Django's wrapping; issue 15)."""

import pytest
from django.db import DatabaseError, connection, transaction

from core import prepared

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements"),
]


def test_a_failed_prepare_is_a_django_database_error():
    connection.errors_occurred = False
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            try:
                cursor.execute("SELECT 1 / 0")
            except DatabaseError:
                pass  # the transaction is left aborted: the next statement, PREPARE, fails
            prepared.execute(cursor, "SELECT %s::integer * 3 AS never_prepared_before", [1])
    assert connection.errors_occurred
    with connection.cursor() as cursor:  # prepared now that the transaction is sound again
        prepared.execute(cursor, "SELECT %s::integer * 3 AS never_prepared_before", [1])
        assert cursor.fetchone() == (3,)
