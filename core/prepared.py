"""Statements PostgreSQL plans once per database connection, for the few that run on every request
of a hot path (issue 15: the comment intake, where planning its read cost more than running it).

``execute(cursor, sql, params)`` runs ``sql`` (Django's ``%s`` placeholders) as ``PREPARE`` once per
connection, then ``EXECUTE`` with the parameters; on another database, or when the connection's
settings say a transaction pooler stands in front (``DISABLE_SERVER_SIDE_CURSORS``, Django's own
switch for PgBouncer's transaction mode, where a session's prepared statements do not follow it),
``sql`` runs as is. A statement's name is derived from its text, so a changed text is a new statement.
PostgreSQL plans a prepared statement again by itself when a table it reads changes (a migration).
"""

import hashlib
import re
import weakref

from django.db import DatabaseError
from django.db.backends.utils import CursorWrapper

INVALID_SQL_STATEMENT_NAME = "26000"

# The statements prepared on each open connection (psycopg2's connection object; the entry goes with it).
_prepared: "weakref.WeakKeyDictionary[object, set[str]]" = weakref.WeakKeyDictionary()

_PLACEHOLDER = re.compile(r"%(s|%)")


def execute(cursor: CursorWrapper, sql: str, params: list) -> None:
    """Run ``sql`` with ``params`` on ``cursor`` (a Django cursor), prepared on PostgreSQL; read the
    rows from ``cursor`` as usual. ``sql`` holds ``%s`` placeholders (``%%`` for a literal ``%``),
    one per parameter. Raises what the database raises."""
    connection = cursor.db
    if connection.vendor != "postgresql" or connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        cursor.execute(sql, params)
        return
    name = "p_" + hashlib.sha1(sql.encode()).hexdigest()[:20]
    raw = connection.connection
    names = _prepared.setdefault(raw, set())
    if name not in names:
        numbers = iter(range(1, len(params) + 1))
        text = _PLACEHOLDER.sub(lambda match: "%" if match.group(1) == "%" else f"${next(numbers)}", sql)
        # Set-up of the connection, as Django's own (its time zone): on the driver's cursor, not among
        # the queries Django counts. Not transactional: a rollback leaves the statement prepared.
        cursor.cursor.execute(f"PREPARE {name} AS {text}")
        names.add(name)
    arguments = ", ".join(["%s"] * len(params))
    try:
        cursor.execute(f"EXECUTE {name} ({arguments})" if params else f"EXECUTE {name}", params)
    except DatabaseError as error:
        if getattr(error.__cause__, "pgcode", None) == INVALID_SQL_STATEMENT_NAME:  # DEALLOCATE ALL, DISCARD ALL
            names.clear()  # prepared again at the next call
        raise


def forget(connection) -> None:
    """Forget what was prepared on ``connection`` (a Django connection), as after ``DEALLOCATE ALL``."""
    if connection.connection is not None:
        _prepared.pop(connection.connection, None)
