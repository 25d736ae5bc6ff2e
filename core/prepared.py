"""Statements PostgreSQL plans once per database connection, for the few that run on every request
of a hot path (issue 15: the comment intake, where planning its read cost more than running it).

``execute(cursor, sql, params)`` runs ``sql`` (Django's ``%s`` placeholders) as ``PREPARE`` once per
connection, then ``EXECUTE`` with the parameters; on another database, or when the connection's
settings say a transaction pooler stands in front (``DISABLE_SERVER_SIDE_CURSORS``, Django's own
switch for PgBouncer's transaction mode, where a session's prepared statements do not follow it),
``sql`` runs as is. A statement's name is derived from its text, so a changed text is a new statement.
PostgreSQL plans a prepared statement again by itself when a table it reads changes (a migration),
unless the change alters the type of a column it returns (a ``CharField`` widened): it then refuses to
run it ("cached plan must not change result type"): the call that meets the change fails, and the
next prepares it again under another name (the stale one stays until the connection closes).
"""

import hashlib
import re
import weakref

from django.db import DatabaseError
from django.db.backends.utils import CursorWrapper

INVALID_SQL_STATEMENT_NAME = "26000"
# What EXECUTE of a statement PREPARE accepted says when a column it returns changed type ("cached
# plan must not change result type", in the server's language).
FEATURE_NOT_SUPPORTED = "0A000"

# What is prepared on each open connection (psycopg2's connection object; the entry goes with it): for
# each statement's name, its generation (how many times it went stale) and whether it is prepared.
_prepared: "weakref.WeakKeyDictionary[object, dict[str, tuple[int, bool]]]" = weakref.WeakKeyDictionary()

_PLACEHOLDER = re.compile(r"%(s|%)")


def execute(cursor: CursorWrapper, sql: str, params: list, *, retry: bool = True) -> None:
    """Run ``sql`` with ``params`` on ``cursor`` (a Django cursor), prepared on PostgreSQL; read the
    rows from ``cursor`` as usual. ``sql`` holds ``%s`` placeholders (``%%`` for a literal ``%``),
    one per parameter. Raises what the database raises.

    When the prepared statement is gone (``DEALLOCATE ALL``, ``DISCARD ALL``) or stale (a column it
    returns changed type), it is prepared again and, outside a transaction, run again at once (the
    failed EXECUTE changed nothing); inside one, which the failure has aborted, the error is raised
    and the next call prepares it again."""
    connection = cursor.db
    if connection.vendor != "postgresql" or connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        cursor.execute(sql, params)
        return
    base = "p_" + hashlib.sha1(sql.encode()).hexdigest()[:20]
    raw = connection.connection
    names = _prepared.setdefault(raw, {})
    generation, ready = names.get(base, (0, False))
    # A stale statement is left as it is (no DEALLOCATE to fail in an aborted transaction): the next
    # generation takes another name.
    name = f"{base}_{generation}" if generation else base
    if not ready:
        numbers = iter(range(1, len(params) + 1))
        text = _PLACEHOLDER.sub(lambda match: "%" if match.group(1) == "%" else f"${next(numbers)}", sql)
        # Set-up of the connection, as Django's own (its time zone): on the driver's cursor, not among
        # the queries Django counts, but its failure raised as Django's. Not transactional: a rollback
        # leaves the statement prepared.
        with connection.wrap_database_errors:
            cursor.cursor.execute(f"PREPARE {name} AS {text}")
        names[base] = (generation, True)
    arguments = ", ".join(["%s"] * len(params))
    try:
        cursor.execute(f"EXECUTE {name} ({arguments})" if params else f"EXECUTE {name}", params)
        return
    except DatabaseError as error:
        code = getattr(error.__cause__, "pgcode", None)
        if code == INVALID_SQL_STATEMENT_NAME:  # DEALLOCATE ALL, DISCARD ALL
            names.clear()  # prepared again at the next call
        elif code == FEATURE_NOT_SUPPORTED:  # a column it returns changed type
            names[base] = (generation + 1, False)  # prepared again, under another name, at the next call
        else:
            raise
        if not (retry and connection.get_autocommit() and not connection.in_atomic_block):
            raise
    execute(cursor, sql, params, retry=False)


def forget(connection) -> None:
    """Forget what was prepared on ``connection`` (a Django connection), as after ``DEALLOCATE ALL``."""
    if connection.connection is not None:
        _prepared.pop(connection.connection, None)
