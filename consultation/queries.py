"""Reads of consultations and comments. Each runs a fixed number of queries, whatever the number of comments."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Membership, Organisation
from core.errors import DomainError
from core.roles import CONTRIBUTOR_GROUP, EDITOR_GROUP, is_editor
from core import prepared
from core.rows import instance_from, select_list
from referential.attention import AttentionRow
from referential.keys import key_identity, normalise_key
from referential.markdown_redline import markdown_redline
from referential.models import Referential, ReferentialVersion, Requirement, Section, version_sort_key
from referential.queries import requirement_by_key, requirement_lineage, version_outline
from referential.text import normalise_text

from .models import Answer, Comment, Consultation, InternalNote

#
# All three list comments in the order of the document they comment: chapter by chapter (depth
# first, as the version is printed), a chapter's own comments before those on its requirements,
# requirements by position, then the comments on the whole version. Each read runs the same few
# queries whatever the number of comments.


def consultation_with_version(pk: int) -> Consultation:
    """The consultation ``pk`` with its version and referential, else 404."""
    consultation = Consultation.objects.select_related("version__referential").filter(pk=pk).first()
    if consultation is None:
        raise Http404
    return consultation


def synthesis_consultation(user, pk: int) -> Consultation:
    """The consultation ``pk`` if ``user`` may read its synthesis: everyone once it is published,
    editors before (as a preview); 404 otherwise, so an unpublished synthesis is not even hinted at."""
    from core.roles import is_editor

    consultation = consultation_with_version(pk)
    if not consultation.synthesis_is_published and not is_editor(user):
        raise Http404
    return consultation


def _chapter_places(version: ReferentialVersion) -> dict[int, tuple[int, str]]:
    """Each chapter's rank in the printed document and its number (« 2.1 »); one query."""
    outline = version_outline(version, requirements=[])
    return {node.section.pk: (rank, node.number) for rank, node in enumerate(outline.walk())}


def _document_position(comment: Comment, places: dict[int, tuple[int, str]]) -> tuple:
    if comment.requirement_id:
        requirement = comment.requirement
        chapter = places.get(requirement.section_id, (len(places), ""))[0]
        return (0, chapter, 1, requirement.position, requirement.pk, comment.created_at, comment.pk)
    if comment.section_id:
        return (0, places.get(comment.section_id, (len(places), ""))[0], 0, 0, 0, comment.created_at, comment.pk)
    return (1, 0, 0, 0, 0, comment.created_at, comment.pk)


def _in_document_order(consultation: Consultation, comments: QuerySet[Comment]) -> tuple[list[Comment], dict]:
    places = _chapter_places(consultation.version)
    ordered = sorted(comments, key=lambda comment: _document_position(comment, places))
    return ordered, places


def _answer_of(comment: Comment) -> Answer | None:
    # ``select_related("answer")`` caches a missing answer too: this never runs a query.
    return getattr(comment, "answer", None)


@dataclass(frozen=True)
class SynthesisRow:
    """One comment as the public synthesis shows it. It holds public facts only: the organisation's
    public label (its name only if it agreed to be named), never the author. A withdrawn or hidden
    comment keeps its place, kind and status, but neither its text, its attribution nor its answer."""

    comment_id: int
    anchor: str  # one per commented thing: the requirement, the chapter or the whole version
    target: str  # requirement key, chapter title or « Version entière »
    target_title: str  # the requirement's title, else ""
    chapter: str  # the chapter's number (« 2.1 »), "" for the whole version
    target_kind: str  # "requirement", "section" or "version"
    kind: str
    kind_label: str
    status: str
    status_label: str
    organisation_kind: str = ""
    organisation_kind_label: str = ""
    attribution: str = ""
    body: str = ""
    proposed_wording: str = ""
    decision: str = ""
    decision_label: str = ""
    answer: str = ""
    carried_by: str = ""

    @property
    def is_visible(self) -> bool:
        return self.status == Comment.Status.SUBMITTED

    def get_decision_display(self) -> str:
        # As on ``Answer``, so that the row fits the answer badge (``consultation/_answer_badge.html``).
        return self.decision_label


