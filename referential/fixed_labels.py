"""What a published version prints is fixed on the day it is published.

Levels, actors and the referential itself are shared reference data that editors may relabel at any
time. A published version must keep saying what it said: its PDF is frozen, so its page, exports,
API answers and ReqIF file must print the same words. ``capture`` writes the words in use when a
version is published into ``ReferentialVersion.publication_labels`` (level labels, definitions and
delays, the labels of the actors its requirements name, the referential's code, title and audience);
the ``dress_*`` functions put them back on the rows a query loaded for that version, in memory only,
so every template, serializer and export reads them without knowing. A version without fixed labels
(a draft, a version in consultation) shows today's words: new drafts use the new labels.

Slugs are identifiers, not words: they are never replaced (filters and links keep working).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from .models import Actor, NonConformityLevel, ReferentialVersion

LEVEL_WORDS = ("label", "definition", "remediation_delay_days")
ACTOR_WORDS = ("label", "description")
REFERENTIAL_WORDS = ("code", "title", "audience")


def capture(version: ReferentialVersion) -> dict:
    """The words ``version`` prints today: every level (the PDF's first annex lists them all), the actors
    its requirements name, and its referential's code, title and audience."""
    referential = version.referential
    actors = Actor.objects.filter(requirements__version=version).distinct().order_by("position", "label")
    return {
        "referential": {name: getattr(referential, name) for name in REFERENTIAL_WORDS},
        "levels": {
            str(level.pk): {name: getattr(level, name) for name in LEVEL_WORDS}
            for level in NonConformityLevel.objects.order_by("rank")
        },
        "actors": {str(actor.pk): {name: getattr(actor, name) for name in ACTOR_WORDS} for actor in actors},
    }


def _words(version: ReferentialVersion | None) -> dict:
    return (getattr(version, "publication_labels", None) or {}) if version is not None else {}


def _apply(item, words: dict | None, names) -> None:
    if item is None or not words:
        return
    for name in names:
        if name in words:
            setattr(item, name, words[name])


def dress_version(version: ReferentialVersion) -> ReferentialVersion:
    """Give ``version`` its own copy of its referential, with the code, title and audience it was published under."""
    words = _words(version).get("referential")
    if words and version.referential_id:
        referential = copy.copy(version.referential)
        _apply(referential, words, REFERENTIAL_WORDS)
        version.referential = referential
    return version


def dress_level(version: ReferentialVersion | None, level: NonConformityLevel | None) -> None:
    _apply(level, _words(version).get("levels", {}).get(str(getattr(level, "pk", ""))), LEVEL_WORDS)


def dress_levels(version: ReferentialVersion | None, levels: Iterable[NonConformityLevel]) -> None:
    for level in levels:
        dress_level(version, level)


def dress_actors(version: ReferentialVersion | None, actors: Iterable[Actor]) -> None:
    known = _words(version).get("actors", {})
    if not known:
        return
    for actor in actors:
        _apply(actor, known.get(str(actor.pk)), ACTOR_WORDS)


def dress_requirements(version: ReferentialVersion | None, requirements: Iterable) -> None:
    """The level and actors of each requirement, as ``version`` printed them. Reads only what was
    loaded with them (``select_related("level")``, prefetched actors): no query."""
    if not _words(version):
        return
    for requirement in requirements:
        if "level" in requirement._state.fields_cache:
            dress_level(version, requirement.level)
        prefetched = getattr(requirement, "_prefetched_objects_cache", {})
        if "actors" in prefetched:
            dress_actors(version, prefetched["actors"])


def dress_thresholds(version: ReferentialVersion | None, thresholds: Iterable) -> None:
    for threshold in thresholds:
        if "level" in threshold._state.fields_cache:
            dress_level(version, threshold.level)


def levels_of(version: ReferentialVersion) -> list[NonConformityLevel]:
    """Every level as ``version`` prints it, most severe first."""
    levels = list(NonConformityLevel.objects.order_by("rank"))
    fixed = _words(version).get("levels")
    if fixed:
        # A level created after the publication is not one the version printed.
        levels = [level for level in levels if str(level.pk) in fixed]
    dress_levels(version, levels)
    return levels
