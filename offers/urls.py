from django.urls import path

from offers import taxonomy_views, views
from offers.browse import synonym_views
from offers.browse import views as browse_views
from offers.interest import views as interest_views
from offers.moderation import views as moderation_views

app_name = "offers"

urlpatterns = [
    path("", browse_views.listing_browse_view, name="browse"),
    # 404 unless settings.BENCH_VIEWS (bench/bench_browse.py turns it on): its baseline.
    path("bench/trivial/", browse_views.bench_trivial, name="bench_trivial"),
    path("new/", views.listing_create_kind, name="create_kind"),
    path("new/<str:kind>/", views.listing_create, name="create"),
    path("dashboard/", views.dashboard, name="dashboard"),
    # "<int:pk>/" (the listing page) is composed in marketplace/urls.py.
    path("<int:pk>/edit/", views.listing_edit, name="edit"),
    path("<int:pk>/submit/", views.listing_submit, name="submit"),
    path("<int:pk>/withdraw/", views.listing_withdraw, name="withdraw"),
    path("<int:pk>/renew/", views.listing_renew, name="renew"),
    # Moderation, reports, expressions of interest: offers/moderation/, offers/interest/
    path("moderation/", moderation_views.moderation_queue, name="moderation_queue"),
    path("moderation/<int:pk>/", moderation_views.moderation_review, name="moderation_review"),
    path(
        "moderation/screened-words/",
        moderation_views.screening_terms_page,
        name="screening_terms",
    ),
    path(
        "moderation/screened-words/<int:pk>/",
        moderation_views.screening_term_change,
        name="screening_term_change",
    ),
    path("moderation/synonyms/", synonym_views.synonyms_page, name="synonyms"),
    path(
        "moderation/synonyms/<int:pk>/remove/", synonym_views.synonym_delete, name="synonym_delete"
    ),
    path("moderation/services/", taxonomy_views.taxonomy_page, name="taxonomy"),
    path("moderation/services/new/", taxonomy_views.service_edit, name="service_add"),
    path("moderation/services/<int:pk>/", taxonomy_views.service_edit, name="service_edit"),
    path("moderation/services/families/new/", taxonomy_views.family_edit, name="family_add"),
    path("moderation/services/families/<int:pk>/", taxonomy_views.family_edit, name="family_edit"),
    path(
        "moderation/reports/<int:pk>/dismiss/",
        moderation_views.report_dismiss,
        name="report_dismiss",
    ),
    path("<int:pk>/report/", moderation_views.report_create, name="report"),
    path("<int:pk>/report/sent/", moderation_views.report_sent, name="report_sent"),
    path("<int:pk>/interest/", interest_views.interest_express, name="interest"),
    path("interests/<int:pk>/", interest_views.interest_detail, name="interest_detail"),
]
