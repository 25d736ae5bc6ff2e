"""Self-assessments in the admin: for reading and history only. Answers are an organisation's
declaration, written through its pages, the import or the API; a submission never changes."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_base import EditorAdmin, EditorsOnly

from .models import Assessment, AssessmentAnswer, Submission


class ReadOnly:
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AnswerInline(ReadOnly, EditorsOnly, admin.TabularInline):
    model = AssessmentAnswer
    fields = ["requirement", "result", "justification", "owner", "planned_date", "to_reconfirm"]
    readonly_fields = fields
    extra = 0
    show_change_link = False


class SubmissionInline(ReadOnly, EditorsOnly, admin.TabularInline):
    model = Submission
    fields = ["number", "submitted_at", "submitted_by", "verdict", "attestation_sha256"]
    readonly_fields = fields
    extra = 0


@admin.register(Assessment)
class AssessmentAdmin(ReadOnly, EditorAdmin):
    definite_name = _("l'autoévaluation")
    indefinite_name = _("une autoévaluation")
    list_display = ["organisation", "version", "actor", "status", "created_at"]
    list_filter = ["status", "version__referential", "actor"]
    search_fields = ["organisation__name"]
    list_select_related = ["organisation", "version__referential", "actor"]
    readonly_fields = ["organisation", "version", "actor", "status", "carried_from", "created_by", "created_at"]
    fields = readonly_fields
    inlines = [SubmissionInline, AnswerInline]