def synthesis_rows(consultation: Consultation) -> list[SynthesisRow]:
    """Every comment of the consultation, in document order, as the synthesis shows it (see
    ``SynthesisRow``). The page, the PDF, the CSV and the XLSX all read this; two queries (plus one for
    the version if it is not already loaded), whatever the number of comments. Labels are in the
    active language: exports call it under ``translation.override("fr")``."""
    comments = Comment.objects.filter(consultation=consultation).select_related(
        "requirement", "section", "organisation", "answer__carried_by__version"
    )
    ordered, places = _in_document_order(consultation, comments)
    return [_synthesis_row(comment, places) for comment in ordered]


def _synthesis_row(comment: Comment, places) -> SynthesisRow:
    if comment.requirement_id:
        requirement = comment.requirement
        target = {
            "anchor": f"exigence-{requirement.pk}",
            "target": requirement.key,
            "target_title": requirement.title,
            "chapter": places.get(requirement.section_id, (0, ""))[1],
            "target_kind": "requirement",
        }
    elif comment.section_id:
        target = {
            "anchor": f"chapitre-{comment.section_id}",
            "target": comment.section.title,
            "target_title": "",
            "chapter": places.get(comment.section_id, (0, ""))[1],
            "target_kind": "section",
        }
    else:
        target = {
            "anchor": "version-entiere",
            "target": str(_("Version entière")),
            "target_title": "",
            "chapter": "",
            "target_kind": "version",
        }
    common = {
        "comment_id": comment.pk,
        **target,
        "kind": comment.kind,
        "kind_label": str(comment.get_kind_display()),
        "status": comment.status,
        "status_label": str(comment.get_status_display()),
    }
    if not comment.is_visible:
        return SynthesisRow(**common)
    organisation = comment.organisation
    answer = _answer_of(comment)
    carried_by = answer.carried_by if answer else None
    return SynthesisRow(
        **common,
        organisation_kind=organisation.kind,
        organisation_kind_label=str(organisation.get_kind_display()),
        attribution=organisation.public_label,
        body=comment.body,
        proposed_wording=comment.proposed_wording,
        decision=answer.decision if answer else "",
        decision_label=str(answer.get_decision_display()) if answer else "",
        answer=answer.body if answer else "",
        carried_by=f"{carried_by.key} (v{carried_by.version.number})" if carried_by else "",
    )


@dataclass
class SynthesisGroup:
    """The comments on one requirement, one chapter or the whole version."""

    anchor: str
    target: str
    target_title: str
    chapter: str
    target_kind: str
    rows: list[SynthesisRow] = field(default_factory=list)


@dataclass
class SynthesisSummary:
    """What the synthesis counts: every comment received, by status, by decision and by organisation kind.
    Decisions and organisation kinds count published comments only (withdrawn and hidden ones carry neither)."""

    total: int
    published: int
    withdrawn: int
    hidden: int
    by_decision: list[tuple[str, int]]
    unanswered: int
    by_organisation_kind: list[tuple[str, int]]
    by_kind: list[tuple[str, int]]


def synthesis_groups(rows: list[SynthesisRow]) -> list[SynthesisGroup]:
    """Rows gathered by what they comment, keeping the document order; no query."""
    groups: dict[str, SynthesisGroup] = {}
    for row in rows:
        group = groups.get(row.anchor)
        if group is None:
            group = groups[row.anchor] = SynthesisGroup(
                anchor=row.anchor,
                target=row.target,
                target_title=row.target_title,
                chapter=row.chapter,
                target_kind=row.target_kind,
            )
        group.rows.append(row)
    return list(groups.values())


