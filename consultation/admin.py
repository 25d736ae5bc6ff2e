"""Back office for consultations: opening, extending and closing go through the services; comments and
answers are read here with their history and answered on the consultation's dashboard."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.admin_base import EditorAdmin as HistoryReasonAdmin
from core.errors import DomainError

from . import services
from .forms import OpenConsultationForm
from .models import Answer, Comment, Consultation

#
# Opening, extending and closing a consultation go through the services. Comments and answers are read
# here, with their history; editors answer and moderate them on the consultation's dashboard, which
# calls the services too. Nothing is deletable: a consultation, a comment or an answer is on record.


class ConsultationChangeForm(forms.ModelForm):
    class Meta:
        model = Consultation
        fields = ["closes_at"]
        help_texts = {"closes_at": _("Heure de Paris. Seul un report est possible : pour clore tout de suite, utilisez l'action « Clore maintenant ».")}


@admin.register(Consultation)
class ConsultationAdmin(HistoryReasonAdmin):
    definite_name = _("la concertation")
    indefinite_name = _("une concertation")
    list_display = ("__str__", "version", "opens_at", "closes_at", "phase", "synthesis_published_at")
    list_select_related = ("version__referential",)
    list_filter = ("version__referential",)
    search_fields = ("title", "version__number", "version__referential__code")
    actions = ("close_now",)
    add_fieldsets = ((None, {"fields": ("version", "title", "opens_at", "closes_at")}),)
    fieldsets = (
        (None, {"fields": ("version", "title", "opens_at", "closes_at", "opened_by", "created_at")}),
        (_("Synthèse"), {"fields": ("synthesis_published_at", "synthesis_intro")}),
        (_("Suivi"), {"fields": ("dashboard_link",)}),
    )
    change_readonly_fields = (
        "version", "title", "opens_at", "opened_by", "created_at", "synthesis_published_at", "synthesis_intro", "dashboard_link",
    )

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.change_readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ConsultationChangeForm if obj is not None else OpenConsultationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = services.open_consultation(
                version=data["version"], opens_at=data["opens_at"], closes_at=data["closes_at"], by=request.user, title=data["title"]
            )
            obj.pk, obj.created_at, obj.opened_by = created.pk, created.created_at, created.opened_by
            obj._state.adding = False
            obj._state.db = created._state.db
        elif "closes_at" in form.changed_data:
            services.extend_consultation(consultation=obj, closes_at=data["closes_at"], by=request.user)

    @admin.display(description=_("état"))
    def phase(self, obj):
        from consultation.queries import consultation_phase

        return {"upcoming": _("À venir"), "open": _("Ouverte"), "closed": pgettext_lazy("concertation terminée", "Close")}[consultation_phase(obj)]

    @admin.display(description=_("tableau de bord"))
    def dashboard_link(self, obj):
        url = reverse("consultation:consultation_dashboard", kwargs={"pk": obj.pk})
        return format_html('<a href="{}">{}</a>', url, _("Commentaires, réponses et modération"))

    def view_on_site(self, obj):
        return obj.get_absolute_url()

    @admin.action(description=_("Clore maintenant les concertations sélectionnées"), permissions=["change"])
    def close_now(self, request, queryset):
        for consultation in queryset.select_related("version__referential"):
            try:
                services.close_consultation_now(consultation=consultation, by=request.user)
            except DomainError as error:
                messages.error(request, f"{consultation} : {error.message}")
            else:
                messages.success(request, _("%(consultation)s est close.") % {"consultation": consultation})


class ReadOnlyRecordAdmin(HistoryReasonAdmin):
    """Comments and answers: read here, changed through the services only, never deleted."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(ReadOnlyRecordAdmin):
    definite_name = _("le commentaire")
    indefinite_name = _("un commentaire")
    list_display = ("__str__", "consultation", "target", "kind", "organisation", "author", "status", "created_at")
    list_select_related = ("consultation__version__referential", "requirement", "section", "organisation", "author")
    list_filter = ("status", "kind", "organisation__kind", "consultation")
    search_fields = ("body", "proposed_wording", "requirement__key", "organisation__name", "author__username")
    date_hierarchy = "created_at"
    fields = (
        "consultation", "requirement", "section", "kind", "body", "proposed_wording", "author", "organisation",
        "status", "hidden_reason", "created_at", "updated_at",
    )

    @admin.display(description=_("objet"))
    def target(self, obj):
        return obj.target_label

    def view_on_site(self, obj):
        url = reverse("consultation:consultation_dashboard", kwargs={"pk": obj.consultation_id})
        return f"{url}#commentaire-{obj.pk}"


@admin.register(Answer)
class AnswerAdmin(ReadOnlyRecordAdmin):
    definite_name = _("la réponse de l'ANS")
    indefinite_name = _("une réponse de l'ANS")
    list_display = ("__str__", "decision", "carried_by", "answered_by", "answered_at")
    list_select_related = ("comment", "carried_by__version__referential", "answered_by")
    list_filter = ("decision",)
    search_fields = ("body",)
    fields = ("comment", "decision", "body", "carried_by", "answered_by", "answered_at")

    def view_on_site(self, obj):
        url = reverse("consultation:consultation_dashboard", kwargs={"pk": obj.comment.consultation_id})
        return f"{url}#commentaire-{obj.comment_id}"
