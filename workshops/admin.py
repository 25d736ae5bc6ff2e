"""Back office for workshop minutes: the workshop with its documents, agenda, participants and RIDA
items as inlines; publication and action status go through the services (admin actions and the
action tracker), never through a plain field edit."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_base import EditorAdmin as HistoryReasonAdmin
from core.admin_base import EditorsOnly
from core.errors import DomainError

from . import services
from .models import (
    AgendaItem,
    Participant,
    RidaItem,
    RidaRequirementLink,
    Workshop,
    WorkshopDocument,
)


class WorkshopDocumentInline(EditorsOnly, admin.TabularInline):
    model = WorkshopDocument
    extra = 0
    fields = ("position", "title", "reference")


class AgendaItemInline(EditorsOnly, admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ("position", "parent", "label")
    verbose_name_plural = _("ordre du jour (un sous-point désigne son point parent)")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        parent_field = formset.form.base_fields.get("parent")
        if parent_field is not None:
            parent_field.queryset = (
                AgendaItem.objects.filter(workshop=obj, parent=None) if obj else AgendaItem.objects.none()
            )
        return formset


class ParticipantInline(EditorsOnly, admin.TabularInline):
    model = Participant
    extra = 0
    fields = ("position", "last_name", "first_name", "entity", "function", "is_organiser")


class RidaItemInline(EditorsOnly, admin.StackedInline):
    model = RidaItem
    extra = 0
    fields = (("number", "nature"), "object", "question", "answer", ("owner", "due_on"), "action_status")
    readonly_fields = ("action_status",)
    show_change_link = True
    classes = ("collapse",)


@admin.register(Workshop)
class WorkshopAdmin(HistoryReasonAdmin):
    definite_name = _("l'atelier")
    indefinite_name = _("un atelier")
    list_display = ("number", "title", "held_on", "kind", "status")
    list_display_links = ("number", "title")
    list_filter = ("status", "kind", "referentials")
    search_fields = ("title", "organiser", "writer", "summary")
    date_hierarchy = "held_on"
    readonly_fields = ("status", "published_at", "created_at")
    filter_horizontal = ("referentials",)
    fieldsets = (
        (None, {"fields": ("number", "title", "held_on", "kind", "referentials")}),
        (_("Rédaction"), {"fields": ("organiser", "writer", "writer_entity")}),
        (_("Compte-rendu synthétique"), {"fields": ("agenda_intro", "summary")}),
        (_("Publication"), {"fields": ("status", "published_at", "created_at")}),
    )
    inlines = (WorkshopDocumentInline, ParticipantInline, AgendaItemInline, RidaItemInline)
    actions = ("publish", "unpublish")

    def view_on_site(self, obj):
        return obj.get_absolute_url()

    @admin.action(description=_("Publier les comptes-rendus sélectionnés"))
    def publish(self, request, queryset):
        self._transition(request, queryset, services.publish_workshop)

    @admin.action(description=_("Retirer de la publication"))
    def unpublish(self, request, queryset):
        self._transition(request, queryset, services.unpublish_workshop)

    def _transition(self, request, queryset, service):
        done = 0
        for workshop in queryset:
            try:
                service(workshop=workshop, by=request.user)
                done += 1
            except DomainError as error:
                messages.error(request, f"{workshop} : {error.message}")
        if done:
            messages.success(
                request, ngettext("%(count)s compte-rendu mis à jour.", "%(count)s comptes-rendus mis à jour.", done) % {"count": done}
            )


class RidaRequirementLinkInline(EditorsOnly, admin.TabularInline):
    model = RidaRequirementLink
    extra = 1
    fields = ("referential", "requirement_key")


@admin.register(RidaItem)
class RidaItemAdmin(HistoryReasonAdmin):
    definite_name = _("l'item RIDA")
    indefinite_name = _("un item RIDA")
    list_display = ("workshop", "number", "nature", "object", "action_status", "owner", "due_on")
    list_display_links = ("number", "object")
    list_filter = ("nature", "action_status", "workshop")
    list_select_related = ("workshop",)
    search_fields = ("object", "question", "answer", "owner")
    readonly_fields = ("action_status", "closing_note", "created_at")
    fields = (
        "workshop",
        ("number", "nature"),
        "object",
        "question",
        "answer",
        ("owner", "due_on"),
        ("action_status", "closing_note"),
        "created_at",
    )
    inlines = (RidaRequirementLinkInline,)

    def view_on_site(self, obj):
        return obj.get_absolute_url()
