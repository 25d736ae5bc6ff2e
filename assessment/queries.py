"""Reads of self-assessments: who sees which, and the grid with its verdict, deadlines and progress.

``assessment_grid`` runs a constant handful of queries whatever the number of requirements, so the
page, the exports, the API and the submission snapshot all read the same shaped rows.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from core.roles import is_editor
from referential.models import Actor, NonConformityLevel, ReferentialVersion, Requirement, Section

from .models import GAP_RESULTS, Assessment, AssessmentAnswer, Evidence, Result, ReviewComment, Submission
from .verdict import AnswerFacts, DeadlineState, Verdict, compute_verdict, deadline_state, finding_deadline


def version_in_force_on(version: ReferentialVersion) -> date | None:
    """The day a version came into force, from which remediation delays are counted: its in-force
    date (``ReferentialVersion.in_force_from``: the date set at publication, else the day published)."""
    return version.in_force_from


def assessments_visible_to(user) -> QuerySet[Assessment]:
    """Editors see every assessment; a contributor approved in their organisation, only its own; anyone
    else, none.
    Nothing of an assessment is public."""
    assessments = Assessment.objects.select_related("organisation", "version__referential", "actor")
    if is_editor(user):
        return assessments
    if user is None or not user.is_authenticated:
        return assessments.none()
    # Only a member in good standing: someone who merely typed the organisation's name at sign-up
    # must not read its assessments.
    membership = Membership.objects.in_good_standing().filter(user=user).only("organisation_id").first()
    if membership is None:
        return assessments.none()
    return assessments.filter(organisation_id=membership.organisation_id)


@dataclass
class GridRow:
    answer: AssessmentAnswer
    evidence: list[Evidence]
    chapter_number: str
    chapter_title: str
    section_number: str
    deadline: DeadlineState | None = None
    tipping: bool = False

    @property
    def requirement(self):
        return self.answer.requirement


@dataclass
class Progress:
    label: str
    total: int = 0
    by_result: dict[str, int] = field(default_factory=dict)

    @property
    def evaluated(self) -> int:
        return self.total - self.by_result.get(Result.NOT_EVALUATED, 0)

    @property
    def percent(self) -> int:
        return round(100 * self.evaluated / self.total) if self.total else 0

    def add(self, result: str) -> None:
        self.total += 1
        self.by_result[result] = self.by_result.get(result, 0) + 1

    def bars(self):
        """(result value, label, count, percent of the total) in the results' order, for the charts."""
        return [
            (value, label, self.by_result.get(value, 0), round(100 * self.by_result.get(value, 0) / self.total) if self.total else 0)
            for value, label in Result.choices
        ]


