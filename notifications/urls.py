"""Following referentials, the notifications page, webhooks and Atom feeds (French URLs)."""

from django.urls import path

from . import feeds, views

app_name = "notifications"

urlpatterns = [
    path("referentiels/<slug:slug>/suivre/", views.follow, name="follow"),
    path("compte/notifications/", views.my_notifications, name="my_notifications"),
    path("compte/webhooks/", views.webhooks, name="webhooks"),
    path("compte/webhooks/<int:pk>/supprimer/", views.webhook_delete, name="webhook_delete"),
    path("notifications/confirmer/<str:token>/", views.confirm, name="confirm"),
    path("notifications/abonnement/<str:token>/", views.manage, name="manage"),
    path("notifications/desabonnement/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("flux.atom", feeds.EverythingFeed(), name="feed_all"),
    path("referentiels/<slug:slug>/versions.atom", feeds.VersionsFeed(), name="feed_versions"),
    path("concertations/flux.atom", feeds.ConsultationsFeed(), name="feed_consultations"),
    path("ateliers/flux.atom", feeds.MinutesFeed(), name="feed_minutes"),
]
