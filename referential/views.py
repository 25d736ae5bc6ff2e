"""Public HTML pages of the referentials: parse the request, call a query, render.

Every read goes through ``queries.py``, which prefetches what the templates show, so a
page runs the same handful of SQL queries whatever the number of requirements.
"""

import re

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from . import queries
from .compare import KINDS, compare_versions
from .models import ReferentialVersion
from .roles import is_editor

CHANGE_LABELS = {
    "key": _("clé"),
    "section": _("chapitre"),
    "title": _("titre"),
    "statement": _("énoncé"),
    "level": _("niveau de non-conformité"),
    "actors": _("acteurs"),
    "verification_method": _("méthode de vérification"),
    "compliance_deadline": _("échéance de mise en conformité"),
}

# A version number in a URL: 1.0, 0.9.1… (never ``latest`` nor ``1.0.pdf``).
VERSION_NUMBER = r"[0-9]+(?:\.[0-9]+)+"

KIND_LABELS = {
    "added": _("Ajoutées"),
    "removed": _("Supprimées"),
    "modified": _("Modifiées"),
    "renamed": _("Renommées"),
    "moved": _("Déplacées"),
    "unchanged": _("Inchangées"),
}


def _breadcrumb(current, *links):
    return {"links": [{"url": url, "title": title} for url, title in links], "current": current}


def _anchor(key: str) -> str:
    # An id may not contain spaces; keys such as « MSS 17 » do.
    return "exigence-" + re.sub(r"\s+", "-", key.strip())


def _change_labels(changes) -> list:
    return [label for name, label in CHANGE_LABELS.items() if name in changes]


_REDLINE_MARK = re.compile(r"<(del|ins)(\s[^>]*)?>")


def _announced(redline):
    """Prefix each <del>/<ins> of a redline with words that screen readers say (most ignore the tags)."""
    if not redline:
        return None
    words = {"del": _("supprimé :"), "ins": _("ajouté :")}
    return mark_safe(  # noqa: S308 — ``redline`` is escaped HTML; we only add our own escaped words
        _REDLINE_MARK.sub(
            lambda m: f'{m.group(0)}<span class="fr-sr-only">{escape(words[m.group(1)])} </span>', redline
        )
    )


def _present_change(change, old, new) -> None:
    """Attach what the templates show about a pair: labels of the changed fields, chapter labels
    and redlines announced to screen readers."""
    changes = change.changes
    change.change_labels = _change_labels(changes)
    change.title_redline = _announced(change.title_redline) if "title" in changes else None
    change.statement_redline = _announced(change.statement_redline) if "statement" in changes else None
    if "section" in changes:
        for requirement in (old, new):
            number = getattr(requirement, "section_number", "")
            title = requirement.section.title
            requirement.chapter_label = f"{number}. {title}" if number else title


def home(request):
    referentials = queries.referentials_with_versions(request.user)
    for referential in referentials:
        referential.in_consultation = [
            v for v in referential.visible if v.status == ReferentialVersion.Status.CONSULTATION
        ]
    return render(request, "referential/home.html", {"referentials": referentials})


def referential_detail(request, slug):
    referential = queries.referential_with_versions(request.user, slug)
    return render(
        request,
        "referential/referential_detail.html",
        {
            "referential": referential,
            "versions": referential.visible,
            "breadcrumb_data": _breadcrumb(referential.code),
        },
    )


def _requirement_filters(request, levels, actors) -> dict:
    """The filters of the version page; an unknown level or actor (a stale link) filters nothing."""
    level = request.GET.get("level", "")
    actor = request.GET.get("actor", "")
    section = request.GET.get("section", "")
    return {
        "level": level if level in {lv.slug for lv in levels} else "",
        "actor": actor if actor in {a.slug for a in actors} else "",
        "section": section if section.isdigit() else "",
        "q": request.GET.get("q", "").strip()[:200],
    }


