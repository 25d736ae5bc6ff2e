"""The notification log for editors: events and what was sent, read-only (the services and the
scheduled command write them), plus subscriptions and webhooks to look at."""

from django.contrib import admin

from core.admin_base import EditorsOnly

from .models import MailDelivery, NotificationEvent, Subscription, Webhook, WebhookDelivery


class ReadOnly(EditorsOnly, admin.ModelAdmin):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NotificationEvent)
class NotificationEventAdmin(ReadOnly):
    list_display = ["created_at", "kind", "key", "dispatched_at"]
    list_filter = ["kind"]
    search_fields = ["key"]


@admin.register(MailDelivery)
class MailDeliveryAdmin(ReadOnly):
    list_display = ["event", "email", "language", "status", "attempts", "sent_at", "next_attempt_at"]
    list_filter = ["status", "event__kind"]
    search_fields = ["email"]
    list_select_related = ["event"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnly):
    list_display = ["created_at", "webhook", "event", "status", "attempts", "response_status", "delivered_at"]
    list_filter = ["status"]
    list_select_related = ["webhook__organisation", "event"]


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnly):
    list_display = ["referential", "user", "email", "language", "confirmed_at", "created_at"]
    list_filter = ["referential", "language"]
    search_fields = ["email", "user__email"]
    list_select_related = ["referential", "user"]

    def has_delete_permission(self, request, obj=None):
        # A person asking to be forgotten is removed here.
        return EditorsOnly.has_delete_permission(self, request, obj)


@admin.register(Webhook)
class WebhookAdmin(ReadOnly):
    list_display = ["organisation", "url", "is_active", "created_by", "created_at"]
    exclude = ["secret"]
    list_select_related = ["organisation", "created_by"]