def synthesis_summary(rows: list[SynthesisRow]) -> SynthesisSummary:
    """The counts of the synthesis, from its rows; no query."""
    published = [row for row in rows if row.is_visible]
    statuses = Counter(row.status for row in rows)
    decisions = Counter(row.decision for row in published if row.decision)
    organisation_kinds = Counter(row.organisation_kind for row in published)
    kinds = Counter(row.kind for row in published)
    return SynthesisSummary(
        total=len(rows),
        published=len(published),
        withdrawn=statuses[Comment.Status.WITHDRAWN],
        hidden=statuses[Comment.Status.HIDDEN],
        by_decision=[(str(label), decisions[value]) for value, label in Answer.Decision.choices],
        unanswered=len(published) - sum(decisions.values()),
        by_organisation_kind=[
            (str(label), organisation_kinds[value]) for value, label in Organisation.Kind.choices if organisation_kinds[value]
        ],
        by_kind=[(str(label), kinds[value]) for value, label in Comment.Kind.choices],
    )


def register_comments(consultation: Consultation) -> list[Comment]:
    """Every comment of the consultation, whatever its status, with its organisation, target and answer,
    in document order: the editors' answer register. Two queries."""
    comments = Comment.objects.filter(consultation=consultation).select_related(
        "requirement", "section", "organisation", "answer"
    )
    return _in_document_order(consultation, comments)[0]


def my_comments(consultation: Consultation, user) -> list[Comment]:
    """``user``'s own comments on the consultation, whatever their status, with their answers, in document
    order. Two queries."""
    comments = Comment.objects.filter(consultation=consultation, author=user).select_related(
        "requirement", "section", "answer"
    )
    return _in_document_order(consultation, comments)[0]


# Consultation pages: the list, a consultation's page, comment targets, the editors' dashboard and a
# requirement's consultation trail. Who sees which comment is decided once, in ``visible_comments``.


def visible_consultations(user) -> QuerySet[Consultation]:
    """Consultations on versions ``user`` may read (public versions; every version for editors)."""
    return Consultation.objects.filter(version__in=ReferentialVersion.objects.visible_to(user)).select_related(
        "version__referential"
    )


def consultations_for_list(user) -> list[Consultation]:
    """Open and upcoming consultations first (soonest closing first), then closed ones, newest first."""
    now = timezone.now()
    consultations = list(visible_consultations(user).order_by("-opens_at", "-pk"))
    running = sorted((c for c in consultations if not c.is_closed(now)), key=lambda c: c.closes_at)
    return running + [c for c in consultations if c.is_closed(now)]


def consultation_for(user, pk: int) -> Consultation:
    """The consultation ``pk`` if ``user`` may read its version (as ``visible_consultations``), else 404.
    One query, its version and referential with it."""
    consultation = Consultation.objects.select_related("version__referential").filter(pk=pk).first()
    if consultation is None or not _readable(consultation, user):
        raise Http404
    return consultation


def consultation_for_commenting(user, pk: int) -> tuple[Consultation, Membership | None]:
    """The consultation ``pk`` as ``consultation_for`` gives it (its version and referential with it;
    404 when ``user`` may not read it), and ``user``'s membership with its organisation, carrying
    ``in_contributor_group``, or None: what a comment needs before its text is read, in one query.

    Written in SQL (``core.rows``), not through the ORM, and prepared once per connection on
    PostgreSQL (``core.prepared``): on the comment intake's hot path, compiling the two ORM queries
    this replaces cost more than running them (0.8 and 1.0 ms of CPU against about 0.2 ms for this
    one), and PostgreSQL took longer to plan it than to run it (0.19 ms against 0.04; issue 15,
    ``python -m bench intake``). ``user`` must be signed in."""
    connection = connections[Consultation.objects.db]
    # An id no key column holds names no consultation: the ORM's lookup says so without asking, the
    # driver (SQLite) or the server (PostgreSQL's bigint) would refuse it as a parameter.
    low, high = connection.ops.integer_field_range(Consultation._meta.pk.get_internal_type())
    if not low <= pk <= high:
        raise Http404
    row = None
    with connection.cursor() as cursor:
        prepared.execute(cursor, _commenting_sql(connection.alias), [user.pk, CONTRIBUTOR_GROUP, user.pk, pk])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    using = connection.alias
    consultation, at = instance_from(Consultation, row, 0, using)
    version, at = instance_from(ReferentialVersion, row, at, using)
    referential, at = instance_from(Referential, row, at, using)
    membership, at = instance_from(Membership, row, at, using)
    organisation, at = instance_from(Organisation, row, at, using)
    ReferentialVersion.referential.field.set_cached_value(version, referential)
    Consultation.version.field.set_cached_value(consultation, version)
    if not _readable(consultation, user):
        raise Http404
    if membership is not None:
        Membership.organisation.field.set_cached_value(membership, organisation)
        membership.in_contributor_group = bool(row[at])
    return consultation, membership


