"""The notification log for editors: events and what was sent, read-only (the services and the
scheduled command write them), plus subscriptions and webhooks to look at."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_base import EditorsOnly, FrenchTitles

from .models import MailDelivery, NotificationEvent, Subscription, Webhook, WebhookDelivery


class ReadOnly(FrenchTitles, EditorsOnly, admin.ModelAdmin):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NotificationEvent)
class NotificationEventAdmin(ReadOnly):
    definite_name = _("l'événement")
    indefinite_name = _("un événement")
    list_display = ["created_at", "kind", "key", "dispatched_at"]
    list_filter = ["kind"]
    search_fields = ["key"]


@admin.register(MailDelivery)
class MailDeliveryAdmin(ReadOnly):
    definite_name = _("l'envoi de courriel")
    indefinite_name = _("un envoi de courriel")
    list_display = ["event", "email", "language", "status", "attempts", "sent_at", "next_attempt_at"]
    list_filter = ["status", "event__kind"]
    search_fields = ["email"]
    list_select_related = ["event"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnly):
    definite_name = _("l'appel de webhook")
    indefinite_name = _("un appel de webhook")
    list_display = ["created_at", "webhook", "event", "status", "attempts", "response_status", "delivered_at"]
    list_filter = ["status"]
    list_select_related = ["webhook__organisation", "event"]


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnly):
    definite_name = _("l'abonnement")
    indefinite_name = _("un abonnement")
    list_display = ["referential", "user", "email", "language", "confirmed_at", "created_at"]
    list_filter = ["referential", "language"]
    search_fields = ["email", "user__email"]
    list_select_related = ["referential", "user"]

    def has_delete_permission(self, request, obj=None):
        # A person asking to be forgotten is removed here.
        return EditorsOnly.has_delete_permission(self, request, obj)


@admin.register(Webhook)
class WebhookAdmin(ReadOnly):
    definite_name = _("le webhook")
    indefinite_name = _("un webhook")
    list_display = ["organisation", "url", "is_active", "created_by", "created_at"]
    exclude = ["secret"]
    list_select_related = ["organisation", "created_by"]
