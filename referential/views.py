"""Public HTML pages of the referentials: parse the request, call a query, render.

Every read goes through ``queries.py``, which prefetches what the templates show, so a
page runs the same handful of SQL queries whatever the number of requirements.
"""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.documents import document_response
from core.errors import DomainError
from core.roles import is_editor
from core.typography import french_html, is_french, typeset_fragment
from core.web import add_error_messages, breadcrumb, error_lines, error_status, require_editor

from . import exports, page_cache, queries, services
from .attention import attention_panels
from .compare import KINDS, compare_versions
from .documents import preview_document
from .models import ReferentialVersion
from .reqif import reqif_download
from .search import clean_query

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
    "renamed": _("Renumérotées"),
    "moved": _("Déplacées"),
    "unchanged": _("Inchangées"),
}


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
            "breadcrumb_data": breadcrumb(referential.code),
        },
    )


def _requirement_filters(request, choices) -> dict:
    """The filters of the version page; an unknown level or actor (a stale link) filters nothing.
    ``choices()`` gives the levels and actors offered, read only when a level or an actor is asked."""
    level = request.GET.get("level", "")
    actor = request.GET.get("actor", "")
    section = request.GET.get("section", "")
    levels, actors = choices() if level or actor else ((), ())
    return {
        "level": level if level in {lv.slug for lv in levels} else "",
        "actor": actor if actor in {a.slug for a in actors} else "",
        "section": section if section.isdigit() else "",
        "q": clean_query(request.GET.get("q", "")).strip()[:200],
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
    # An anonymous reader's page of a published version, kept whole in this process's memory: served
    # without a query beyond the pages' generation, nor rendering, nor typography (page_cache).
    language = get_language()
    french = is_french(language)
    key = page_cache.page_key(request)
    template = page_cache.cached_page(key)
    if template is not None:
        return page_cache.page_response(request, template, typeset=french)
    version = queries.version_for(request.user, slug, number)
    choices = _once(lambda: queries.filter_choices(version))
    filters = _requirement_filters(request, choices)
    is_filtered = any(filters.values())
    # A published version's body — its conformity rule, contents, filters and requirements — is the
    # same for every reader: rendered once per content and language (page_cache); when the cache has
    # it, neither its requirements nor its filter choices nor its thresholds are read.
    body_key = None if is_filtered else page_cache.body_key(version, language)
    body = page_cache.cached_body(body_key, lambda: _version_body(request, version, choices, filters))
    based_on = version.based_on
    can_compare = based_on is not None and (based_on.is_public or is_editor(request.user))
    # The validation panel, for editors, while the version may still be published.
    review = None
    if is_editor(request.user) and not version.is_frozen:
        review = queries.review_status(version)
    page = render_to_string(
        "referential/version_detail.html",
        {
            "referential": version.referential,
            "version": version,
            # The body (megabytes for a large version) is set in once the page is rendered, rather
            # than copied at each level of the templates; rendered by our own templates, autoescaped there.
            "body": mark_safe(BODY_PLACE),
            "compare_with_based_on": can_compare,
            "review": review,
            "breadcrumb_data": breadcrumb(
                _("Version %(number)s") % {"number": version.number},
                (version.referential.get_absolute_url(), version.referential.code),
            ),
        },
        request=request,
    )
    before, _place, after = page.partition(BODY_PLACE)
    page = "".join((before, body, after))
    if key is not None and version.status in ReferentialVersion.FROZEN_STATUSES:
        if french:
            page = french_html(page)  # the body, marked as typeset, is passed through
        template = page_cache.keep_page(request, key, page)
        if template is not None:
            return page_cache.page_response(request, template, typeset=french)
        response = HttpResponse(page)
        response.typeset = french
        return response
    return HttpResponse(page)


# Where the version's body goes in its rendered page: a comment, which no escaped text can contain.
BODY_PLACE = "<!--version-body-->"


def _once(compute):
    """``compute``, called the first time the returned function is, its result kept for the next calls."""
    result = []

    def get():
        if not result:
            result.append(compute())
        return result[0]

    return get


def _version_body(request, version, choices, filters) -> str:
    """The conformity rule, contents, filters and requirements of a version's page, as HTML; the
    requirements (the bulk of it) typeset once for French (``typeset_fragment``), the rule before
    them left to the page's middleware, as the rest of the page."""
    levels, actors = choices()
    is_filtered = any(filters.values())
    requirements = queries.filter_requirements(queries.requirements_of(version), **filters)
    outline = queries.version_outline(version, requirements=requirements)
    shown = list(outline.requirements())
    for node in outline.walk():
        node.heading_level = min(node.depth + 1, 5)
    _mark_shown(outline.roots, is_filtered)
    for requirement in shown:
        requirement.anchor = _anchor(requirement.key)
        requirement.heading_level = outline.by_section_id[requirement.section_id].heading_level + 1
    rule = render_to_string(
        "referential/_conformity_rule.html",
        {"version": version, "thresholds": queries.version_thresholds(version)},
        request=request,
    )
    return rule + "\n  " + typeset_fragment(render_to_string(
        "referential/_version_body.html",
        {
            "referential": version.referential,
            "version": version,
            "outline": outline,
            "requirements": shown,
            "is_filtered": is_filtered,
            "filters": filters,
            "levels": levels,
            "actors": actors,
        },
        request=request,
    ), language=get_language())


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
            "breadcrumb_data": breadcrumb(
                requirement.key,
                (referential.get_absolute_url(), referential.code),
                (version.get_absolute_url(), _("Version %(number)s") % {"number": version.number}),
            ),
        },
    )