def _mark_shown(nodes, is_filtered: bool) -> bool:
    """Under a filter, a chapter is shown only if it or a sub-chapter holds a matching requirement."""
    any_shown = False
    for node in nodes:
        children_shown = _mark_shown(node.children, is_filtered)
        node.shown = not is_filtered or bool(node.requirements) or children_shown
        any_shown = any_shown or node.shown
    return any_shown


def version_detail(request, slug, number):
    version = queries.version_for(request.user, slug, number)
    levels, actors = queries.filter_choices(version)
    filters = _requirement_filters(request, levels, actors)
    requirements = queries.filter_requirements(queries.requirements_of(version), **filters)
    outline = queries.version_outline(version, requirements=requirements)
    shown = list(outline.requirements())
    is_filtered = any(filters.values())
    for node in outline.walk():
        node.heading_level = min(node.depth + 1, 5)
    _mark_shown(outline.roots, is_filtered)
    for requirement in shown:
        requirement.anchor = _anchor(requirement.key)
        requirement.heading_level = outline.by_section_id[requirement.section_id].heading_level + 1
    based_on = version.based_on
    can_compare = based_on is not None and (based_on.is_public or is_editor(request.user))
    return render(
        request,
        "referential/version_detail.html",
        {
            "referential": version.referential,
            "version": version,
            "outline": outline,
            "requirements": shown,
            "is_filtered": is_filtered,
            "filters": filters,
            "levels": levels,
            "actors": actors,
            "thresholds": queries.version_thresholds(version),
            "compare_with_based_on": can_compare,
            "breadcrumb_data": _breadcrumb(
                _("Version %(number)s") % {"number": version.number},
                (version.referential.get_absolute_url(), version.referential.code),
            ),
        },
    )


def requirement_detail(request, slug, number, key):
    version = queries.version_for(request.user, slug, number)
    requirement = queries.requirement_in(version, key)
    steps = queries.requirement_history(request.user, requirement)
    for step in steps:
        if step.previous is not None:
            _present_change(step, step.previous, step.requirement)
        step.is_current = step.requirement.pk == requirement.pk
    referential = version.referential
    return render(
        request,
        "referential/requirement_detail.html",
        {
            "referential": referential,
            "version": version,
            "requirement": requirement,
            "anchor": _anchor(requirement.key),
            "steps": list(reversed(steps)),
            "breadcrumb_data": _breadcrumb(
                requirement.key,
                (referential.get_absolute_url(), referential.code),
                (version.get_absolute_url(), _("Version %(number)s") % {"number": version.number}),
            ),
        },
    )


def compare_pick(request, slug):
    """The two-version picker submits here by GET; send the reader to the comparison's canonical URL."""
    old, new = request.GET.get("a", ""), request.GET.get("b", "")
    if not (re.fullmatch(VERSION_NUMBER, old) and re.fullmatch(VERSION_NUMBER, new)):
        raise Http404
    return redirect("referential:compare", slug=slug, a=old, b=new)


def compare(request, slug, a, b):
    old = queries.version_for(request.user, slug, a)
    new = queries.version_for(request.user, slug, b)
    comparison = compare_versions(old, new)
    groups = {kind: [] for kind in KINDS}
    for entry in comparison.entries:
        if entry.old is not None and entry.new is not None:
            _present_change(entry, entry.old, entry.new)
        groups.setdefault(entry.kind, []).append(entry)
    referential = old.referential
    return render(
        request,
        "referential/compare.html",
        {
            "referential": referential,
            "old": old,
            "new": new,
            "groups": [
                {"kind": kind, "label": KIND_LABELS.get(kind, kind), "entries": entries}
                for kind, entries in groups.items()
            ],
            "has_entries": bool(comparison.entries),
            "versions": queries.sibling_versions(request.user, old),
            "pick_url": reverse("referential:compare_pick", kwargs={"slug": slug}),
            "breadcrumb_data": _breadcrumb(
                _("Comparaison %(old)s → %(new)s") % {"old": old.number, "new": new.number},
                (referential.get_absolute_url(), referential.code),
            ),
        },
    )