@dataclass
class Grid:
    assessment: Assessment
    rows: list[GridRow]
    thresholds: list  # ConformityThreshold, level selected
    verdict: Verdict
    in_force_on: date | None
    by_chapter: list[Progress]
    by_level: list[Progress]
    overall: Progress

    @property
    def gaps(self) -> list[GridRow]:
        return [row for row in self.rows if row.answer.result in GAP_RESULTS]

    @property
    def tipping_rows(self) -> list[GridRow]:
        return [row for row in self.rows if row.tipping]

    @property
    def verdict_lines(self) -> list[tuple[str, object]]:
        """(level label, LevelCount) for each level the verdict counted, most severe first."""
        labels = {t.level.slug: t.level.label for t in self.thresholds}
        labels.update({r.requirement.level.slug: r.requirement.level.label for r in self.rows if r.requirement.level})
        return [(labels.get(count.level, count.level), count) for count in self.verdict.counts]

    @property
    def complete(self) -> bool:
        return self.overall.evaluated == self.overall.total

    def snapshot(self, *, number: int, submitted_at: datetime, submitted_by) -> dict:
        """Everything a submitted revision must keep, self-contained: it never reads the live rows again."""
        assessment, version = self.assessment, self.assessment.version
        return {
            "revision": number,
            "submitted_at": submitted_at.isoformat(),
            "submitted_by": submitted_by.get_full_name() or submitted_by.get_username(),
            "organisation": assessment.organisation.name,
            "referential": {"code": version.referential.code, "title": version.referential.title},
            "version": {"number": version.number, "pdf_sha256": version.pdf_sha256},
            "in_force_on": self.in_force_on.isoformat() if self.in_force_on else None,
            "actor": assessment.actor.label,
            "rule": [
                {"level": t.level.slug, "label": t.level.label, "max_findings": t.max_findings} for t in self.thresholds
            ],
            "verdict": {
                "value": self.verdict.value,
                "tipping": list(self.verdict.tipping),
                "counts": [
                    {"level": c.level, "label": label, "findings": c.findings, "max_findings": c.max_findings}
                    for label, c in self.verdict_lines
                ],
            },
            "answers": [
                {
                    "requirement_id": row.requirement.pk,
                    "key": row.requirement.key,
                    "title": row.requirement.title,
                    "statement": row.requirement.statement,
                    "chapter": f"{row.chapter_number}. {row.chapter_title}",
                    "level": row.requirement.level.slug if row.requirement.level else None,
                    "level_label": row.requirement.level.label if row.requirement.level else "",
                    "result": row.answer.result,
                    "result_label": str(row.answer.get_result_display()),
                    "justification": row.answer.justification,
                    "owner": row.answer.owner,
                    "planned_date": row.answer.planned_date.isoformat() if row.answer.planned_date else None,
                    "found_on": row.answer.found_on.isoformat() if row.answer.found_on else None,
                    "deadline": row.deadline.deadline.isoformat() if row.deadline and row.deadline.deadline else None,
                    "overdue": bool(row.deadline and row.deadline.overdue),
                    "planned_too_late": bool(row.deadline and row.deadline.planned_too_late),
                    "tipping": row.tipping,
                    "evidence": [
                        {
                            "label": e.label,
                            "filename": e.filename,
                            "sha256": e.sha256,
                            "link": e.link,
                            "effective_date": e.effective_date.isoformat(),
                        }
                        for e in row.evidence
                    ],
                }
                for row in self.rows
            ],
        }


def _chapters(version: ReferentialVersion):
    """Numbering of every section ("2.1") and its top-level chapter, from one query."""
    sections = list(Section.objects.filter(version=version).order_by("position", "id"))
    children: dict[int | None, list[Section]] = {}
    for section in sections:
        children.setdefault(section.parent_id, []).append(section)
    numbers: dict[int, tuple[str, Section]] = {}

    def walk(parent_id, prefix, top):
        for index, section in enumerate(children.get(parent_id, []), start=1):
            number = f"{prefix}{index}"
            chapter = top or section
            numbers[section.pk] = (number, chapter)
            walk(section.pk, f"{number}.", chapter)

    walk(None, "", None)
    return numbers


