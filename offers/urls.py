from django.urls import path

from . import browse_views, digest_views, interest_views, matching_views, moderation_views, views

app_name = "offers"

urlpatterns = [
    path("", browse_views.listing_browse_view, name="browse"),
    # 404 unless settings.BENCH_VIEWS (bench/settings.py): the benchmark's baseline.
    path("bench/trivial/", browse_views.bench_trivial, name="bench_trivial"),
    path("partners/", matching_views.find_partner, name="find_partner"),
    path("partners/export.csv", matching_views.find_partner_csv, name="find_partner_csv"),
    path("partners/boundaries.json", matching_views.partner_boundaries, name="partner_boundaries"),
    path("new/", views.listing_create_kind, name="create_kind"),
    path("new/<str:kind>/", views.listing_create, name="create"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:pk>/", views.listing_detail, name="detail"),
    path("<int:pk>/edit/", views.listing_edit, name="edit"),
    path("<int:pk>/submit/", views.listing_submit, name="submit"),
    path("<int:pk>/withdraw/", views.listing_withdraw, name="withdraw"),
    path("<int:pk>/renew/", views.listing_renew, name="renew"),
    # Moderation, reports, expressions of interest: moderation_views.py, interest_views.py
    path("moderation/", moderation_views.moderation_queue, name="moderation_queue"),
    path("moderation/<int:pk>/", moderation_views.moderation_review, name="moderation_review"),
    path(
        "moderation/reports/<int:pk>/dismiss/",
        moderation_views.report_dismiss,
        name="report_dismiss",
    ),
    path("<int:pk>/report/", moderation_views.report_create, name="report"),
    path("<int:pk>/report/sent/", moderation_views.report_sent, name="report_sent"),
    path("<int:pk>/interest/", interest_views.interest_express, name="interest"),
    path("interests/<int:pk>/", interest_views.interest_detail, name="interest_detail"),
    # Digests and alerts: digest_views.py
    path("digests/", digest_views.digest_preferences, name="digest_preferences"),
    path("digests/alerts/", digest_views.alerts, name="alerts"),
    path("digests/alerts/new/", digest_views.alert_create, name="alert_create"),
    path("digests/alerts/<int:pk>/delete/", digest_views.alert_delete, name="alert_delete"),
    path(
        "digests/unsubscribe/<str:token>/",
        digest_views.digest_unsubscribe,
        name="digest_unsubscribe",
    ),
    path("digests/runs/", digest_views.digest_runs, name="digest_runs"),
    path("digests/runs/<int:pk>/", digest_views.digest_run, name="digest_run"),
    path("digests/runs/<int:pk>/retry/", digest_views.digest_run_retry, name="digest_run_retry"),
]
