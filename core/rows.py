"""Rows of hand-written SQL turned into model instances, for the few hot paths where compiling an ORM
query costs more than running it (issue 15: the comment intake, measured in ``bench/comment_intake.py``).

The SQL names tables and columns from each model's ``_meta``, quoted by the connection: a renamed
field changes the SQL with it. Instances are built by ``Model.from_db`` (what the ORM itself and
``QuerySet.raw`` use), so they are the ordinary instances a query would return.
"""

from collections.abc import Sequence
from functools import lru_cache

from django.db import connections, models


def select_list(model: type[models.Model], alias: str, quote) -> str:
    """``alias."col", alias."col2", …`` for every concrete field of ``model``, in the order of its
    ``_meta``; ``quote`` is the connection's ``ops.quote_name``."""
    return ", ".join(f"{quote(alias)}.{quote(field.column)}" for field in model._meta.concrete_fields)


def instance_from(model: type[models.Model], row: Sequence, start: int, using: str) -> tuple[models.Model | None, int]:
    """The instance of ``model`` whose columns (``select_list``'s) begin at ``row[start]``, and the
    index after them. ``None`` when its primary key is NULL (the far side of a LEFT JOIN that
    matched nothing). Each value goes through the converters the ORM would apply (SQLite's dates
    and booleans, a field's ``from_db_value``)."""
    names, pk_index, converters = _reading(model, using)
    end = start + len(names)
    values = list(row[start:end])
    if values[pk_index] is None:
        return None, end
    connection = connections[using]
    for index, field_converters, expression in converters:
        value = values[index]
        for converter in field_converters:
            value = converter(value, expression, connection)
        values[index] = value
    return model.from_db(using, names, values), end


@lru_cache(maxsize=None)
def _reading(model: type[models.Model], using: str) -> tuple[list[str], int, list[tuple[int, list, object]]]:
    connection = connections[using]
    names = [field.attname for field in model._meta.concrete_fields]
    converters = []
    for index, field in enumerate(model._meta.concrete_fields):
        expression = field.get_col(model._meta.db_table)
        field_converters = connection.ops.get_db_converters(expression) + field.get_db_converters(connection)
        if field_converters:
            converters.append((index, field_converters, expression))
    return names, names.index(model._meta.pk.attname), converters
