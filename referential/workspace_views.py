"""The editors' workspace: a draft's chapters and requirements as a tree to edit on the site.

Every action is a plain form (POST, then a redirect back to the tree), so all of it works without
JavaScript; ``static/referential/draft_workspace.js`` only adds drag and drop, a Markdown toolbar
and a live preview on top. Every change goes through ``services``: these views parse, call, and
show the refusal the service gave.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import get_language, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.audit import shown_reason
from core.errors import DomainError
from core.markdown import render_markdown
from core.typography import TYPESET_CLOSE, TYPESET_OPEN, french_text, is_french
from core.web import add_error_messages, add_errors_to_form, breadcrumb, require_editor

from . import queries, services
from .errors import ConcurrentEdit
from .markdown_redline import markdown_redline
from .models import Actor, NonConformityLevel, ReferentialVersion, Requirement, Section, frozen_text_error

FIELD_LABELS = {
    "key": gettext_lazy("Clé"),
    "title": gettext_lazy("Titre"),
    "statement": gettext_lazy("Énoncé"),
    "section": gettext_lazy("Chapitre"),
    "level": gettext_lazy("Niveau de non-conformité"),
    "verification_method": gettext_lazy("Méthode de vérification"),
    "compliance_deadline": gettext_lazy("Échéance de mise en conformité"),
}

# The most a preview renders: a statement is a few paragraphs, not a book.
PREVIEW_MAX_CHARS = 50_000


# Access --------------------------------------------------------------------------------------------


def _version(request, slug, number) -> ReferentialVersion:
    """The version, for editors only (others get 403, as on the other editors' pages)."""
    require_editor(request)
    return queries.version_for(request.user, slug, number)


def _workspace_url(version: ReferentialVersion, anchor: str = "") -> str:
    url = reverse("referential:draft_workspace", kwargs={"slug": version.referential.slug, "number": version.number})
    return f"{url}#{anchor}" if anchor else url


def _back(version, anchor: str = ""):
    return redirect(_workspace_url(version, anchor))


def _section_of(version, pk) -> Section:
    return get_object_or_404(Section, pk=pk, version=version)


def _requirement_of(version, pk) -> Requirement:
    return get_object_or_404(Requirement.objects.select_related("version", "section"), pk=pk, version=version)


def _refused(request, error) -> None:
    add_error_messages(request, error, field_labels=FIELD_LABELS)


def _chapter_choices(version) -> list[tuple[int, str]]:
    outline = queries.version_outline(version, requirements=[])
    return [(node.section.pk, f"{node.number}. {node.section.title}") for node in outline.walk()]


# Forms ---------------------------------------------------------------------------------------------


class _IdsField(forms.ModelMultipleChoiceField):
    """Django looks each posted id up as is: on SQLite an id beyond 64 bits raises OverflowError (a
    500), so ids that no row can have are refused as invalid choices first."""

    def _check_values(self, value):
        for pk in value:
            if not str(pk).isdigit() or len(str(pk)) > 18:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)



class SectionAddForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titre du nouveau chapitre"), max_length=250)
    parent = forms.TypedChoiceField(
        label=gettext_lazy("Placé dans"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, chapters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("— au premier niveau —")), *chapters]


