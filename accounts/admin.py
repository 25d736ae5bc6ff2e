"""Back office for organisations and memberships: editors approve, refuse or merge organisations
through admin actions that call the services; the status never changes through a plain field edit.

This module owns the admin registrations of ``consultation.Organisation`` and
``consultation.Membership``. It also sends the admin's login to the site's sign-in (allauth: the
password, throttled in the authentication backend, then the second factor; see ``accounts.mfa``).
"""

import allauth.mfa.admin  # noqa: F401  (registers allauth's Authenticator admin: replaced below)
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_base import EditorAdmin as HistoryReasonAdmin
from core.admin_base import EditorsOnly, FrenchTitles
from core.errors import DomainError
from core.roles import is_editor

from . import services
from .forms import MergeOrganisationsForm, RefuseOrganisationForm
from .mfa import admin_login
from .models import Membership, Organisation, OrganisationDomain, OrganisationRefusal

admin.site.login = admin_login


# allauth.mfa's own admin shows an authenticator's data — a TOTP secret, the recovery codes' seed —
# in an editable field: whoever reads it makes that editor's codes. Ours lists them, to delete a
# lost one (its owner then sets up another), and shows nothing of their data.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    search_fields = ("user__username", "user__email")
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MemberInline(EditorsOnly, admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "status", "email_confirmed_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("membres")

    def has_add_permission(self, request, obj=None):
        return False


class RefusalInline(admin.TabularInline):
    """The record of refusals, read-only: every editor reads it, nobody edits it."""

    model = OrganisationRefusal
    extra = 0
    fields = ("refused_at", "refused_by", "reason")
    readonly_fields = fields
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return is_editor(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DomainInline(EditorsOnly, admin.TabularInline):
    """Domains the organisation declared; validated through the domains' own list (an action)."""

    model = OrganisationDomain
    extra = 0
    fields = ("domain", "validated_at", "validated_by")
    readonly_fields = ("validated_at", "validated_by")
    verbose_name_plural = _("domaines de messagerie")


@admin.register(Organisation)
class OrganisationAdmin(HistoryReasonAdmin):
    definite_name = _("l'organisation")
    indefinite_name = _("une organisation")
    list_display = ("name", "kind", "status", "member_count", "comment_count", "agrees_to_be_named", "created_at")
    list_filter = ("status", "kind", "agrees_to_be_named")
    search_fields = ("name",)
    ordering = ("name",)
    fields = ("name", "kind", "agrees_to_be_named", "status", "merged_into", "created_at")
    readonly_fields = ("status", "merged_into", "created_at")
    inlines = (MemberInline, DomainInline, RefusalInline)
    actions = ("approve_action", "refuse_action", "merge_action")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("merged_into")
            .annotate(member_total=Count("members", distinct=True), comment_total=Count("comments", distinct=True))
        )

    @admin.display(description=_("membres"), ordering="member_total")
    def member_count(self, obj):
        return obj.member_total

    @admin.display(description=_("commentaires"), ordering="comment_total")
    def comment_count(self, obj):
        return obj.comment_total

    # Organisations are referred to by members and comments, which are never lost: a duplicate is
    # merged, an unwanted one refused.
    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Valider les organisations sélectionnées"), permissions=["change"])
    def approve_action(self, request, queryset):
        done = 0
        for organisation in queryset:
            try:
                services.approve_organisation(organisation=organisation, by=request.user)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)s organisation validée ; ses membres sont prévenus par courriel.",
                    "%(count)s organisations validées ; leurs membres sont prévenus par courriel.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Refuser les organisations sélectionnées…"), permissions=["change"])
    def refuse_action(self, request, queryset):
        """Asks for the reason on an intermediate page; the reason is e-mailed to the members."""
        organisations = list(queryset.order_by("name"))
        form = RefuseOrganisationForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for organisation in organisations:
                try:
                    services.refuse_organisation(organisation=organisation, by=request.user, reason=form.cleaned_data["reason"])
                except (DomainError, ValidationError) as error:
                    self.message_user(request, _message(error), messages.ERROR)
                else:
                    done += 1
            if done:
                self.message_user(
                    request,
                    ngettext("%(count)s organisation refusée.", "%(count)s organisations refusées.", done) % {"count": done},
                    messages.SUCCESS,
                )
            return None
        return self._action_page(
            request,
            organisations,
            form,
            action="refuse_action",
            title=_("Refuser des organisations"),
            intro=_("Leurs membres ne pourront pas commenter. Le motif leur est envoyé par courriel."),
            submit=_("Refuser"),
        )

    @admin.action(description=_("Fusionner les organisations sélectionnées dans…"), permissions=["change"])
    def merge_action(self, request, queryset):
        """Asks for the organisation that stays on an intermediate page, then merges each selected one into it."""
        organisations = list(queryset.order_by("name"))
        form = MergeOrganisationsForm(request.POST if "apply" in request.POST else None, sources=organisations)
        if form.is_bound and form.is_valid():
            target = form.cleaned_data["target"]
            done = 0
            for organisation in organisations:
                try:
                    services.merge_organisations(source=organisation, target=target, by=request.user)
                except (DomainError, ValidationError) as error:
                    self.message_user(request, _message(error), messages.ERROR)
                else:
                    done += 1
            if done:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)s organisation fusionnée dans « %(target)s ».",
                        "%(count)s organisations fusionnées dans « %(target)s ».",
                        done,
                    )
                    % {"count": done, "target": target.name},
                    messages.SUCCESS,
                )
            return None
        return self._action_page(
            request,
            organisations,
            form,
            action="merge_action",
            title=_("Fusionner des organisations"),
            intro=_(
                "Les membres des organisations sélectionnées et l'attribution de leurs commentaires passent à "
                "l'organisation qui reste ; les commentaires gardent leur texte. Les organisations sélectionnées "
                "deviennent des alias de celle qui reste : qui s'inscrira sous leur nom la rejoindra."
            ),
            submit=_("Fusionner"),
        )

    def _action_page(self, request, organisations, form, *, action, title, intro, submit):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "submit": submit,
            "opts": self.opts,
            "organisations": organisations,
            "form": form,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/accounts/organisation/action_form.html", context)