@lru_cache(maxsize=None)
def _commenting_sql(using: str) -> str:
    quote = connections[using].ops.quote_name
    user_groups = get_user_model().groups.through
    groups = user_groups._meta.get_field("group").related_model
    aliases = {Consultation: "c", ReferentialVersion: "v", Referential: "r", Membership: "m", Organisation: "o", user_groups: "ug", groups: "g"}

    def table(model) -> str:
        return f"{quote(model._meta.db_table)} {quote(aliases[model])}"

    def column(model, name: str) -> str:
        return f"{quote(aliases[model])}.{quote(model._meta.get_field(name).column)}"

    def columns(*models) -> str:
        return ", ".join(select_list(model, aliases[model], quote) for model in models)

    in_group = (
        f"EXISTS (SELECT 1 FROM {table(user_groups)} INNER JOIN {table(groups)} ON {column(groups, 'id')} = {column(user_groups, 'group')} "
        f"WHERE {column(user_groups, 'user')} = %s AND {column(groups, 'name')} = %s)"
    )
    return (
        f"SELECT {columns(Consultation, ReferentialVersion, Referential, Membership, Organisation)}, {in_group} "
        f"FROM {table(Consultation)} "
        f"INNER JOIN {table(ReferentialVersion)} ON {column(ReferentialVersion, 'id')} = {column(Consultation, 'version')} "
        f"INNER JOIN {table(Referential)} ON {column(Referential, 'id')} = {column(ReferentialVersion, 'referential')} "
        f"LEFT OUTER JOIN {table(Membership)} ON {column(Membership, 'user')} = %s "
        f"LEFT OUTER JOIN {table(Organisation)} ON {column(Organisation, 'id')} = {column(Membership, 'organisation')} "
        f"WHERE {column(Consultation, 'id')} = %s"
    )


def _readable(consultation: Consultation, user) -> bool:
    return consultation.version.is_public or is_editor(user)


def consultation_phase(consultation: Consultation, now=None) -> str:
    """``upcoming``, ``open`` or ``closed``, on the server's clock."""
    now = now or timezone.now()
    if now < consultation.opens_at:
        return "upcoming"
    return "closed" if consultation.is_closed(now) else "open"


def version_consultation(version: ReferentialVersion) -> Consultation | None:
    """The consultation a version's pages announce: its latest one."""
    return Consultation.objects.filter(version=version).order_by("-opens_at", "-pk").first()


def visible_comments(user, comments: QuerySet[Comment] | None = None) -> QuerySet[Comment]:
    """Editors see every comment; a contributor sees their own; everyone sees the submitted comments of
    a consultation whose synthesis is published. Before that, nobody reads anybody else's comments."""
    comments = Comment.objects.all() if comments is None else comments
    if is_editor(user):
        return comments
    public = Q(status=Comment.Status.SUBMITTED, consultation__synthesis_published_at__isnull=False)
    if user is not None and user.is_authenticated:
        return comments.filter(public | Q(author=user))
    return comments.filter(public)


COMMENT_RELATIONS = (
    "consultation__version__referential",
    "requirement__section",
    "section",
    "author",
    "organisation",
    "answer__answered_by",
    "answer__carried_by__version__referential",
)


def present_comments(comments) -> list[Comment]:
    """Attach what pages show: ``proposed_redline``, the proposed wording as a redline against the
    statement the contributor commented on (requirement comments only). No query."""
    comments = list(comments)
    for comment in comments:
        comment.proposed_redline = (
            markdown_redline(comment.commented_text, comment.proposed_wording)
            if comment.proposed_wording and comment.requirement_id
            else None
        )
    return comments


