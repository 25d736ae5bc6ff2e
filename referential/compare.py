"""Comparison of two versions of a referential — INTERFACE STUB, to be implemented.

Pairs requirements by lineage (``origin`` links, followed through any number of
versions, in either direction), then by key among those left; classifies each pair.
"""

from dataclasses import dataclass, field

from django.utils.safestring import SafeString


@dataclass
class RequirementChange:
    kind: str  # one of KINDS
    old: object | None  # Requirement of the older side (None when added)
    new: object | None  # Requirement of the newer side (None when removed)
    # Fine-grained changes of a pair: "key", "section", "title", "statement", "level",
    # "actors", "verification_method", "compliance_deadline".
    changes: set[str] = field(default_factory=set)
    title_redline: SafeString | None = None
    statement_redline: SafeString | None = None


KINDS = ("added", "removed", "modified", "renamed", "moved", "unchanged")


@dataclass
class Comparison:
    old_version: object
    new_version: object
    entries: list[RequirementChange]


def compare_versions(old, new) -> Comparison:
    raise NotImplementedError


def redline(old_text: str, new_text: str) -> SafeString:
    """Word-level redline: escaped text with <del> and <ins> around changed words."""
    raise NotImplementedError
