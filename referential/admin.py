"""The editors' back office (ANS product owners).

Thin by design: forms parse input, services decide. Three rules shape this file:

- Only editors (group ``editor``, staff) and superusers see these models; Django's model
  permissions still apply on top of the group.
- A frozen version (published or superseded), its chapters, requirements and conformity
  thresholds are shown read-only. Should a write still reach the model, it raises
  ``VersionFrozen``: the admin shows its message instead of an error page.
- Requirements are created, changed and deleted through the services; a hidden
  ``revision`` field lets ``update_requirement`` tell the second of two editors that the
  requirement changed under them. A service refusal becomes an error on the form, with
  the editor's input kept.

History (who, when, what changed, why) comes from django-simple-history. Reverting to an
old record from the history page is disabled: it would bypass the services and the
revision check. To restore an old wording, copy it from the history page into the form.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.sites import NotRegistered
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_base import ADMIN_CHANGE_REASON, FrenchTitles
from core.admin_base import EditorAdmin as BaseEditorAdmin
from core.errors import DomainError
from core.roles import is_editor
from core.web import add_errors_to_form

from . import services
from .models import (
    Actor,
    ConformityThreshold,
    NonConformityLevel,
    Referential,
    ReferentialVersion,
    Requirement,
    Section,
    VersionReview,
    version_sort_key,
)

admin.site.site_header = _("Référentiels MSSanté — espace des éditeurs")
admin.site.site_title = _("Référentiels MSSanté")
admin.site.index_title = _("Administration des référentiels")

# Base classes ------------------------------------------------------------------------------------


class EditorAdmin(BaseEditorAdmin):
    """Editors only; frozen rows are read-only; service refusals become form errors or messages."""

    def is_frozen(self, obj) -> bool:
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and self.is_frozen(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self.is_frozen(obj):
            return False
        return super().has_delete_permission(request, obj)


class VersionContentAdmin(EditorAdmin):
    """Chapters, requirements and thresholds: they freeze with their version."""

    list_select_related = ("version__referential",)

    def is_frozen(self, obj) -> bool:
        # Under consultation the text is frozen too: people are commenting on it.
        return obj.version.is_text_frozen

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("version__referential")

    def view_on_site(self, obj):
        # A requirement has its own page; a chapter or a threshold is read on its version's page.
        return obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else obj.version.get_absolute_url()

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Moving a row to another version is not an edit: it is created in the right one.
        if obj is not None:
            readonly.append("version")
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "version":
            kwargs["queryset"] = editable_versions()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def editable_versions():
    return (
        ReferentialVersion.objects.exclude(status__in=ReferentialVersion.TEXT_FROZEN_STATUSES)
        .select_related("referential")
        .order_by("referential__position", "referential__code", "number")
    )


class FrozenInline(admin.TabularInline):
    """An inline of a version: read-only once the version is frozen."""

    def _editable(self, request, obj):
        return is_editor(request.user) and not (obj is not None and obj.is_text_frozen)

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_delete_permission(request, obj)


# Reference data ----------------------------------------------------------------------------------


@admin.register(Referential)
class ReferentialAdmin(EditorAdmin):
    definite_name = _("le référentiel")
    indefinite_name = _("un référentiel")
    list_display = ("code", "title", "slug", "audience", "position")
    search_fields = ("code", "title", "slug")
    prepopulated_fields = {"slug": ("code",)}


@admin.register(NonConformityLevel)
class NonConformityLevelAdmin(EditorAdmin):
    definite_name = _("le niveau de non-conformité")
    indefinite_name = _("un niveau de non-conformité")
    list_display = ("label", "slug", "rank", "remediation_delay_days")
    search_fields = ("label", "slug")


@admin.register(Actor)
class ActorAdmin(EditorAdmin):
    definite_name = _("l'acteur")
    indefinite_name = _("un acteur")
    list_display = ("label", "slug", "position")
    search_fields = ("label", "slug")

    def get_deleted_objects(self, objs, request):
        # Deleting an actor would silently take it off the requirements of published
        # versions (the link rows cascade without any signal): refuse, naming them.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        frozen = Requirement.objects.filter(
            actors__in=objs, version__status__in=ReferentialVersion.TEXT_FROZEN_STATUSES
        ).select_related("version__referential").distinct()
        protected = list(protected) + [
            _("%(requirement)s (version %(version)s, figée)") % {"requirement": r, "version": r.version}
            for r in frozen
        ]
        return deleted, model_count, perms_needed, protected


# Versions ----------------------------------------------------------------------------------------


class ConformityThresholdInline(FrozenInline):
    model = ConformityThreshold
    extra = 0
    fields = ("level", "max_findings")
    verbose_name = _("seuil de la règle de conformité")
    verbose_name_plural = _("règle de conformité : nombre maximal d'écarts tolérés par niveau")


class StartDraftForm(forms.Form):
    number = forms.CharField(label=_("numéro du nouveau brouillon"), max_length=20)
    change_summary = forms.CharField(label=_("résumé des changements"), widget=forms.Textarea, required=False)


def suggest_next_number(referential: Referential) -> str:
    """The next free minor number after the highest existing one: 1.0 → 1.1, 2.3.1 → 2.4."""
    numbers = list(referential.versions.values_list("number", flat=True))
    if not numbers:
        return "1.0"
    parts = version_sort_key(max(numbers, key=version_sort_key))
    major, minor = parts[0], parts[1] + 1
    while f"{major}.{minor}" in numbers:
        minor += 1
    return f"{major}.{minor}"


@admin.register(ReferentialVersion)
class ReferentialVersionAdmin(EditorAdmin):
    definite_name = _("la version")
    indefinite_name = _("une version")
    list_display = ("referential", "number", "status", "published_at", "content_links", "publication_link")
    list_filter = ("referential", "status")
    list_select_related = ("referential",)
    search_fields = ("number", "referential__code", "referential__title")
    ordering = ("referential__position", "referential__code", "-created_at")
    inlines = [ConformityThresholdInline]
    actions = ["start_draft_action", "publish_action"]
    add_fields = ("referential", "number", "change_summary")
    fieldsets = (
        (None, {"fields": ("referential", "number", "status", "based_on", "change_summary", "content_links")}),
        (
            _("Règle de conformité et échéances"),
            {
                "fields": (
                    "conformity_rule_note",
                    "effective_at",
                    "compliance_deadline",
                    "requires_recommitment",
                )
            },
        ),
        (
            _("Publication"),
            {
                "fields": (
                    "publication_link",
                    "created_at",
                    "published_at",
                    "published_by",
                    "pdf",
                    "pdf_sha256",
                    "pdf_size",
                    "publication_error",
                )
            },
        ),
    )
    # Status, lineage and publication data change only through the services (actions below).
    change_readonly_fields = (
        "referential",
        "number",
        "status",
        "based_on",
        "content_links",
        "publication_link",
        "created_at",
        "published_at",
        "published_by",
        "pdf",
        "pdf_sha256",
        "pdf_size",
        "publication_error",
    )

    def is_frozen(self, obj) -> bool:
        return obj.is_frozen

    def get_queryset(self, request):
        def count(model):
            return Coalesce(
                Subquery(
                    model.objects.filter(version=OuterRef("pk"))
                    .order_by()
                    .values("version")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            )

        return (
            super()
            .get_queryset(request)
            .select_related("referential", "published_by")
            .annotate(section_count=count(Section), requirement_count=count(Requirement))
        )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": self.add_fields}),)
        return self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.status == ReferentialVersion.Status.CONSULTATION:
            # The rule is part of the text under consultation.
            return (*self.change_readonly_fields, "conformity_rule_note")
        return self.change_readonly_fields

    def get_inline_instances(self, request, obj=None):
        # The conformity rule is set once the draft exists.
        return [] if obj is None else super().get_inline_instances(request, obj)

    @admin.display(description=_("contenu"))
    def content_links(self, obj):
        """Links to the filtered changelists: a 300-row inline would be too heavy."""
        query = f"?version__id__exact={obj.pk}"
        sections = getattr(obj, "section_count", None)
        requirements = getattr(obj, "requirement_count", None)
        links = format_html(
            '<a href="{}{}">{}</a> · <a href="{}{}">{}</a>',
            reverse("admin:referential_section_changelist"),
            query,
            _("Chapitres (%(count)s)") % {"count": sections if sections is not None else obj.sections.count()},
            reverse("admin:referential_requirement_changelist"),
            query,
            _("Exigences (%(count)s)")
            % {"count": requirements if requirements is not None else obj.requirements.count()},
        )
        if obj.is_text_frozen:
            return links
        add = f"?version={obj.pk}"
        links = format_html(
            '{} · <a href="{}{}">{}</a> · <a href="{}{}">{}</a>',
            links,
            reverse("admin:referential_section_add"),
            add,
            _("ajouter un chapitre"),
            reverse("admin:referential_requirement_add"),
            add,
            _("ajouter une exigence"),
        )
        if obj.status != ReferentialVersion.Status.DRAFT:
            return links
        kwargs = {"slug": obj.referential.slug, "number": obj.number}
        return format_html(
            '{} · <a href="{}">{}</a> · <a href="{}">{}</a>',
            links,
            reverse("referential:version_import", kwargs=kwargs),
            _("importer un fichier ReqIF, XLSX ou CSV"),
            reverse("referential:draft_workspace", kwargs=kwargs),
            _("modifier le brouillon sur le site"),
        )

    @admin.display(description=_("publication"))
    def publication_link(self, obj):
        """Publishing goes through the confirmation page (the site's, shared with the admin)."""
        if obj.is_frozen:
            return "—"
        return format_html(
            '<a href="{}?depuis=admin">{}</a>', services.publish_page_url(obj), _("Vérifier et publier…")
        )

    def get_urls(self):
        own = [
            path(
                "<int:pk>/nouveau-brouillon/",
                self.admin_site.admin_view(self.start_draft_view),
                name="referential_referentialversion_start_draft",
            ),
        ]
        return own + super().get_urls()

    def start_draft_view(self, request, pk):
        """The start-draft page of one version, as a link: where a refused publication sends the editor."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        source = get_object_or_404(ReferentialVersion.objects.select_related("referential"), pk=pk)
        return self._start_draft_page(request, source, as_action=False)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = services.create_version(
            referential=obj.referential,
            number=obj.number,
            change_summary=obj.change_summary,
            by=request.user,
        )
        obj.pk = created.pk
        obj.created_at = created.created_at
        obj._state.adding = False
        obj._state.db = created._state.db

    @admin.action(
        description=_("Démarrer un nouveau brouillon à partir de cette version (publiée ou en concertation)"),
        permissions=["add"],
    )
    def start_draft_action(self, request, queryset):
        """Asks for the new number on an intermediate page, prefilled with the next free minor number."""
        versions = list(queryset.select_related("referential")[:2])
        sources = (ReferentialVersion.Status.PUBLISHED, ReferentialVersion.Status.CONSULTATION)
        if len(versions) != 1 or versions[0].status not in sources:
            self.message_user(
                request,
                _(
                    "Sélectionnez une seule version, publiée ou en concertation : le brouillon en sera la copie."
                ),
                messages.ERROR,
            )
            return None
        return self._start_draft_page(request, versions[0], as_action=True)

    def _start_draft_page(self, request, source, *, as_action: bool):
        """Asks for the number of the draft to copy from ``source``, then starts it (``services.start_draft``)."""
        if source.status not in (ReferentialVersion.Status.PUBLISHED, ReferentialVersion.Status.CONSULTATION):
            self.message_user(
                request,
                _("Un brouillon se démarre à partir de la version publiée ou d'une version en concertation."),
                messages.ERROR,
            )
            return redirect("admin:referential_referentialversion_change", source.pk)
        if request.method == "POST" and "apply" in request.POST:
            form = StartDraftForm(request.POST)
            if form.is_valid():
                try:
                    draft = services.start_draft(
                        referential=source.referential,
                        number=form.cleaned_data["number"],
                        change_summary=form.cleaned_data["change_summary"],
                        source=source,
                        by=request.user,
                    )
                except (DomainError, ValidationError) as error:
                    add_errors_to_form(form, error)
                else:
                    self.message_user(
                        request,
                        _("Brouillon %(draft)s créé à partir de la version %(number)s.")
                        % {"draft": draft, "number": source.number},
                        messages.SUCCESS,
                    )
                    return redirect("admin:referential_referentialversion_change", draft.pk)
        else:
            form = StartDraftForm(initial={"number": suggest_next_number(source.referential)})
        context = {
            **self.admin_site.each_context(request),
            "title": _("Démarrer un nouveau brouillon"),
            "opts": self.opts,
            "source": source,
            "form": form,
            "as_action": as_action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/referential/referentialversion/start_draft.html", context)

    @admin.action(description=_("Publier (page de confirmation)"), permissions=["change"])
    def publish_action(self, request, queryset):
        """Publishing is deliberate: the action leads to the confirmation page of the one version selected,
        which shows the draft PDF, what stops being in force, every problem and warning, and publishes
        only on an explicit confirmation."""
        versions = list(queryset.select_related("referential")[:2])
        if len(versions) != 1:
            self.message_user(
                request,
                _("Sélectionnez une seule version : chaque publication passe par sa page de confirmation."),
                messages.ERROR,
            )
            return None
        return redirect(f"{services.publish_page_url(versions[0])}?depuis=admin")


@admin.register(ConformityThreshold)
class ConformityThresholdAdmin(VersionContentAdmin):
    definite_name = _("le seuil de conformité")
    indefinite_name = _("un seuil de conformité")
    list_display = ("version", "level", "max_findings")
    list_filter = ("version", "level")
    list_select_related = ("version__referential", "level")


# Chapters and requirements -----------------------------------------------------------------------


class VersionScopedForm(forms.ModelForm):
    """Offers only the chapters of the row's version (or of the version chosen in the URL)."""

    scoped_field = "section"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get(self.scoped_field)
        if field is None:
            return
        version_id = self.instance.version_id or self.data.get("version") or self.initial.get("version")
        if not str(version_id or "").isdigit():
            version_id = None  # nothing chosen yet, or garbage the version field will reject
        sections = Section.objects.select_related("version__referential")
        if version_id:
            field.queryset = sections.filter(version_id=version_id)
            if self.instance.pk and self.scoped_field == "parent":
                field.queryset = field.queryset.exclude(pk=self.instance.pk)
        else:
            field.queryset = sections.exclude(version__status__in=ReferentialVersion.TEXT_FROZEN_STATUSES)
            field.label_from_instance = lambda section: f"{section.version} · {section.title}"


class SectionAdminForm(VersionScopedForm):
    scoped_field = "parent"


@admin.register(Section)
class SectionAdmin(VersionContentAdmin):
    definite_name = _("le chapitre")
    indefinite_name = _("un chapitre")
    form = SectionAdminForm
    list_display = ("title", "version", "parent", "position")
    list_filter = ("version",)
    search_fields = ("title", "intro")
    list_select_related = ("version__referential", "parent")
    ordering = ("version", "parent_id", "position", "id")
    fields = ("version", "parent", "position", "title", "intro", "origin")

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "origin"]


