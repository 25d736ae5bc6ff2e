"""History reasons: why and by whom each row changed, as simple-history records it.

A reason is stored in French, the source language, whatever the language of the request that
caused it (``stamp``, ``reason_text``); pages translate it when they show it (``shown_reason``).
Services write reasons as ``gettext_lazy`` strings (or plain French), never ``gettext``: an
English session would otherwise store « Submitted » in a history that reads « Dépôt » elsewhere.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone, translation
from django.utils.translation import gettext
from simple_history.signals import post_create_historical_record, pre_create_historical_record
from simple_history.utils import bulk_create_with_history

from core import prepared


def reason_text(reason) -> str:
    """The reason as stored: its text in the source language (French)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(reason)


def shown_reason(stored: str | None) -> str:
    """A stored reason in the active language (the French text is the catalogue's msgid)."""
    return gettext(stored) if stored else ""


def stamp(instance, reason, *, by=None):
    """Say why (and by whom) for the history row the next ``save()`` of ``instance`` writes.

    Without ``by``, the user of the current request is recorded (simple-history's middleware);
    management commands have no request. Returns ``instance``, so ``stamp(row, …).save()`` reads.
    """
    instance._change_reason = reason_text(reason)
    if by is not None:
        instance._history_user = by
    return instance


def bulk_create_with_links(
    rows: Sequence[models.Model], *, m2m_field: str, links: Sequence[Sequence[int]], by, reason
) -> list[models.Model]:
    """Bulk-create ``rows`` with one history record each that already lists their many-to-many links.

    ``links[i]`` holds the primary keys ``rows[i]`` links to through ``m2m_field`` (a field tracked
    by simple-history's ``m2m_fields``). Saving one by one and then setting the links would record
    two history entries per row (created without links, then links added): a change nobody made.
    """
    if not rows:
        return []
    model = type(rows[0])
    created = bulk_create_with_history(rows, model, default_user=by, default_change_reason=reason_text(reason))
    field = model._meta.get_field(m2m_field)
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    if any(row.pk is None for row in created):  # a database that does not return primary keys
        raise RuntimeError("bulk_create_with_links needs a database that returns primary keys")
    through.objects.bulk_create(
        [
            through(**{f"{source}_id": row.pk, f"{target}_id": linked})
            for row, linked_ids in zip(created, links, strict=True)
            for linked in linked_ids
        ]
    )
    historical = model.history.model
    historical_link = getattr(historical, m2m_field).model
    history_ids = dict(
        historical.objects.filter(id__in=[row.pk for row in created], history_type="+").values_list("id", "history_id")
    )
    historical_link.objects.bulk_create(
        [
            historical_link(**{"history_id": history_ids[row_id], "id": link_id, f"{source}_id": row_id, f"{target}_id": linked})
            for link_id, row_id, linked in through.objects.filter(**{f"{source}_id__in": history_ids}).values_list(
                "id", f"{source}_id", f"{target}_id"
            )
        ]
    )
    return list(created)


# One new row and its history in one statement ------------------------------------------------------

# What simple-history adds to the copied fields, in the order ``create_with_history`` gives their values.
HISTORY_FIELDS = ("history_date", "history_change_reason", "history_type", "history_user")


