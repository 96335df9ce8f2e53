from django.urls import path

from . import views

app_name = "offers"

urlpatterns = [
    path("new/", views.listing_create_kind, name="create_kind"),
    path("new/<str:kind>/", views.listing_create, name="create"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:pk>/", views.listing_detail, name="detail"),
    path("<int:pk>/edit/", views.listing_edit, name="edit"),
    path("<int:pk>/submit/", views.listing_submit, name="submit"),
    path("<int:pk>/withdraw/", views.listing_withdraw, name="withdraw"),
    path("<int:pk>/renew/", views.listing_renew, name="renew"),
]
