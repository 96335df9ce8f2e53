from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("data-sources/", views.data_sources, name="data_sources"),
    path("accounts/", include("allauth.urls")),
    path("councils/", include("councils.urls")),
    path("listings/", include("offers.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "marketplace.errors.not_found"
handler500 = "marketplace.errors.server_error"
