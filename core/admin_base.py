"""What every admin of the project shares: editors only, a change reason on every save, service
refusals shown on the form instead of a 500, and titles that read as French. Every app's admin
builds on it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .audit import shown_reason, stamp
from .errors import DomainError, RecordFrozen
from .roles import is_editor
from .web import error_lines

ADMIN_CHANGE_REASON = _("Modification dans l'administration")
ADMIN_CREATION_REASON = _("Création dans l'administration")


class FrenchTitles:
    """Titles that read as French: « Modifier l'atelier », « Ajouter un atelier », « Ateliers ».

    Django composes its titles from the bare verbose name (« Modification de atelier », « Ajouter
    atelier », « Sélectionnez l'objet atelier à changer »); French needs the article, which depends on
    the word's gender and first letter. Each admin names its object with its articles:
    ``definite_name = _("l'atelier")``, ``indefinite_name = _("un atelier")``
    (``tests/core/test_admin_reads_french.py`` checks that every admin of the project does)."""

    definite_name = None
    indefinite_name = None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if self.definite_name and self.indefinite_name:
            if add:
                title = gettext("Ajouter %(name)s") % {"name": self.indefinite_name}
            elif self.has_change_permission(request, obj):
                title = gettext("Modifier %(name)s") % {"name": self.definite_name}
            else:
                title = gettext("Consulter %(name)s") % {"name": self.definite_name}
            context["title"] = capfirst(title)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def changelist_view(self, request, extra_context=None):
        titles = {"title": capfirst(self.opts.verbose_name_plural)}
        if self.indefinite_name:
            titles["add_label"] = capfirst(gettext("Ajouter %(name)s") % {"name": self.indefinite_name})
        return super().changelist_view(request, {**titles, **(extra_context or {})})


class EditorsOnly:
    """Editors (and superusers) only, on top of Django's model permissions. Also for inlines."""

    def has_module_permission(self, request):
        return is_editor(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_editor(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return is_editor(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return is_editor(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_editor(request.user) and super().has_delete_permission(request, obj)


class EditorAdmin(FrenchTitles, EditorsOnly, SimpleHistoryAdmin):
    """Editors only; every save says why in the history; history is read-only (a revert would
    skip the services); a service that refuses after the form validated puts its reasons on the
    form, with the editor's input kept."""

    # History is for reading: a revert would skip the services and their checks.
    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def set_history_delta_changes(self, request, historical_records, *args, **kwargs):
        super().set_history_delta_changes(request, historical_records, *args, **kwargs)
        # Reasons are stored in French (core.audit); the history page shows them in the reader's language.
        for record in historical_records:
            record.history_change_reason = shown_reason(record.history_change_reason)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form_class

        class FormWithServiceRefusal(form_class):
            def clean(self):
                cleaned_data = super().clean()
                for field, messages_ in error_lines(refusal):
                    self.add_error(field if field in self.fields else None, messages_)
                return cleaned_data

        return FormWithServiceRefusal

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RecordFrozen as error:
            messages.error(request, error.message)
            return redirect(request.get_full_path())
        except (DomainError, ValidationError) as error:
            # The service refused after the form validated (its transaction is rolled back):
            # render the same form again, with the refusal as its errors and the input kept.
            if request.method != "POST" or hasattr(request, "_service_refusal"):
                raise
            request._service_refusal = error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except RecordFrozen as error:
            messages.error(request, error.message)
            return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except RecordFrozen as error:
            messages.error(request, error.message)
            return redirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        stamp(obj, ADMIN_CHANGE_REASON if change else ADMIN_CREATION_REASON)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            stamp(inline_form.instance, ADMIN_CHANGE_REASON)
        super().save_formset(request, form, formset, change)
