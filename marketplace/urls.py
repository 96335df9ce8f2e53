from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from councils import account_views
from councils import urls as councils_urls  # registers the <gss:...> converter
from digests import urls as digests_urls
from matching import urls as matching_urls
from offers import urls as offers_urls

from . import views

# The admin signs people in through allauth, never its own password-only form:
# the same second factor, rate limits and lockout as /accounts/login/.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

# Pages that show several rooms are composed here (marketplace.views), inside
# the namespace of the room they belong to, so every URL name stays as it was.
councils_urlpatterns = [
    *councils_urls.urlpatterns,
    path("<gss:gss_code>/", views.organisation_profile, name="detail"),
    path(
        "<gss:gss_code>/members/<int:membership_id>/hand-over/",
        views.listings_hand_over_view,
        name="hand_over",
    ),
]

listings_urlpatterns = [
    path("<int:pk>/", views.listing_detail, name="detail"),
    *offers_urls.urlpatterns,
    *matching_urls.urlpatterns,
    *digests_urls.urlpatterns,
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("your-organisation/", views.your_organisation, name="your_organisation"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("data-sources/", views.data_sources, name="data_sources"),
    path("cookies/", views.cookies, name="cookies"),
    # A person's own data, beside allauth's account pages (which use none of these paths).
    path("accounts/your-data/", account_views.your_data, name="your_data"),
    path(
        "accounts/your-data/download/",
        account_views.your_data_download,
        name="your_data_download",
    ),
    path("accounts/delete/", account_views.account_delete_confirm, name="account_delete"),
    path("accounts/deleted/", account_views.account_deleted, name="account_deleted"),
    path("accounts/", include("allauth.urls")),
    path("councils/", include((councils_urlpatterns, "councils"))),
    # One URL namespace for everything under /listings/, composed here so that
    # offers (a lower room) never imports matching or digests (upper ones).
    path("listings/", include((listings_urlpatterns, "offers"))),
    path("shortlist/", include(("groups.shortlist_urls", "shortlist"))),
    path("groups/", include("groups.urls")),
    path("staff/", include("core.urls")),
    path("arrangements/", include("arrangements.urls")),
    path("", include("api.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "marketplace.errors.not_found"
handler500 = "marketplace.errors.server_error"
