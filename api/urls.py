"""/api/v1/ and its schema; the documentation page at /api/; the Data page at /data/."""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from . import docs, downloads, market_views, views

router = SimpleRouter(trailing_slash=True)
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("services", views.ServiceViewSet, basename="service")
router.register("listings", views.ListingViewSet, basename="listing")
router.register("arrangements", views.ArrangementViewSet, basename="arrangement")
router.register("spend", views.SpendViewSet, basename="spend")

app_name = "api"
urlpatterns = [
    path("api/", docs.api_docs, name="docs"),
    path("api/v1/schema/", views.SchemaView.as_view(), name="schema"),
    path("api/v1/market/", views.MarketView.as_view(), name="market_api"),
    path("api/v1/", include(router.urls)),
    re_path(r"^api/v1/", views.not_found),
    path("data/", downloads.data_page, name="data"),
    path("market/", market_views.market, name="market"),
    path("market/<slug:slug>.csv", market_views.market_csv, name="market_csv"),
    path("data/<slug:dataset>.<slug:fmt>", downloads.download, name="download"),
]