def assessment_grid(assessment: Assessment, *, today: date | None = None, with_statements: bool = True) -> Grid:
    """The assessment's rows in the version's order, with live verdict, deadlines and progress.
    Four queries (five when a requirement's level is outside the rule), whatever the number of requirements. The page passes ``with_statements=False``:
    it reads only the fields its table shows (touching another one costs a query per row)."""
    today = today or timezone.localdate()
    version = assessment.version
    answers = assessment.answers.select_related("requirement").prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.filter(withdrawn_at__isnull=True), to_attr="live_evidence")
    )
    if not with_statements:
        # What the page's table, summary and verdict read, nothing more: fewer fields per instance
        # is most of the cost of 2,000 rows.
        answers = answers.only(
            "assessment_id", "result", "owner", "planned_date", "found_on", "to_reconfirm", "revision",
            "requirement__key", "requirement__title", "requirement__level_id", "requirement__section_id", "requirement__position",
        )
    answers = list(answers.order_by("requirement__position", "requirement_id"))
    # A version has a handful of levels: one instance each, shared by its requirements, instead of
    # one joined copy per row (2,000 rows → 2,000 level instances is a sixth of the page's time).
    thresholds = list(version.thresholds.select_related("level"))
    levels = {t.level_id: t.level for t in thresholds}
    missing = {a.requirement.level_id for a in answers if a.requirement.level_id} - levels.keys()
    if missing:  # a level the rule does not count: rare, one more query
        levels.update(NonConformityLevel.objects.in_bulk(missing))
    for a in answers:
        a.requirement.level = levels.get(a.requirement.level_id)
    numbers = _chapters(version)
    in_force_on = version_in_force_on(version)
    verdict = compute_verdict(
        (AnswerFacts(a.requirement.key, a.result, a.requirement.level.slug if a.requirement.level else None) for a in answers),
        {t.level.slug: t.max_findings for t in thresholds},
    )
    tipping = set(verdict.tipping)
    rows, by_chapter, by_level = [], {}, {}
    overall = Progress(label="")
    for answer in answers:
        requirement = answer.requirement
        number, chapter = numbers[requirement.section_id]
        row = GridRow(
            answer=answer,
            evidence=answer.live_evidence,
            chapter_number=number.split(".")[0],
            chapter_title=chapter.title,
            section_number=number,
            tipping=requirement.key in tipping,
        )
        if answer.result in GAP_RESULTS:
            deadline = finding_deadline(
                in_force_on=in_force_on,
                found_on=answer.found_on,
                delay_days=requirement.level.remediation_delay_days if requirement.level else None,
            )
            row.deadline = deadline_state(deadline=deadline, planned_date=answer.planned_date, today=today)
        rows.append(row)
        overall.add(answer.result)
        by_chapter.setdefault(chapter.pk, Progress(label=f"{row.chapter_number}. {chapter.title}")).add(answer.result)
        level = requirement.level
        by_level.setdefault(level.rank if level else 10**6, Progress(label=level.label if level else "—")).add(answer.result)
    return Grid(
        assessment=assessment,
        rows=rows,
        thresholds=thresholds,
        verdict=verdict,
        in_force_on=in_force_on,
        by_chapter=list(by_chapter.values()),
        by_level=[by_level[rank] for rank in sorted(by_level)],
        overall=overall,
    )


def assessment_for(user, pk) -> Assessment:
    """The assessment if the user may see it; a 404 otherwise, so its existence is not revealed."""
    return get_object_or_404(assessments_visible_to(user), pk=pk)


def answer_for(assessment: Assessment, pk) -> AssessmentAnswer:
    return get_object_or_404(
        AssessmentAnswer.objects.select_related("requirement__level", "requirement__section", "carried_from__requirement"),
        assessment=assessment,
        pk=pk,
    )


def evidence_for(user, pk) -> Evidence:
    return get_object_or_404(
        Evidence.objects.select_related("answer__assessment"), pk=pk, answer__assessment__in=assessments_visible_to(user)
    )


def submission_for(assessment: Assessment, number) -> Submission:
    return get_object_or_404(Submission.objects.select_related("submitted_by"), assessment=assessment, number=number)


def assessable_options() -> list[tuple[ReferentialVersion, list[Actor]]]:
    """Published versions and the actor roles that have requirements in them: what may be assessed."""
    versions = list(ReferentialVersion.objects.published().select_related("referential").order_by("referential__position", "referential__code"))
    pairs = (
        Requirement.actors.through.objects.filter(requirement__version__in=versions)
        .values_list("requirement__version_id", "actor_id")
        .distinct()
    )
    by_version: dict[int, set[int]] = {}
    for version_id, actor_id in pairs:
        by_version.setdefault(version_id, set()).add(actor_id)
    actors = {a.pk: a for a in Actor.objects.filter(pk__in={a for ids in by_version.values() for a in ids})}
    return [
        (version, sorted((actors[pk] for pk in by_version.get(version.pk, ())), key=lambda a: (a.position, a.label)))
        for version in versions
        if version.pk in by_version
    ]


