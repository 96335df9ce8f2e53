from django.urls import path

from . import membership_views, views

app_name = "councils"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("join/", membership_views.join, name="join"),
    path("<str:gss_code>/", views.detail, name="detail"),
    path("<str:gss_code>/edit/", views.profile_edit, name="profile_edit"),
    path("<str:gss_code>/members/", membership_views.members, name="members"),
    path(
        "<str:gss_code>/members/<int:membership_id>/decide/",
        membership_views.membership_decide,
        name="membership_decide",
    ),
    path(
        "<str:gss_code>/members/<int:membership_id>/role/",
        membership_views.membership_role,
        name="membership_role",
    ),
    path(
        "<str:gss_code>/members/<int:membership_id>/remove/",
        membership_views.membership_remove,
        name="membership_remove",
    ),
]
