"""The change annex of a version's PDF: the changes since the previous version, grouped by kind of
change as ANS referentials present them, each group ordered by key (« MSS 2 » before « MSS 10 »).

A requirement appears in every group its changes belong to: renumbered *and* reworded is in both.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# (group, label, what puts an entry in it)
GROUPS = (
    ("added", _("Exigences ajoutées"), lambda entry: entry.kind == "added"),
    ("removed", _("Exigences supprimées"), lambda entry: entry.kind == "removed"),
    ("renumbered", _("Exigences renumérotées"), lambda entry: "key" in entry.changes),
    ("moved", _("Exigences déplacées"), lambda entry: "section" in entry.changes),
    ("reworded", _("Exigences reformulées"), lambda entry: bool({"title", "statement"} & entry.changes)),
    ("level", _("Niveau de non-conformité modifié"), lambda entry: "level" in entry.changes),
    ("actors", _("Acteurs modifiés"), lambda entry: "actors" in entry.changes),
    ("other", _("Vérification ou échéance modifiée"), lambda entry: bool({"verification_method", "compliance_deadline"} & entry.changes)),
)


def key_order(key: str) -> tuple:
    """Natural order of keys: numbers compare as numbers (``MSS 2`` < ``MSS 10``, ``ECO.1.2`` < ``ECO.1.10``)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.casefold()) for part in re.findall(r"\d+|\D+", key))


@dataclass
class ChangeGroup:
    kind: str
    label: str
    entries: list


def change_annex_groups(changes) -> list[ChangeGroup]:
    """Non-empty groups, in the order of ``GROUPS``; ``changes`` are a comparison's changed entries."""
    groups = []
    for kind, label, belongs in GROUPS:
        entries = sorted((entry for entry in changes if belongs(entry)), key=lambda entry: key_order(entry.key))
        if entries:
            groups.append(ChangeGroup(kind=kind, label=label, entries=entries))
    return groups