def own_comments(user, consultation: Consultation) -> list[Comment]:
    """``user``'s comments on the consultation, whatever their status, with their answers; one query."""
    if user is None or not user.is_authenticated:
        return []
    comments = Comment.objects.filter(consultation=consultation, author=user).select_related(*COMMENT_RELATIONS)
    return present_comments(comments.order_by("-created_at", "-pk"))


def comment_for(user, pk: int) -> Comment:
    """A comment ``user`` may read, with everything its display needs, else 404."""
    comments = visible_comments(user, Comment.objects.filter(consultation__in=visible_consultations(user)))
    comment = comments.select_related(*COMMENT_RELATIONS).filter(pk=pk).first()
    if comment is None:
        raise Http404
    return present_comments([comment])[0]


def comment_to_write(user, pk: int) -> Comment:
    """A comment ``user`` may read, whoever wrote it (the services decide who may change it: someone
    else's published comment is a 403); a comment they may not read is a 404, as in ``comment_for``."""
    comment = (
        visible_comments(user, Comment.objects.filter(consultation__in=visible_consultations(user)))
        .select_related(*COMMENT_RELATIONS)
        .filter(pk=pk)
        .first()
    )
    if comment is None:
        raise Http404
    return comment


@dataclass
class CommentingState:
    """What a version's pages need to offer comments: the consultation, why ``user`` may not comment
    (None if they may), and how many comments they already left on each requirement and chapter."""

    consultation: Consultation | None
    refusal: DomainError | None = None
    own_by_requirement: Counter = field(default_factory=Counter)
    own_by_section: Counter = field(default_factory=Counter)

    @property
    def is_open(self) -> bool:
        return self.consultation is not None and self.consultation.is_open()

    @property
    def may_comment(self) -> bool:
        return self.is_open and self.refusal is None


def commenting_state(user, version: ReferentialVersion) -> CommentingState:
    """Two queries at most, whatever the number of requirements on the page."""
    from consultation.services import comment_refusal

    consultation = version_consultation(version)
    if consultation is None:
        return CommentingState(consultation=None)
    state = CommentingState(consultation=consultation, refusal=comment_refusal(consultation, user))
    if user is not None and user.is_authenticated and state.refusal is None:
        rows = Comment.objects.filter(consultation=consultation, author=user).exclude(
            status=Comment.Status.WITHDRAWN
        )
        for requirement_id, section_id in rows.values_list("requirement_id", "section_id"):
            if requirement_id:
                state.own_by_requirement[requirement_id] += 1
            elif section_id:
                state.own_by_section[section_id] += 1
    return state


# The editors' dashboard --------------------------------------------------------------------------

DASHBOARD_PAGE_SIZE = 50

# ``?etat=`` of the dashboard: what each value keeps.
DASHBOARD_STATES = {
    "sans-reponse": Q(status=Comment.Status.SUBMITTED, answer__isnull=True),
    "repondus": Q(answer__isnull=False),
    "retires": Q(status=Comment.Status.WITHDRAWN),
    "masques": Q(status=Comment.Status.HIDDEN),
}


# ``?attribution=`` of the dashboard: the editors' triage.
DASHBOARD_ASSIGNMENTS = ("moi", "personne")


