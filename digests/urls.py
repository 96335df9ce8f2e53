"""Digest preferences, alerts, unsubscribe and the staff runs pages, under
/listings/digests/ in the offers URL namespace (composed in marketplace/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("digests/", views.digest_preferences, name="digest_preferences"),
    path("digests/notifications/", views.email_notifications, name="email_notifications"),
    path("digests/alerts/", views.alerts, name="alerts"),
    path("digests/alerts/new/", views.alert_create, name="alert_create"),
    path("digests/alerts/<int:pk>/delete/", views.alert_delete, name="alert_delete"),
    path(
        "digests/unsubscribe/<str:token>/",
        views.digest_unsubscribe,
        name="digest_unsubscribe",
    ),
    path("digests/runs/", views.digest_runs, name="digest_runs"),
    path("digests/runs/<int:pk>/", views.digest_run, name="digest_run"),
    path("digests/runs/<int:pk>/retry/", views.digest_run_retry, name="digest_run_retry"),
]
