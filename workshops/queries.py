"""Reads of workshops and RIDA items. Each runs a fixed number of queries, whatever the number of items."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from referential.attention import AttentionRow
from referential.models import Referential, Requirement
from referential.queries import Lines, lines_of, requirement_lineage

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
    """Set ``link.requirement`` to where the link points today: the requirement of its line (see
    ``RidaRequirementLink``) in the referential's published version, else in its newest public version;
    and ``link.url`` to its page. The line is that of the requirement the key named when the link was
    made; a link made before its key existed names the requirement holding the key now. Three queries
    for any number of links; a line found in no public version leaves both at ``None``."""
    for link in links:
        link.requirement = None
        link.url = None
    if not links:
        return
    lines = lines_of({link.referential_id for link in links})
    targets: dict[RidaRequirementLink, int] = {}
    for link in links:
        anchor = link_anchor(link, lines)
        target = lines.best(lines.members(anchor)) if anchor else None
        if target is not None:
            targets[link] = target
    found = Requirement.objects.filter(pk__in=set(targets.values())).select_related("version", "version__referential").in_bulk()
    for link, target in targets.items():
        requirement = found.get(target)
        if requirement is None:
            continue
        link.requirement = requirement
        try:
            link.url = requirement.get_absolute_url()
        except NoReverseMatch:  # the requirement pages are not routed (yet): show the key without a link
            link.url = None


def link_anchor(link: RidaRequirementLink, lines: Lines) -> int | None:
    """The requirement whose line ``link`` follows: the one its key named when it was made, else
    (a key that named nothing then) the one holding the key now."""
    if link.anchor_id is not None and link.anchor_id in lines.line:
        return link.anchor_id
    return lines.named(link.referential_id, link.requirement_key)


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
    first, then by due date, then oldest first. Each carries ``age_days`` since its workshop,
    ``days_late`` (past its due date) and ``days_left`` (before it), None without one, ``owner_options`` and ``links``."""
    today = timezone.localdate()
    actions = list(
        RidaItem.objects.open_actions()
        .select_related("workshop")
        .prefetch_related(
            Prefetch("requirement_links", queryset=RidaRequirementLink.objects.select_related("referential")),
            "workshop__participants",
        )
    )
    resolve_links([link for item in actions for link in item.requirement_links.all()])
    for action in actions:
        action.age_days = (today - action.workshop.held_on).days
        # Days past the due date (positive when overdue), None without a due date.
        action.days_late = (today - action.due_on).days if action.due_on else None
        action.days_left = -action.days_late if action.due_on else None
        action.owner_options = owner_choices(action.workshop.participants.all(), current=action.owner)
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
    """The RIDA items, across the workshops ``user`` may read, that concern ``requirement``: those whose
    link follows its line (a renamed key still matches; a key swapped or reused in another version
    does not). Newest workshop first. A fixed number of queries."""
    lineage = requirement_lineage(requirement)
    members = {member.pk for member in lineage} | {requirement.pk}
    referential_id = lineage[0].version.referential_id if lineage else requirement.version.referential_id
    links = list(
        RidaRequirementLink.objects.filter(
            rida_item__workshop__in=visible_workshops(user), referential_id=referential_id
        )
        .filter(Q(anchor_id__in=members) | Q(anchor__isnull=True))
        .select_related("rida_item__workshop")
    )
    unanchored = [link for link in links if link.anchor_id is None]
    if unanchored:
        lines = lines_of([referential_id])
        named = {link.pk: link_anchor(link, lines) for link in unanchored}
    items = {
        link.rida_item_id: link.rida_item
        for link in links
        if (link.anchor_id if link.anchor_id is not None else named.get(link.pk)) in members
    }
    return sorted(
        items.values(), key=lambda item: (-item.workshop.held_on.toordinal(), -item.workshop.number, item.number)
    )


def overdue_actions_rows() -> list[AttentionRow]:
    """The editors' home panel of open RIDA actions past their due date, the longest overdue first,
    each linked to its row in the minutes. One query."""
    today = timezone.localdate()
    actions = RidaItem.objects.open_actions().filter(due_on__lt=today).select_related("workshop").order_by("due_on", "pk")
    return [
        AttentionRow(
            label=_("Atelier #%(workshop)s, action n° %(number)s : %(object)s")
            % {"workshop": action.workshop.number, "number": action.number, "object": action.object},
            url=reverse("workshops:workshop_detail", kwargs={"pk": action.workshop_id}) + f"#rida-{action.number}",
            detail=_overdue_detail((today - action.due_on).days, action.owner),
        )
        for action in actions
    ]


def _overdue_detail(days: int, owner: str) -> str:
    if owner:
        return ngettext(
            "en retard de %(days)s jour — responsable : %(owner)s",
            "en retard de %(days)s jours — responsable : %(owner)s",
            days,
        ) % {"days": days, "owner": owner}
    return ngettext("en retard de %(days)s jour, sans responsable", "en retard de %(days)s jours, sans responsable", days) % {
        "days": days
    }


def owner_choices(participants, *, current: str = "") -> list[str]:
    """Who may carry a workshop's action: each participant by name, then each entity present (« ANS »),
    in the minutes' order, and the action's ``current`` owner if it is none of these (an imported name
    stays selectable). No query: ``participants`` is the workshop's list, prefetched."""
    names = [f"{p.first_name} {p.last_name}".strip() for p in participants]
    entities = [p.entity for p in participants if p.entity]
    choices = list(dict.fromkeys(name for name in [*names, *entities] if name))
    if current and current not in choices:
        choices.insert(0, current)
    return choices