@dataclass
class DashboardFilters:
    state: str = ""
    decision: str = ""
    key: str = ""
    organisation_kind: str = ""
    assignment: str = ""  # "moi" (assigned to the reader), "personne" (unassigned)
    reader_id: int | None = None

    @classmethod
    def from_query(cls, query, *, user=None) -> "DashboardFilters":
        """Unknown values (a stale link) filter nothing."""
        state = query.get("etat", "")
        decision = query.get("decision", "")
        kind = query.get("organisation", "")
        assignment = query.get("attribution", "")
        return cls(
            state=state if state in DASHBOARD_STATES else "",
            decision=decision if decision in Answer.Decision.values else "",
            key=" ".join(query.get("exigence", "").split())[:40],
            organisation_kind=kind if kind in Organisation.Kind.values else "",
            assignment=assignment if assignment in DASHBOARD_ASSIGNMENTS else "",
            reader_id=getattr(user, "pk", None),
        )

    @property
    def is_active(self) -> bool:
        return any((self.state, self.decision, self.key, self.organisation_kind, self.assignment))

    def apply(self, comments: QuerySet[Comment]) -> QuerySet[Comment]:
        if self.state:
            comments = comments.filter(DASHBOARD_STATES[self.state])
        if self.decision:
            comments = comments.filter(answer__decision=self.decision)
        if self.key:
            comments = comments.filter(requirement__key=self.key)
        if self.organisation_kind:
            comments = comments.filter(organisation__kind=self.organisation_kind)
        if self.assignment == "moi":
            comments = comments.filter(assigned_to_id=self.reader_id)
        elif self.assignment == "personne":
            comments = comments.filter(assigned_to__isnull=True)
        return comments


@dataclass
class DashboardCounts:
    total: int = 0
    by_status: dict = field(default_factory=dict)  # submitted / answered / unanswered / withdrawn / hidden
    by_decision: list = field(default_factory=list)  # (value, label, count), every decision
    by_organisation_kind: list = field(default_factory=list)  # (value, label, count), kinds with comments
    by_requirement: list = field(default_factory=list)  # (key, count), in document order
    by_chapter: list = field(default_factory=list)  # (number, title, count): comments on the chapter or its requirements
    on_version: int = 0


def dashboard_counts(consultation: Consultation) -> DashboardCounts:
    """Two queries (comments' light columns, then the chapters), whatever the number of comments."""
    rows = list(
        Comment.objects.filter(consultation=consultation)
        .order_by()
        .values_list(
            "requirement_id", "requirement__key", "requirement__position", "requirement__section_id",
            "section_id", "organisation__kind", "status", "answer__decision",
        )
    )
    counts = DashboardCounts(total=len(rows))
    statuses, decisions, kinds = Counter(), Counter(), Counter()
    by_requirement: dict[int, list] = {}
    by_section = Counter()
    for requirement_id, key, position, requirement_section, section_id, kind, status, decision in rows:
        statuses[status] += 1
        kinds[kind] += 1
        if decision:
            decisions[decision] += 1
            statuses["answered"] += 1
        elif status == Comment.Status.SUBMITTED:
            statuses["unanswered"] += 1
        if requirement_id:
            by_requirement.setdefault(requirement_id, [position, key, 0])[2] += 1
            by_section[requirement_section] += 1
        elif section_id:
            by_section[section_id] += 1
        else:
            counts.on_version += 1
    counts.by_status = {
        "submitted": statuses[Comment.Status.SUBMITTED],
        "answered": statuses["answered"],
        "unanswered": statuses["unanswered"],
        "withdrawn": statuses[Comment.Status.WITHDRAWN],
        "hidden": statuses[Comment.Status.HIDDEN],
    }
    counts.by_decision = [(value, label, decisions[value]) for value, label in Answer.Decision.choices]
    counts.by_organisation_kind = [(value, label, kinds[value]) for value, label in Organisation.Kind.choices if kinds[value]]
    counts.by_requirement = [(key, n) for _position, key, n in sorted(by_requirement.values(), key=lambda r: (r[0], r[1]))]
    if by_section:
        outline = version_outline(consultation.version, requirements=[])
        counts.by_chapter = [
            (node.number, node.section.title, by_section[node.section.pk])
            for node in outline.walk()
            if by_section[node.section.pk]
        ]
    return counts


def next_version_requirements(consultation: Consultation) -> list[Requirement]:
    """The requirements of the versions based on the consulted one (the next drafts), newest version
    first, in document order: where an answer may point to the change it made. One query."""
    requirements = list(
        Requirement.objects.filter(version__based_on_id=consultation.version_id)
        .select_related("version")
        .order_by("position", "pk")
    )
    requirements.sort(key=lambda r: version_sort_key(r.version.number), reverse=True)
    return requirements