class RequirementAddForm(forms.Form):
    section = forms.TypedChoiceField(label=gettext_lazy("Chapitre"), coerce=int)
    key = forms.CharField(label=gettext_lazy("Clé"), max_length=40, help_text=gettext_lazy("Par exemple « MSS 17 »."))
    title = forms.CharField(label=gettext_lazy("Titre"), max_length=250)
    statement = forms.CharField(label=gettext_lazy("Énoncé (Markdown)"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, chapters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = chapters


class RequirementEditForm(forms.Form):
    key = forms.CharField(
        label=gettext_lazy("Clé"),
        max_length=40,
        help_text=gettext_lazy("La changer renumérote l'exigence : la comparaison la dira renumérotée, pas remplacée."),
    )
    title = forms.CharField(label=gettext_lazy("Titre"), max_length=250)
    statement = forms.CharField(
        label=gettext_lazy("Énoncé"),
        help_text=gettext_lazy("Markdown. Employez DOIT, NE DOIT PAS, DEVRAIT, PEUT."),
        widget=forms.Textarea(attrs={"rows": 12, "data-markdown-editor": ""}),
    )
    level = forms.ModelChoiceField(
        label=gettext_lazy("Niveau de non-conformité"), queryset=NonConformityLevel.objects.all(), required=False
    )
    actors = _IdsField(
        label=gettext_lazy("Acteurs"), queryset=Actor.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    verification_method = forms.CharField(label=gettext_lazy("Méthode de vérification"), max_length=250, required=False)
    compliance_deadline = forms.DateField(
        label=gettext_lazy("Échéance de mise en conformité"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)


class BulkForm(forms.Form):
    ACTIONS = [
        ("level", gettext_lazy("Changer le niveau")),
        ("actors", gettext_lazy("Changer les acteurs")),
        ("move", gettext_lazy("Déplacer vers le chapitre")),
        ("delete", gettext_lazy("Supprimer")),
    ]
    action = forms.ChoiceField(label=gettext_lazy("Action"), choices=ACTIONS)
    selection = forms.TypedMultipleChoiceField(coerce=int)
    level = forms.ModelChoiceField(
        label=gettext_lazy("Nouveau niveau"), queryset=NonConformityLevel.objects.all(), required=False,
        empty_label=gettext_lazy("— aucun niveau —"),
    )
    actors = _IdsField(
        label=gettext_lazy("Nouveaux acteurs"), queryset=Actor.objects.all(), required=False
    )
    section = forms.TypedChoiceField(label=gettext_lazy("Chapitre de destination"), coerce=int, required=False,
                                     empty_value=None)

    def __init__(self, *args, chapters, requirement_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [("", "—"), *chapters]
        self.fields["selection"].choices = [(pk, pk) for pk in requirement_ids]
        self.fields["selection"].error_messages["required"] = _("Cochez au moins une exigence.")

    def clean(self):
        data = super().clean()
        if data.get("action") == "move" and not data.get("section"):
            self.add_error("section", _("Choisissez le chapitre de destination."))
        return data


# The tree -----------------------------------------------------------------------------------------


class _RowRenderer:
    """One requirement's row of the tree, as HTML. A draft of 300 requirements has 300 rows, each
    with its forms: built here with ``format_html`` (escaped), its words translated once, so the
    page answers in well under half a second where the template engine took seconds."""

    ROW = (
        '<li class="draft-requirement" id="exigence-{pk}" data-requirement="{pk}">'
        '<div class="fr-checkbox-group fr-checkbox-group--sm draft-requirement__pick">'
        '<input type="checkbox" id="choix-{pk}" name="selection" value="{pk}" form="selection-form">'
        '<label class="fr-label" for="choix-{pk}"><span class="fr-sr-only">{pick} </span>{key}</label></div>'
        '<div class="draft-requirement__body"><a class="fr-link" href="{url}{pk}/">{title}'
        '<span class="fr-sr-only"> — {edit} {key}</span></a>{level}</div>'
        '<form method="post" action="{url}{pk}/deplacer/" class="draft-inline-form draft-requirement__actions">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">{up}{down}'
        '<label class="fr-sr-only" for="vers-{pk}">{where} {key}</label>'
        '<select class="fr-select fr-select--sm" id="vers-{pk}" name="section">{options}</select>'
        '<button class="fr-btn fr-btn--sm fr-btn--tertiary" name="action" value="move">{move}'
        '<span class="fr-sr-only"> {key}</span></button></form></li>'
    )
    BUTTON = (
        '<button class="fr-btn fr-btn--sm fr-btn--tertiary" name="action" value="{}">{}'
        '<span class="fr-sr-only"> {}</span></button>'
    )

    def __init__(self, *, edit_url: str, chapter_options: str, csrf_token: str):
        # French rows are typeset here, their few words only, and marked so that the page's
        # typography middleware does not read 300 rows of markup again (``typeset_fragment``).
        self.french = is_french(get_language())
        self.common = {
            "url": edit_url,
            "options": chapter_options,
            "csrf": csrf_token,
            "pick": _("Sélectionner"),
            "edit": _("modifier"),
            "where": _("Chapitre de destination de"),
            "move": _("Déplacer vers…"),
        }
        self.up, self.down = _("Monter"), _("Descendre")

    def text(self, text: str) -> str:
        return french_text(text) if self.french else text

    def rows(self, requirements: list[Requirement]) -> str:
        count = len(requirements)
        html = "".join(self(r, first=index == 0, last=index == count - 1) for index, r in enumerate(requirements))
        if self.french and html:
            html = TYPESET_OPEN + html + TYPESET_CLOSE
        return mark_safe(html)  # noqa: S308 — each row is built by format_html

    def __call__(self, requirement: Requirement, *, first: bool, last: bool) -> str:
        level = requirement.level
        return format_html(
            self.ROW,
            pk=requirement.pk,
            key=requirement.key,
            title=self.text(requirement.title),
            level=(
                format_html(' <span class="fr-text--xs draft-requirement__level">{}</span>', self.text(level.label))
                if level else ""
            ),
            up="" if first else format_html(self.BUTTON, "up", self.up, requirement.key),
            down="" if last else format_html(self.BUTTON, "down", self.down, requirement.key),
            **self.common,
        )



@require_http_methods(["GET"])
def draft_workspace(request, slug, number):
    """The draft's chapters and requirements as a tree, each with its actions; a constant number of
    queries whatever the number of requirements."""
    version = _version(request, slug, number)
    referential = version.referential
    context = {
        "referential": referential,
        "version": version,
        "breadcrumb_data": breadcrumb(
            _("Modifier le brouillon"),
            (referential.get_absolute_url(), referential.code),
            (version.get_absolute_url(), _("Version %(number)s") % {"number": version.number}),
        ),
    }
    if version.status != ReferentialVersion.Status.DRAFT:
        context["refusal"] = frozen_text_error(version.status).message
        return render(request, "referential/draft_workspace.html", context, status=409)
    # The tree shows no actors: they are not read (a constant number of queries, whatever the size).
    outline = queries.version_outline(
        version, requirements=version.requirements.select_related("level").order_by("position", "id")
    )
    nodes = list(outline.walk())
    chapters = [(node.section.pk, f"{node.number}. {node.section.title}") for node in nodes]
    # Shared by the rows of a large draft: built once, not once per row.
    chapter_options = format_html_join(
        "", '<option value="{}">{}</option>', [("", _("— choisir un chapitre —")), *chapters]
    )
    edit_url = reverse("referential:draft_requirement_add", kwargs={"slug": referential.slug, "number": version.number})
    row = _RowRenderer(edit_url=edit_url, chapter_options=chapter_options, csrf_token=get_token(request))
    for node in nodes:
        node.heading_level = min(node.depth + 1, 6)
        siblings = outline.roots if node.section.parent_id is None else outline.by_section_id[node.section.parent_id].children
        node.is_first = siblings[0] is node
        node.is_last = siblings[-1] is node
        node.rows_html = row.rows(node.requirements)
    requirement_ids = [r.pk for r in outline.requirements()]
    context.update(
        chapter_options=chapter_options,
        edit_url=edit_url,
        nodes=nodes,
        chapters=chapters,
        requirement_count=len(requirement_ids),
        section_form=SectionAddForm(chapters=chapters, auto_id="chapitre-%s"),
        requirement_form=RequirementAddForm(chapters=chapters, auto_id="exigence-%s") if chapters else None,
        bulk_form=BulkForm(chapters=chapters, requirement_ids=requirement_ids, auto_id="lot-%s"),
    )
    return render(request, "referential/draft_workspace.html", context)


@require_POST
def draft_section_add(request, slug, number):
    version = _version(request, slug, number)
    form = SectionAddForm(request.POST, chapters=_chapter_choices(version))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(version)
    parent = _section_of(version, form.cleaned_data["parent"]) if form.cleaned_data["parent"] else None
    try:
        section = services.create_section(version=version, title=form.cleaned_data["title"], parent=parent, by=request.user)
    except (DomainError, ValidationError) as error:
        _refused(request, error)
        return _back(version)
    messages.success(request, _("Chapitre « %(title)s » ajouté.") % {"title": section.title})
    return _back(version, f"chapitre-{section.pk}")


@require_POST
def draft_section(request, slug, number, pk):
    """One chapter's actions: rename, move up or down among its siblings, delete when empty."""
    version = _version(request, slug, number)
    section = _section_of(version, pk)
    action = request.POST.get("action")
    try:
        if action == "rename":
            section = services.rename_section(section=section, title=request.POST.get("title", ""), by=request.user)
            messages.success(request, _("Chapitre renommé « %(title)s ».") % {"title": section.title})
        elif action in ("up", "down"):
            services.shift_section(section=section, offset=-1 if action == "up" else 1, by=request.user)
        elif action == "delete":
            services.delete_section(section=section, by=request.user)
            messages.success(request, _("Chapitre « %(title)s » supprimé.") % {"title": section.title})
            return _back(version)
        else:
            messages.error(request, _("Action inconnue."))
    except (DomainError, ValidationError) as error:
        _refused(request, error)
    return _back(version, f"chapitre-{section.pk}")


@require_POST
def draft_requirement_add(request, slug, number):
    version = _version(request, slug, number)
    form = RequirementAddForm(request.POST, chapters=_chapter_choices(version))
    if not form.is_valid():
        for name, errors in form.errors.items():
            for error in errors:
                label = FIELD_LABELS.get(name)
                messages.error(request, f"{label} : {error}" if label else error)
        return _back(version)
    data = form.cleaned_data
    try:
        requirement = services.create_requirement(
            version=version,
            section=_section_of(version, data["section"]),
            key=data["key"],
            title=data["title"],
            statement=data["statement"],
            by=request.user,
        )
        # Added last of its chapter, whatever the positions of the others.
        requirement = services.place_requirement(requirement=requirement, section=requirement.section, by=request.user)
    except (DomainError, ValidationError) as error:
        _refused(request, error)
        return _back(version)
    messages.success(request, _("Exigence %(key)s ajoutée.") % {"key": requirement.key})
    return _back(version, f"exigence-{requirement.pk}")


@require_POST
def draft_requirement_move(request, slug, number, pk):
    """Move a requirement: one place up or down in its chapter (``action`` up/down), into another
    chapter (``action`` move with ``section``), or before another requirement (``before``, what
    drag and drop sends, with ``section``)."""
    version = _version(request, slug, number)
    requirement = _requirement_of(version, pk)
    action = request.POST.get("action")
    try:
        if action in ("up", "down"):
            requirement = services.shift_requirement(
                requirement=requirement, offset=-1 if action == "up" else 1, by=request.user
            )
        elif action in ("move", "drop") and not _int(request.POST.get("section")):
            messages.error(request, _("Choisissez le chapitre de destination."))
        elif action in ("move", "drop"):
            section = _section_of(version, _int(request.POST.get("section")))
            before_id = _int(request.POST.get("before"))
            before = _requirement_of(version, before_id) if before_id else None
            requirement = services.place_requirement(
                requirement=requirement, section=section, before=before, by=request.user
            )
            if action == "move":
                messages.success(
                    request,
                    _("Exigence %(key)s déplacée vers « %(title)s ».") % {"key": requirement.key, "title": section.title},
                )
        else:
            messages.error(request, _("Action inconnue."))
    except (DomainError, ValidationError) as error:
        _refused(request, error)
    return _back(version, f"exigence-{requirement.pk}")


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@require_POST
def draft_bulk(request, slug, number):
    """One action on the checked requirements: change level, change actors, move, delete."""
    version = _version(request, slug, number)
    ids = list(version.requirements.values_list("pk", flat=True))
    form = BulkForm(request.POST, chapters=_chapter_choices(version), requirement_ids=ids)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(version, "selection")
    data = form.cleaned_data
    selected = list(version.requirements.select_related("version").filter(pk__in=data["selection"]))
    count = len(selected)
    try:
        if data["action"] == "delete":
            services.delete_requirements(requirements=selected, by=request.user)
            messages.success(request, _("%(count)d exigence(s) supprimée(s).") % {"count": count})
        elif data["action"] == "level":
            services.bulk_change_requirements(requirements=selected, level=data["level"], by=request.user)
            messages.success(request, _("Niveau changé pour %(count)d exigence(s).") % {"count": count})
        elif data["action"] == "actors":
            services.bulk_change_requirements(requirements=selected, actors=data["actors"], by=request.user)
            messages.success(request, _("Acteurs changés pour %(count)d exigence(s).") % {"count": count})
        else:
            section = _section_of(version, data["section"])
            services.bulk_change_requirements(requirements=selected, section=section, by=request.user)
            messages.success(
                request,
                _("%(count)d exigence(s) déplacée(s) vers « %(title)s ».") % {"count": count, "title": section.title},
            )
    except (DomainError, ValidationError) as error:
        _refused(request, error)
    return _back(version, "selection")


# One requirement's editor -------------------------------------------------------------------------


def _initial(requirement: Requirement) -> dict:
    return {
        "key": requirement.key,
        "title": requirement.title,
        "statement": requirement.statement,
        "level": requirement.level_id,
        "actors": [a.pk for a in requirement.actors.all()],
        "verification_method": requirement.verification_method,
        "compliance_deadline": requirement.compliance_deadline,
        "revision": requirement.revision,
    }


def _other_change(requirement: Requirement, seen_revision: int) -> dict:
    """What another editor changed since ``seen_revision``: who, when, and the statement's redline
    from the text that was opened to the text stored now."""
    records = list(requirement.history.select_related("history_user").order_by("-history_date")[:50])
    latest = records[0] if records else None
    seen = next((r for r in records if r.revision == seen_revision), None)
    seen_statement = seen.statement if seen is not None else requirement.statement
    changed = []
    if seen is not None:
        changed = [
            label for name, label in FIELD_LABELS.items()
            if name not in ("section",) and getattr(seen, f"{name}_id" if name == "level" else name) !=
            getattr(requirement, f"{name}_id" if name == "level" else name)
        ]
    return {
        "by": latest.history_user if latest else None,
        "at": latest.history_date if latest else None,
        "reason": shown_reason(latest.history_change_reason) if latest else "",
        "fields": changed,
        "redline": markdown_redline(seen_statement, requirement.statement),
    }


def _save(requirement: Requirement, data: dict, *, by) -> Requirement:
    # A new key is a renumbering (its own history reason), then the other fields, in one transaction.
    if data["key"] != requirement.key:
        requirement = services.renumber_requirement(
            requirement=requirement, key=data["key"], expected_revision=data["revision"], by=by
        )
        data = {**data, "revision": requirement.revision}
    return services.update_requirement(
        requirement=requirement,
        expected_revision=data["revision"],
        title=data["title"],
        statement=data["statement"],
        level=data["level"],
        actors=data["actors"],
        verification_method=data["verification_method"],
        compliance_deadline=data["compliance_deadline"],
        by=by,
    )


@require_http_methods(["GET", "POST"])
def draft_requirement_edit(request, slug, number, pk):
    """A requirement of the draft in an editor: the Markdown text with a toolbar and a preview, the
    previous version's text beside it with the redline, and its fields. Saving checks the
    revision the editor opened: a stale save is refused, showing what the other editor changed."""
    version = _version(request, slug, number)
    referential = version.referential
    requirement = get_object_or_404(
        Requirement.objects.select_related("version", "section", "level", "origin__version").prefetch_related("actors"),
        pk=pk,
        version=version,
    )
    status = 200
    other_change = None
    preview = None
    if version.status != ReferentialVersion.Status.DRAFT:
        messages.error(request, frozen_text_error(version.status).message)
        return redirect(requirement.get_absolute_url())
    if request.method == "POST":
        form = RequirementEditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if request.POST.get("action") == "preview":
                preview = render_markdown(data["statement"])
            else:
                try:
                    with transaction.atomic():
                        requirement = _save(requirement, data, by=request.user)
                except ConcurrentEdit as error:
                    requirement.refresh_from_db()
                    other_change = _other_change(requirement, data["revision"])
                    # The editor's text stays in the form; saving again now overwrites knowingly.
                    posted = request.POST.copy()
                    posted["revision"] = requirement.revision
                    form = RequirementEditForm(posted)
                    form.is_valid()
                    form.add_error(None, error.message)
                    status = 409
                except (DomainError, ValidationError) as error:
                    add_errors_to_form(form, error)
                    status = 409 if isinstance(error, DomainError) else 400
                else:
                    messages.success(request, _("Exigence %(key)s enregistrée.") % {"key": requirement.key})
                    if request.POST.get("action") == "save_and_return":
                        return _back(version, f"exigence-{requirement.pk}")
                    return redirect(
                        "referential:draft_requirement_edit", slug=slug, number=number, pk=requirement.pk
                    )
        else:
            status = 400
    else:
        form = RequirementEditForm(initial=_initial(requirement))
    origin = requirement.origin
    statement = form["statement"].value() or ""
    return render(
        request,
        "referential/draft_requirement.html",
        {
            "referential": referential,
            "version": version,
            "requirement": requirement,
            "form": form,
            "preview": preview if preview is not None else render_markdown(statement),
            "origin": origin,
            "redline": markdown_redline(origin.statement, statement) if origin is not None else None,
            "other_change": other_change,
            "breadcrumb_data": breadcrumb(
                requirement.key,
                (referential.get_absolute_url(), referential.code),
                (version.get_absolute_url(), _("Version %(number)s") % {"number": version.number}),
                (_workspace_url(version), _("Modifier le brouillon")),
            ),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def markdown_preview(request, slug, number):
    """The HTML fragment of a Markdown text, through the one render function (sanitised): what the
    editor's live preview shows. ``texte`` in the query (GET) or the form (POST); with ``depuis`` (a
    requirement of the same referential), the redline from its text to ``texte`` instead."""
    version = _version(request, slug, number)
    source = request.POST if request.method == "POST" else request.GET
    text = (source.get("texte") or "")[:PREVIEW_MAX_CHARS]
    since = _int(source.get("depuis"))
    if since:
        # The redline from a requirement of this referential (the previous version's) to the text.
        previous = get_object_or_404(Requirement, pk=since, version__referential_id=version.referential_id)
        html = markdown_redline(previous.statement, text)
    else:
        html = render_markdown(text)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