def create_with_history(instance: models.Model, *, reason, by) -> models.Model:
    """INSERT ``instance`` (a new row of a model simple-history records) with its creation history
    row (type ``+``, ``reason`` as ``stamp`` stores it, ``by`` as its user): the rows and signals of
    ``stamp(instance, reason, by=by).save()``, in one statement on PostgreSQL (a data-modifying
    ``WITH``, prepared once per connection: ``core.prepared``) and two in one transaction
    elsewhere, without the ORM's per-save compilation.

    For hot paths only (the comment intake, issue 15: the ORM's save and simple-history's row cost
    1.0 ms of CPU, this 0.2 ms). ``pre_save`` and ``post_save`` are sent as ``save()`` sends them,
    ``post_save`` once the rows are written (simple-history's own receiver skips: its row is
    already written); a caller who wants receivers in the write's transaction opens one, as around
    ``save()``. An error marks an enclosing ``atomic`` block for rollback, as ``save()``'s does. Falls back to ``save()`` when
    the history row would be more than a copy of the fields (excluded or many-to-many fields,
    extra history fields, receivers of simple-history's own signals, history switched off, a field
    value that is an expression, a primary key already set) or when the database returns no
    inserted key. Raises ValueError for a related object not saved yet, as ``save()``. Returns
    ``instance``, its primary key set."""
    model = type(instance)
    using = router.db_for_write(model, instance=instance)
    stamp(instance, reason, by=by)
    plan = _insert_plan(model, using)
    # A related object not saved yet is refused as save() refuses it (ValueError), not stored as NULL.
    instance._prepare_related_fields_for_save(operation_name="save")
    if (
        plan is None
        or instance.pk is not None  # save() decides between UPDATE and INSERT
        or by is None  # simple-history would take the request's user: its own save() does that
        or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
        or pre_create_historical_record.has_listeners(plan.history)
        or post_create_historical_record.has_listeners(plan.history)
        or any(hasattr(getattr(instance, field.attname), "resolve_expression") for field in plan.fields)
    ):
        instance.save(using=using)
        return instance
    connection = connections[using]
    pre_save.send(sender=model, instance=instance, raw=False, using=using, update_fields=None)
    values = [field.get_db_prep_save(field.pre_save(instance, add=True), connection=connection) for field in plan.fields]
    history_date = getattr(instance, "_history_date", None) or timezone.now()
    history_values = [
        plan.history_date.get_db_prep_save(history_date, connection=connection),
        instance._change_reason,
        "+",
        by.pk,
    ]
    if plan.one_statement:  # atomic on its own: no transaction to open
        with transaction.mark_for_rollback_on_error(using=using), connection.cursor() as cursor:
            prepared.execute(cursor, plan.insert_both, [*values, *history_values])
            (pk,) = cursor.fetchone()
    else:
        with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
            cursor.execute(plan.insert_row, values)
            (pk,) = cursor.fetchone()
            cursor.execute(plan.insert_history, [*history_values, pk])
    setattr(instance, model._meta.pk.attname, model._meta.pk.to_python(pk))
    instance._state.adding = False
    instance._state.db = using
    instance.skip_history_when_saving = True  # simple-history's post_save: the row is written
    try:
        post_save.send(sender=model, instance=instance, created=True, update_fields=None, raw=False, using=using)
    finally:
        del instance.skip_history_when_saving
    return instance


@dataclass(frozen=True)
class _InsertPlan:
    history: type[models.Model]
    fields: list[models.Field]
    history_date: models.Field
    one_statement: bool
    insert_both: str
    insert_row: str
    insert_history: str


@lru_cache(maxsize=None)
def _insert_plan(model: type[models.Model], using: str) -> _InsertPlan | None:
    """The SQL ``create_with_history`` runs for ``model`` on ``using``, or None when a plain copy of
    the fields would not be the history row simple-history writes."""
    connection = connections[using]
    manager = getattr(model._meta, "simple_history_manager_attribute", None)
    if manager is None or not connection.features.can_return_columns_from_insert:
        return None
    history = getattr(model, manager).model
    pk = model._meta.pk
    copied = list(model._meta.concrete_fields)
    expected = {field.name for field in copied} | set(HISTORY_FIELDS) | {"history_id"}
    if (
        {field.name for field in history._meta.concrete_fields} != expected
        or history._meta.related_objects  # many-to-many history tables point at each history row
        or history._meta.pk.attname != "history_id"
        or not isinstance(history._meta.pk, models.AutoField)
        or not isinstance(pk, models.AutoField)
    ):
        return None
    quote = connection.ops.quote_name
    inserted = [field for field in copied if field is not pk]
    table, history_table = quote(model._meta.db_table), quote(history._meta.db_table)
    row_columns = ", ".join(quote(field.column) for field in inserted)
    placeholders = ", ".join(["%s"] * len(inserted))
    history_columns = ", ".join(
        quote(history._meta.get_field(name).column) for name in [*(field.name for field in copied), *HISTORY_FIELDS]
    )
    source_columns = ", ".join(quote(field.column) for field in copied)
    insert_row = f"INSERT INTO {table} ({row_columns}) VALUES ({placeholders})"
    # The history row: the row's columns as written, then history_date, reason, type and user.
    copy_into_history = f"INSERT INTO {history_table} ({history_columns}) SELECT {source_columns}, %s, %s, %s, %s FROM"
    return _InsertPlan(
        history=history,
        fields=inserted,
        history_date=history._meta.get_field("history_date"),
        one_statement=connection.vendor == "postgresql",
        insert_both=(
            f"WITH created AS ({insert_row} RETURNING {source_columns}) {copy_into_history} created "
            f"RETURNING {quote(history._meta.get_field(pk.name).column)}"
        ),
        insert_row=f"{insert_row} RETURNING {quote(pk.column)}",
        insert_history=f"{copy_into_history} {table} WHERE {quote(pk.column)} = %s",
    )