def resolve_carried_by(consultation: Consultation, key: str) -> Requirement | None:
    """The requirement ``key`` in the newest version based on the consulted one; None for an empty key;
    a ValidationError naming ``carried_by`` when no next version carries that key."""
    key = normalise_key(key)
    if not key:
        return None
    # Compared as a reader sees keys (case, no-break spaces): a version holds one key of each identity.
    for requirement in next_version_requirements(consultation):
        if key_identity(requirement.key) == key_identity(key):
            return requirement
    raise ValidationError(
        {"carried_by": _("Aucune version fondée sur celle-ci ne contient l'exigence « %(key)s ».") % {"key": key}}
    )


def dashboard_comments(consultation: Consultation, filters: DashboardFilters) -> QuerySet[Comment]:
    """The comments the dashboard lists, oldest first, with everything a row shows (one query per page)."""
    comments = (
        Comment.objects.filter(consultation=consultation)
        .select_related(*COMMENT_RELATIONS, "assigned_to")
        .prefetch_related(Prefetch("internal_notes", queryset=InternalNote.objects.select_related("author")))
    )
    return filters.apply(comments).order_by("created_at", "pk")


def requirement_by_id(pk: int) -> Requirement:
    """A requirement with its version, else 404 (editors' forms: the services check the rest)."""
    requirement = Requirement.objects.select_related("version__referential").filter(pk=pk).first()
    if requirement is None:
        raise Http404
    return requirement


