"""History reasons: why and by whom each row changed, as simple-history records it.

A reason is stored in French, the source language, whatever the language of the request that
caused it (``stamp``, ``reason_text``); pages translate it when they show it (``shown_reason``).
Services write reasons as ``gettext_lazy`` strings (or plain French), never ``gettext``: an
English session would otherwise store « Submitted » in a history that reads « Dépôt » elsewhere.
"""

from collections.abc import Sequence

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext
from simple_history.utils import bulk_create_with_history


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