class RequirementAdminForm(VersionScopedForm):
    change_reason = forms.CharField(
        label=_("motif de la modification"),
        required=False,
        max_length=100,
        help_text=_("Apparaît dans l'historique de l'exigence."),
    )

    class Meta:
        model = Requirement
        fields = "__all__"
        widgets = {"revision": forms.HiddenInput}


@admin.register(Requirement)
class RequirementAdmin(VersionContentAdmin):
    definite_name = _("l'exigence")
    indefinite_name = _("une exigence")
    form = RequirementAdminForm
    list_display = ("key", "title", "version", "section", "level")
    list_filter = ("version", "level", "actors")
    search_fields = ("key", "title", "statement")
    list_select_related = ("version__referential", "section", "level")
    ordering = ("version", "position", "id")
    filter_horizontal = ("actors",)
    # Fields handed to the services; actors are set by them too (see save_related).
    service_fields = (
        "section", "key", "title", "statement", "level", "actors",
        "verification_method", "compliance_deadline", "position",
    )

    def get_fieldsets(self, request, obj=None):
        main = ["version", "section", "key", "title", "statement"]
        classification = ["actors", "level", "verification_method", "compliance_deadline", "position"]
        if obj is None or obj.version.is_text_frozen:
            fieldsets = [(None, {"fields": main}), (_("Classement"), {"fields": classification})]
            if obj is not None:
                fieldsets.append((_("Traçabilité"), {"fields": ["origin"]}))
            return fieldsets
        return (
            (None, {"fields": main}),
            (_("Classement"), {"fields": classification}),
            (_("Traçabilité"), {"fields": ["origin", "change_reason", "revision"]}),
        )

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "origin"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and "position" in form_class.base_fields:
            # Left empty, the service puts the requirement after the last one.
            form_class.base_fields["position"].required = False
            form_class.base_fields["position"].initial = None
        return form_class

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in self.service_fields if name in form.cleaned_data}
        if change:
            saved = services.update_requirement(
                requirement=obj,
                **data,
                by=request.user,
                expected_revision=form.cleaned_data.get("revision"),
                reason=form.cleaned_data.get("change_reason") or ADMIN_CHANGE_REASON,
            )
        else:
            saved = services.create_requirement(version=form.cleaned_data["version"], **data, by=request.user)
        # The admin logs and redirects with the object it holds: give it the saved identity.
        obj.pk = saved.pk
        obj.position = saved.position
        obj.revision = saved.revision
        obj._state.adding = False
        obj._state.db = saved._state.db

    def save_related(self, request, form, formsets, change):
        # The service already set the actors; there are no inlines.
        pass

    def delete_model(self, request, obj):
        services.delete_requirement(requirement=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for requirement in queryset:
                services.delete_requirement(requirement=requirement, by=request.user)


# Users: who is editor, who is contributor --------------------------------------------------------

User = get_user_model()
try:
    admin.site.unregister(User)
except NotRegistered:
    pass


@admin.register(VersionReview)
class VersionReviewAdmin(EditorAdmin):
    """Rounds of validation, for reading: they are opened and decided on the version's page, through
    the services (``submit_for_validation``, ``approve_version``, ``request_changes``)."""

    definite_name = _("la validation de version")
    indefinite_name = _("une validation de version")
    list_display = ("version", "state", "submitted_by", "submitted_at", "decided_by", "decided_at")
    list_filter = ("state", "version__referential")
    list_select_related = ("version__referential", "submitted_by", "decided_by")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def view_on_site(self, obj):
        return obj.version.get_absolute_url() + "#validation"


@admin.register(User)
class RoleAwareUserAdmin(FrenchTitles, UserAdmin):
    definite_name = _("l'utilisateur")
    indefinite_name = _("un utilisateur")
    list_display = (*UserAdmin.list_display, "group_names")
    # UserAdmin already filters by group, staff status, superuser status and activity.

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("groupes"))
    def group_names(self, obj):
        return ", ".join(group.name for group in obj.groups.all()) or "—"