def editors() -> list:
    """The users a comment may be assigned to: the ANS's editors, by name. One query."""
    User = get_user_model()
    return list(
        User.objects.filter(Q(groups__name=EDITOR_GROUP) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def draft_carriers(consultation: Consultation) -> dict[int, Requirement]:
    """For each requirement of the consulted version, its copy in a draft based on that version (the
    newest draft if there are several): where a proposed wording may be applied. One query."""
    rows = Requirement.objects.filter(
        version__based_on_id=consultation.version_id,
        version__status=ReferentialVersion.Status.DRAFT,
        origin__version_id=consultation.version_id,
    ).select_related("version__referential")
    carriers: dict[int, Requirement] = {}
    for requirement in sorted(rows, key=lambda r: version_sort_key(r.version.number)):
        carriers[requirement.origin_id] = requirement
    return carriers


def attach_carriers(comments: list[Comment], carriers: dict[int, Requirement]) -> list[Comment]:
    """Set ``apply_to`` on each comment whose proposed wording may go into a draft requirement, and
    ``wording_applied`` when that requirement already reads it and the answer says so. No query."""
    for comment in comments:
        comment.apply_to = (
            carriers.get(comment.requirement_id)
            if comment.proposed_wording and comment.requirement_id and comment.status == Comment.Status.SUBMITTED
            else None
        )
        comment.wording_applied = wording_applied(comment, comment.apply_to)
    return comments


def wording_applied(comment: Comment, target: Requirement | None) -> bool:
    """True when ``target`` already states ``comment``'s proposed wording and the answer names it as the
    carrier: applying again would change nothing. No query (the answer is loaded with the comment)."""
    answer = _answer_of(comment)
    return bool(
        target is not None
        and answer is not None
        and answer.carried_by_id == target.pk
        and normalise_text(target.statement) == normalise_text(comment.proposed_wording)
    )


# A requirement's consultation trail ---------------------------------------------------------------


@dataclass
class TrailStep:
    """One consultation of a version in the requirement's lineage, and the comments on the requirement
    as it stood in that version that ``user`` may read."""

    consultation: Consultation
    requirement: Requirement
    comments: list[Comment]


def requirement_consultation_trail(user, requirement: Requirement) -> list[TrailStep]:
    """For each readable version of the requirement's lineage that had a consultation, newest first:
    the comments ``user`` may read on it, their answers and the requirement that carries the change.
    A fixed number of queries, whatever the number of versions and comments."""
    editor = is_editor(user)
    lineage = [r for r in requirement_lineage(requirement) if r.version.is_public or editor]
    if not lineage:
        return []
    member_by_version = {member.version_id: member for member in lineage}
    consultations = list(
        Consultation.objects.filter(version_id__in=member_by_version)
        .select_related("version__referential")
        .order_by("-opens_at", "-pk")
    )
    if not consultations:
        return []
    comments = visible_comments(user, Comment.objects.filter(requirement_id__in=[m.pk for m in lineage]))
    by_consultation: dict[int, list[Comment]] = {}
    for comment in present_comments(comments.select_related(*COMMENT_RELATIONS).order_by("created_at", "pk")):
        by_consultation.setdefault(comment.consultation_id, []).append(comment)
    return [
        TrailStep(
            consultation=consultation,
            requirement=member_by_version[consultation.version_id],
            comments=by_consultation.get(consultation.pk, []),
        )
        for consultation in consultations
    ]


def comment_target(
    consultation: Consultation, requirement_id: int | None, section_id: int | None
) -> tuple[Requirement | None, Section | None]:
    """The requirement and chapter of the consulted version that a comment form names by id, else 404.

    Only the consulted version is searched: an id of any other version (a draft outside consultation
    among them) is unknown here, so neither its text nor its existence reaches the page."""
    requirement = section = None
    if requirement_id:
        requirement = (
            Requirement.objects.select_related("section", "version__referential")
            .filter(pk=requirement_id, version_id=consultation.version_id)
            .first()
        )
        if requirement is None:
            raise Http404
    if section_id:
        section = (
            Section.objects.select_related("version__referential")
            .filter(pk=section_id, version_id=consultation.version_id)
            .first()
        )
        if section is None:
            raise Http404
    return requirement, section


def consultation_requirement(consultation: Consultation, key: str) -> Requirement | None:
    """The requirement ``key`` of the consulted version (None for an empty key), compared as a reader
    sees keys (``referential.queries.requirement_by_key``); a ValidationError naming ``requirement``
    when the version has no such key."""
    key = normalise_key(key)
    if not key:
        return None
    requirement = requirement_by_key(consultation.version, key)
    if requirement is None:
        raise ValidationError(
            {"requirement": _("La version %(number)s ne contient pas d'exigence « %(key)s ».")
             % {"number": consultation.version.number, "key": key}}
        )
    return requirement


# The editors' home page (referential.attention) -------------------------------------------------

CLOSING_SOON_DAYS = 7


def unanswered_comments_rows() -> list[AttentionRow]:
    """Consultations with comments still waiting for the ANS's answer, the most waiting first, each
    linked to its dashboard filtered on them. One query."""
    consultations = (
        Consultation.objects.annotate(
            unanswered=Count(
                "comments", filter=Q(comments__status=Comment.Status.SUBMITTED, comments__answer__isnull=True)
            )
        )
        .filter(unanswered__gt=0)
        .select_related("version__referential")
        .order_by("-unanswered", "closes_at", "pk")
    )
    return [
        AttentionRow(
            label=str(consultation),
            url=reverse("consultation:consultation_dashboard", kwargs={"pk": consultation.pk}) + "?etat=sans-reponse",
            detail=ngettext(
                "%(count)s commentaire sans réponse", "%(count)s commentaires sans réponse", consultation.unanswered
            )
            % {"count": consultation.unanswered},
        )
        for consultation in consultations
    ]


def closing_soon_rows(now=None) -> list[AttentionRow]:
    """Open consultations that close within the next 7 days, the soonest first. One query."""
    now = now or timezone.now()
    consultations = (
        Consultation.objects.open_at(now)
        .filter(closes_at__lte=now + timedelta(days=CLOSING_SOON_DAYS))
        .select_related("version__referential")
        .order_by("closes_at", "pk")
    )
    return [
        AttentionRow(
            label=str(consultation),
            url=reverse("consultation:consultation_dashboard", kwargs={"pk": consultation.pk}),
            detail=_("clôture le %(date)s") % {"date": date_format(timezone.localtime(consultation.closes_at), "DATETIME_FORMAT")},
        )
        for consultation in consultations
    ]
