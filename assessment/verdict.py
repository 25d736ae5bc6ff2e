"""The verdict of a self-assessment and the deadlines of its findings, as pure functions.

Plain values in, plain values out: no database, no clock. The same function gives the live verdict
on the grid, the one frozen in a submission and the one printed on the attestation, and it can be
property-tested on thousands of random assessments in a second.

The rule is the version's (its conformity thresholds): for each level, more than ``max_findings``
findings make the actor non-conformant. A finding (*écart*) is a *partiellement conforme* or
*non conforme* answer; its level is the requirement's. A level without a threshold, or a
requirement without a level, never tips the verdict: the rule says nothing about it. Results not
yet evaluated are not findings; completeness is the quality gates' business, not the verdict's.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

# The result values that are findings (they match assessment.models.Result).
FINDING_RESULTS = frozenset({"partiel", "non_conforme"})


@dataclass(frozen=True)
class AnswerFacts:
    key: str
    result: str
    level: str | None  # the level's slug


@dataclass(frozen=True)
class LevelCount:
    level: str
    findings: int
    max_findings: int | None  # None: no threshold for this level in the rule

    @property
    def exceeded(self) -> bool:
        return self.max_findings is not None and self.findings > self.max_findings


@dataclass(frozen=True)
class Verdict:
    conformant: bool
    counts: tuple[LevelCount, ...]
    # The findings of every exceeded level: those that make the verdict non-conformant.
    tipping: tuple[str, ...] = field(default=())

    @property
    def value(self) -> str:
        return "conforme" if self.conformant else "non_conforme"


def compute_verdict(answers: Iterable[AnswerFacts], thresholds: Mapping[str, int]) -> Verdict:
    """Conformant unless some level has more findings than its threshold allows."""
    findings: dict[str, list[str]] = {}
    for answer in answers:
        if answer.result in FINDING_RESULTS and answer.level is not None:
            findings.setdefault(answer.level, []).append(answer.key)
    levels = list(thresholds) + sorted(level for level in findings if level not in thresholds)
    counts = tuple(LevelCount(level, len(findings.get(level, ())), thresholds.get(level)) for level in levels)
    tipping = tuple(key for count in counts if count.exceeded for key in findings[count.level])
    return Verdict(conformant=not any(count.exceeded for count in counts), counts=counts, tipping=tipping)


def finding_deadline(*, in_force_on: date | None, found_on: date | None, delay_days: int | None) -> date | None:
    """The level's remediation delay, counted from the in-force date or the finding's date, whichever
    is later. No delay for the level, or no starting date at all: no deadline."""
    if delay_days is None:
        return None
    start = max((day for day in (in_force_on, found_on) if day is not None), default=None)
    if start is None:
        return None
    return start + timedelta(days=delay_days)


@dataclass(frozen=True)
class DeadlineState:
    deadline: date | None
    overdue: bool
    planned_too_late: bool


def deadline_state(*, deadline: date | None, planned_date: date | None, today: date) -> DeadlineState:
    """An open finding is overdue once its deadline has passed; a planned date beyond it stands out."""
    return DeadlineState(
        deadline=deadline,
        overdue=deadline is not None and today > deadline,
        planned_too_late=deadline is not None and planned_date is not None and planned_date > deadline,
    )