def review_comments_by_requirement(assessment: Assessment) -> dict[int | None, list[ReviewComment]]:
    """The ANS's requests on the latest submission, by requirement id (``None``: on the whole)."""
    latest = assessment.submissions.order_by("-number").first()
    if latest is None:
        return {}
    comments: dict[int | None, list[ReviewComment]] = {}
    for comment in latest.review_comments.select_related("author"):
        comments.setdefault(comment.requirement_id, []).append(comment)
    return comments


@dataclass
class Dashboard:
    version: ReferentialVersion
    assessments: list[Assessment]
    latest: dict[int, Submission]  # by assessment id
    verdicts: list[tuple[str, int]]
    most_non_conformant: list[tuple[str, str, int]]
    overdue: list[tuple[Assessment, dict]]
    older_version: list[Assessment]
    matrix_columns: list[Assessment]
    matrix_rows: list[tuple[str, str, list[tuple[str, str] | None]]]  # key, title, (result, label) per column


def dashboard(version: ReferentialVersion, *, today: date | None = None) -> Dashboard:
    """The ANS's view of one version, read from each assessment's latest submission (what the
    organisation declared), never from answers still being edited."""
    today = today or timezone.localdate()
    assessments = list(
        Assessment.objects.filter(version=version).select_related("organisation", "actor").order_by("organisation__name", "actor__position")
    )
    latest: dict[int, Submission] = {}
    for submission in Submission.objects.filter(assessment__version=version).order_by("assessment_id", "number"):
        latest[submission.assessment_id] = submission
    verdict_counts = {value: 0 for value in Submission.Verdict.values}
    gaps: dict[str, list] = {}
    overdue = []
    for assessment in assessments:
        submission = latest.get(assessment.pk)
        if submission is None:
            continue
        verdict_counts[submission.verdict] += 1
        for answer in submission.snapshot["answers"]:
            if answer["result"] in GAP_RESULTS:
                entry = gaps.setdefault(answer["key"], [answer["title"], 0])
                entry[1] += 1
                if answer["deadline"] and date.fromisoformat(answer["deadline"]) < today:
                    overdue.append((assessment, answer))
    verdicts = [(label, verdict_counts[value]) for value, label in Submission.Verdict.choices]
    verdicts.append((_("Jamais soumises"), sum(1 for a in assessments if a.pk not in latest)))
    current_orgs = {(a.organisation_id, a.actor_id) for a in assessments}
    older = [
        a
        for a in Assessment.objects.filter(version__referential_id=version.referential_id)
        .exclude(version=version)
        .select_related("organisation", "actor", "version")
        .order_by("organisation__name")
        if (a.organisation_id, a.actor_id) not in current_orgs
    ]
    keys = list(
        Requirement.objects.filter(version=version).order_by("position", "id").values_list("key", "title")
    )
    labels = dict(Result.choices)
    columns = [a for a in assessments if a.pk in latest]
    declared = [{a["key"]: a["result"] for a in latest[c.pk].snapshot["answers"]} for c in columns]
    matrix_rows = [
        (key, title, [(results[key], labels.get(results[key], results[key])) if key in results else None for results in declared])
        for key, title in keys
    ]
    return Dashboard(
        version=version,
        assessments=assessments,
        latest=latest,
        verdicts=verdicts,
        most_non_conformant=sorted(((key, title, n) for key, (title, n) in gaps.items()), key=lambda item: (-item[2], item[0]))[:10],
        overdue=overdue,
        older_version=older,
        matrix_columns=columns,
        matrix_rows=matrix_rows,
    )


def dashboard_versions() -> list[ReferentialVersion]:
    return list(
        ReferentialVersion.objects.filter(status__in=ReferentialVersion.FROZEN_STATUSES)
        .select_related("referential")
        .order_by("referential__position", "referential__code", "-published_at")
    )