def _message(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error.message)


class ConfirmedFilter(admin.SimpleListFilter):
    title = _("adresse confirmée")
    parameter_name = "confirmee"

    def lookups(self, request, model_admin):
        return (("oui", _("Oui")), ("non", _("Non")))

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(email_confirmed_at__isnull=False)
        if self.value() == "non":
            return queryset.filter(email_confirmed_at__isnull=True)
        return queryset


@admin.register(Membership)
class MembershipAdmin(HistoryReasonAdmin):
    """Who belongs to which organisation, and with which role (Django groups)."""

    definite_name = _("le rattachement")
    indefinite_name = _("un rattachement")

    list_display = ("user", "full_name", "organisation", "status", "organisation_status", "email_confirmed", "roles")
    list_filter = ("status", ConfirmedFilter, "organisation__status", "organisation__kind")
    list_select_related = ("user", "organisation")
    search_fields = ("user__username", "user__email", "user__first_name", "user__last_name", "organisation__name")
    raw_id_fields = ("user",)
    autocomplete_fields = ("organisation",)
    fields = ("user", "organisation", "status", "email_confirmed_at")
    readonly_fields = ("status", "email_confirmed_at")
    actions = ("approve_action", "refuse_action")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("user__groups")

    def get_readonly_fields(self, request, obj=None):
        # A membership is a person's: it moves to another organisation, never to another person.
        return (*self.readonly_fields, "user") if obj is not None else self.readonly_fields

    @admin.display(description=_("nom"), ordering="user__last_name")
    def full_name(self, obj):
        return obj.user.get_full_name() or "—"

    @admin.display(description=_("statut de l'organisation"), ordering="organisation__status")
    def organisation_status(self, obj):
        return obj.organisation.get_status_display()

    @admin.display(description=_("adresse confirmée"), boolean=True, ordering="email_confirmed_at")
    def email_confirmed(self, obj):
        return obj.email_confirmed_at is not None

    @admin.display(description=_("rôles"))
    def roles(self, obj):
        return ", ".join(group.name for group in obj.user.groups.all()) or "—"

    def _decide(self, request, queryset, service, done_message):
        done = 0
        for membership in queryset:
            try:
                service(membership=membership, by=request.user)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done) % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Valider les rattachements sélectionnés"), permissions=["change"])
    def approve_action(self, request, queryset):
        self._decide(
            request,
            queryset,
            services.approve_membership,
            lambda n: ngettext("%(count)s rattachement validé.", "%(count)s rattachements validés.", n),
        )

    @admin.action(description=_("Refuser les rattachements sélectionnés"), permissions=["change"])
    def refuse_action(self, request, queryset):
        self._decide(
            request,
            queryset,
            services.refuse_membership,
            lambda n: ngettext("%(count)s rattachement refusé.", "%(count)s rattachements refusés.", n),
        )


@admin.register(OrganisationDomain)
class OrganisationDomainAdmin(FrenchTitles, EditorsOnly, admin.ModelAdmin):
    """Domains organisations declared: an editor who checked one validates it, and newcomers with an
    address in it then join the organisation without waiting for approval."""

    definite_name = _("le domaine de l'organisation")
    indefinite_name = _("un domaine d'organisation")

    list_display = ("domain", "organisation", "validated_at", "validated_by")
    list_filter = (("validated_at", admin.EmptyFieldListFilter),)
    list_select_related = ("organisation", "validated_by")
    search_fields = ("domain", "organisation__name")
    autocomplete_fields = ("organisation",)
    fields = ("domain", "organisation", "validated_at", "validated_by")
    readonly_fields = ("validated_at", "validated_by")
    actions = ("validate_action",)

    @admin.action(description=_("Valider les domaines sélectionnés"), permissions=["change"])
    def validate_action(self, request, queryset):
        refused = []
        for domain in queryset:
            try:
                services.validate_organisation_domain(domain=domain, by=request.user)
            except ValidationError:
                refused.append(domain.domain)
        if refused:
            self.message_user(
                request,
                _("Domaines ouverts à tous, non validés : %(domains)s.") % {"domains": ", ".join(refused)},
                messages.ERROR,
            )
        if len(refused) < len(queryset):
            self.message_user(request, _("Domaines validés."), messages.SUCCESS)
