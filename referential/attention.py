"""What needs an editor's attention, gathered on the editors' home page (``/espace-editeurs/``).

The page is served by the referential app, yet most of what it lists belongs to the apps built on it
(organisations, comments, consultations, workshop actions), which the referential may not import.
So each app registers its panels here from its ``AppConfig.ready()``, the way publication checks are
registered (``services.register_publication_check``). Registered today:
  - referential: drafts waiting for validation;
  - accounts: organisations and memberships waiting for approval;
  - consultation: unanswered comments per consultation, consultations closing within 7 days;
  - workshops: overdue RIDA actions.

A panel's ``rows`` is a read of a fixed number of queries (one, as a rule), whatever it finds: the
page runs the same handful of queries with nothing to do or with hundreds of things.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class AttentionRow:
    """One thing to look at: what it is, where it is handled, and a detail (a count, a date)."""

    label: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class AttentionPanel:
    key: str
    title: str
    # What the panel says when there is nothing to do.
    empty: str
    rows: Callable[[], list[AttentionRow]]
    position: int = 100


_panels: dict[str, AttentionPanel] = {}


def register_attention_panel(panel: AttentionPanel) -> None:
    """Show ``panel`` on the editors' home page; registering a key again replaces its panel."""
    _panels[panel.key] = panel


def attention_panels() -> list[AttentionPanel]:
    return sorted(_panels.values(), key=lambda panel: (panel.position, panel.key))
