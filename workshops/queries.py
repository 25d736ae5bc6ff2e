"""Reads of workshops and RIDA items. Each runs a fixed number of queries, whatever the number of items."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch
from django.utils import timezone

from referential.models import Referential, ReferentialVersion, Requirement, version_sort_key
from referential.queries import requirement_lineage

from .models import AgendaItem, RidaItem, RidaRequirementLink, Workshop


def visible_workshops(user) -> QuerySet[Workshop]:
    return Workshop.objects.visible_to(user)


def workshops_for_list(user) -> QuerySet[Workshop]:
    """Workshops ``user`` may read, newest first, with ``item_count`` and ``open_action_count``."""
    return (
        visible_workshops(user)
        .annotate(
            item_count=Count("rida_items", distinct=True),
            open_action_count=Count(
                "rida_items",
                filter=Q(rida_items__nature=RidaItem.Nature.ACTION, rida_items__action_status=RidaItem.ActionStatus.OPEN),
                distinct=True,
            ),
        )
        .prefetch_related(Prefetch("referentials", queryset=Referential.objects.order_by("position", "code")))
        .order_by("-held_on", "-number")
    )


def workshop_for(user, pk: int) -> Workshop:
    """The workshop ``pk`` if ``user`` may read it, else 404."""
    workshop = visible_workshops(user).filter(pk=pk).first()
    if workshop is None:
        raise Http404
    return workshop


def parse_nature(value: str | None) -> str | None:
    """A nature filter from a query string: ``I``, ``D`` or ``A`` (any case); anything else means no filter."""
    value = (value or "").strip().upper()
    return value if value in RidaItem.Nature.values else None


def rida_items_of(workshop: Workshop, *, nature: str | None = None) -> list[RidaItem]:
    """The workshop's RIDA items in order, each with its ``links`` resolved (see ``resolve_links``)."""
    items = workshop.rida_items.prefetch_related(
        Prefetch(
            "requirement_links",
            queryset=RidaRequirementLink.objects.select_related("referential").order_by("referential__position", "requirement_key"),
        )
    ).order_by("number")
    if nature:
        items = items.filter(nature=nature)
    items = list(items)
    resolve_links([link for item in items for link in item.requirement_links.all()])
    return items


def resolve_links(links: list[RidaRequirementLink]) -> None:
    """Set ``link.requirement`` to the requirement carrying the link's key in the referential's current
    published version (or, failing that, its newest public version), and ``link.url`` to its page.
    One query for any number of links; a key found nowhere public leaves both at ``None``."""
    for link in links:
        link.requirement = None
        link.url = None
    if not links:
        return
    candidates = (
        Requirement.objects.filter(
            version__status__in=ReferentialVersion.PUBLIC_STATUSES,
            version__referential_id__in={link.referential_id for link in links},
            key__in={link.requirement_key for link in links},
        )
        .select_related("version", "version__referential")
    )
    best: dict[tuple[int, str], Requirement] = {}
    for requirement in candidates:
        pair = (requirement.version.referential_id, requirement.key)
        if pair not in best or _preference(requirement) > _preference(best[pair]):
            best[pair] = requirement
    for link in links:
        requirement = best.get((link.referential_id, link.requirement_key))
        if requirement is None:
            continue
        link.requirement = requirement
        try:
            link.url = requirement.get_absolute_url()
        except NoReverseMatch:  # the requirement pages are not routed (yet): show the key without a link
            link.url = None


def _preference(requirement: Requirement):
    version = requirement.version
    return (version.status == ReferentialVersion.Status.PUBLISHED, version_sort_key(version.number))


@dataclass
class Minutes:
    """Everything the minutes page and PDF lay out, fetched in a fixed number of queries."""

    workshop: Workshop
    referentials: list[Referential]
    documents: list
    participants: list
    agenda: list[AgendaItem]
    items: list[RidaItem]
    nature_counts: dict[str, int] = field(default_factory=dict)

    @property
    def total_items(self) -> int:
        return sum(self.nature_counts.values())

    @property
    def open_actions(self) -> list[RidaItem]:
        return [item for item in self.items if item.is_open_action]


def workshop_minutes(workshop: Workshop, *, nature: str | None = None) -> Minutes:
    """The workshop's minutes; ``nature`` restricts the RIDA table, the counts always cover every item."""
    counts = dict(workshop.rida_items.values_list("nature").annotate(n=Count("id")).order_by())
    return Minutes(
        workshop=workshop,
        referentials=list(workshop.referentials.order_by("position", "code")),
        documents=list(workshop.documents.order_by("position", "id")),
        participants=list(workshop.participants.order_by("position", "id")),
        agenda=agenda_tree(workshop),
        items=rida_items_of(workshop, nature=nature),
        nature_counts={nature: counts.get(nature, 0) for nature in RidaItem.Nature.values},
    )


def agenda_tree(workshop: Workshop) -> list[AgendaItem]:
    """Top-level agenda points in order, each with ``subpoints``; one query."""
    points = list(workshop.agenda_items.order_by("position", "id"))
    children: dict[int | None, list[AgendaItem]] = {}
    for point in points:
        children.setdefault(point.parent_id, []).append(point)
    roots = children.get(None, [])
    for point in roots:
        point.subpoints = children.get(point.pk, [])
    return roots


def open_actions() -> list[RidaItem]:
    """Every open action of every workshop (drafts included: this is the editors' tracker), overdue ones
    first, then by due date, then oldest first. Each carries ``age_days`` since its workshop and ``links``."""
    today = timezone.localdate()
    actions = list(
        RidaItem.objects.open_actions()
        .select_related("workshop")
        .prefetch_related(
            Prefetch("requirement_links", queryset=RidaRequirementLink.objects.select_related("referential"))
        )
    )
    resolve_links([link for item in actions for link in item.requirement_links.all()])
    for action in actions:
        action.age_days = (today - action.workshop.held_on).days
    actions.sort(
        key=lambda a: (
            not a.is_overdue,
            a.due_on is None,
            a.due_on or today,
            a.workshop.held_on,
            a.workshop.number,
            a.number,
        )
    )
    return actions


def rida_items_for_requirement(requirement: Requirement, *, user=None) -> list[RidaItem]:
    """The RIDA items, across the workshops ``user`` may read, that concern ``requirement``: those linked
    to its referential under the key of any requirement of its lineage (so a renamed key still matches).
    Newest workshop first."""
    keys = {member.key for member in requirement_lineage(requirement)} | {requirement.key}
    referential_id = (
        ReferentialVersion.objects.filter(pk=requirement.version_id).values_list("referential_id", flat=True).first()
    )
    return list(
        RidaItem.objects.filter(
            workshop__in=visible_workshops(user),
            requirement_links__referential_id=referential_id,
            requirement_links__requirement_key__in=keys,
        )
        .select_related("workshop")
        .distinct()
        .order_by("-workshop__held_on", "-workshop__number", "number")
    )