def compare_pick(request, slug):
    """The two-version picker submits here by GET; send the reader to the comparison's canonical URL.

    Without two different versions (no choice yet, a stale link, the same version twice) the reader
    is offered the choice instead of an error or an empty comparison."""
    old, new = request.GET.get("a", ""), request.GET.get("b", "")
    if re.fullmatch(VERSION_NUMBER, old) and re.fullmatch(VERSION_NUMBER, new) and old != new:
        return redirect("referential:compare", slug=slug, a=old, b=new)
    referential = queries.referential_with_versions(request.user, slug)
    return _compare_choice(request, referential, same=bool(old) and old == new)


def _compare_choice(request, referential, *, same: bool):
    """The picker, preset to the two latest versions."""
    return render(
        request,
        "referential/compare_choice.html",
        {
            "referential": referential,
            "versions": referential.visible,
            "same": same,
            "pick_url": reverse("referential:compare_pick", kwargs={"slug": referential.slug}),
            "breadcrumb_data": breadcrumb(
                _("Comparer deux versions"), (referential.get_absolute_url(), referential.code)
            ),
        },
    )


def compare(request, slug, a, b):
    old = queries.version_for(request.user, slug, a)
    new = queries.version_for(request.user, slug, b)
    if old.pk == new.pk:
        return _compare_choice(request, queries.referential_with_versions(request.user, slug), same=True)
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
            "breadcrumb_data": breadcrumb(
                _("Comparaison %(old)s → %(new)s") % {"old": old.number, "new": new.number},
                (referential.get_absolute_url(), referential.code),
            ),
        },
    )


# Publication: PDF downloads, draft preview, exports ---------------------------------------------

PDF_CACHE_FOREVER = "public, max-age=31536000, immutable"


def version_pdf(request, slug, number):
    """The stored PDF of a published (or superseded) version, served as is, cacheable forever."""
    version = queries.version_for(request.user, slug, number)
    if not version.is_frozen or not version.pdf:
        raise Http404
    etag = f'"{version.pdf_sha256}"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = FileResponse(version.pdf.open("rb"), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{version.pdf.name.rsplit("/", 1)[-1]}"'
    response["ETag"] = etag
    response["Cache-Control"] = PDF_CACHE_FOREVER
    return response


def latest_pdf(request, slug):
    """Where the PDF in force lives today; this answer changes at each publication, so it is cached briefly."""
    version = queries.current_version(slug)
    if version is None or not version.pdf:
        raise Http404
    response = redirect("referential:version_pdf", slug=slug, number=version.number)
    response["Cache-Control"] = "public, max-age=300"
    return response


def version_preview_pdf(request, slug, number):
    """A draft as it would print, watermarked *PROJET*; for editors, never cached."""
    if not is_editor(request.user):
        raise PermissionDenied
    version = queries.version_for(request.user, slug, number)
    return document_response(request, preview_document(version), cache_control="private, no-store")


def version_publish(request, slug, number):
    """Publishing is deliberate: this page shows what publishing the version today would do — its
    draft PDF, the version that stops being in force and when, every blocking problem with the
    action that resolves it, every warning — and publishes only on an explicit POST of the review
    the editor saw. The rules are the services'; this page only shows them."""
    require_editor(request)
    version = queries.version_for(request.user, slug, number)
    from_admin = request.GET.get("depuis") == "admin" or request.POST.get("depuis") == "admin"
    review = services.review_publication(version)
    refusal = None
    stale = False
    status = 200
    if request.method == "POST":
        if request.POST.get("revue") != review.fingerprint:
            # Something changed since the page was shown (a problem, a warning, the version in force):
            # the editor confirms what they see, so they see it again.
            stale = True
        else:
            try:
                published = services.request_publication(version=version, by=request.user)
            except DomainError as error:
                refusal = error_lines(error)[0][1]
                status = error_status(error)
                review = services.review_publication(queries.version_for(request.user, slug, number))
            else:
                if published.status == ReferentialVersion.Status.PUBLISHED:
                    messages.success(
                        request, _("La version %(number)s est publiée.") % {"number": published.number}
                    )
                else:
                    messages.info(
                        request,
                        _("Publication de la version %(number)s en cours : le PDF est en construction.")
                        % {"number": published.number},
                    )
                if from_admin:
                    return redirect("admin:referential_referentialversion_change", published.pk)
                return redirect(published.get_absolute_url())
    referential = version.referential
    return render(
        request,
        "referential/version_publish.html",
        {
            "referential": referential,
            "version": version,
            "review": review,
            "refusal": refusal,
            "stale": stale,
            "from_admin": from_admin,
            "breadcrumb_data": breadcrumb(
                _("Publier"),
                (referential.get_absolute_url(), referential.code),
                (version.get_absolute_url(), _("Version %(number)s") % {"number": version.number}),
            ),
        },
        status=status,
    )


def editor_home(request):
    """What needs an editor's attention, one panel per kind of thing (``attention``): each app says
    what it lists; this page only lays them out, with an empty state for each."""
    require_editor(request)
    panels = [(panel, panel.rows()) for panel in attention_panels()]
    return render(
        request,
        "referential/editor_home.html",
        {"panels": panels, "breadcrumb_data": breadcrumb(_("Espace éditeurs"))},
    )


REVIEW_ACTIONS = {
    "submit": lambda version, user, note: services.submit_for_validation(version=version, by=user),
    "approve": lambda version, user, note: services.approve_version(version=version, by=user, note=note),
    "request_changes": lambda version, user, note: services.request_changes(version=version, by=user, note=note),
}
REVIEW_DONE = {
    "submit": _("La version %(number)s est soumise à validation."),
    "approve": _("La version %(number)s est approuvée pour publication."),
    "request_changes": _("Des modifications sont demandées sur la version %(number)s."),
}


@require_POST
def version_review(request, slug, number):
    """The validation panel's forms (submit, approve, ask for changes): one service each; the
    refusal, if any, is shown on the version's page."""
    require_editor(request)
    version = queries.version_for(request.user, slug, number)
    action = request.POST.get("action", "")
    if action not in REVIEW_ACTIONS:
        messages.error(request, _("Action de validation inconnue."))
    else:
        try:
            REVIEW_ACTIONS[action](version, request.user, request.POST.get("note", ""))
        except (DomainError, ValidationError) as error:
            add_error_messages(request, error, field_labels={"note": _("Note")})
        else:
            messages.success(request, REVIEW_DONE[action] % {"number": version.number})
    return redirect(services.review_anchor_url(version))


def _export_cache(response, version):
    response["Cache-Control"] = "public, max-age=3600" if version.is_frozen else "private, no-store"
    return response


def version_export(request, slug, number, fmt):
    """The requirements of a version the reader may see, as CSV, XLSX, JSON (the API's shape) or ReqIF."""
    version = queries.version_for(request.user, slug, number)
    if fmt in ("reqif", "reqifz"):
        response = reqif_download(version, zipped=fmt == "reqifz")
    elif fmt == "csv":
        response = exports.version_csv(version)
    elif fmt == "xlsx":
        response = exports.version_xlsx(version)
    else:
        from .api.serializers import VersionDetailSerializer

        version.outline = queries.version_outline(version)
        data = VersionDetailSerializer(version, context={"request": request}).data
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="{exports.export_filename(version, "json")}"'
    return _export_cache(response, version)
