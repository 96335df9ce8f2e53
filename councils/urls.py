from django.urls import path, register_converter

from . import membership_views, staff_views, views
from .converters import GssCodeConverter

register_converter(GssCodeConverter, "gss")

app_name = "councils"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("join/", membership_views.join, name="join"),
    path("staff/email-domains/", staff_views.email_domains_page, name="email_domains"),
    path(
        "staff/email-domains/<int:pk>/remove/",
        staff_views.email_domain_remove,
        name="email_domain_remove",
    ),
    path(
        "staff/shared-email-domains/<int:pk>/remove/",
        staff_views.shared_email_domain_remove,
        name="shared_email_domain_remove",
    ),
    path("join-requests/", membership_views.join_queue, name="join_queue"),
    path("invitations/<str:token>/", membership_views.invitation, name="invitation"),
    # "<gss:gss_code>/" (the organisation's profile) is composed in marketplace/urls.py.
    path("<gss:gss_code>/edit/", views.profile_edit, name="profile_edit"),
    path("<gss:gss_code>/members/", membership_views.members, name="members"),
    path("<gss:gss_code>/invitations/", membership_views.invitations, name="invitations"),
    path(
        "<gss:gss_code>/invitations/<int:invitation_id>/cancel/",
        membership_views.invitation_cancel,
        name="invitation_cancel",
    ),
    path(
        "<gss:gss_code>/members/<int:membership_id>/decide/",
        membership_views.membership_decide,
        name="membership_decide",
    ),
    path(
        "<gss:gss_code>/members/<int:membership_id>/role/",
        membership_views.membership_role,
        name="membership_role",
    ),
    path(
        "<gss:gss_code>/members/<int:membership_id>/remove/",
        membership_views.membership_remove,
        name="membership_remove",
    ),
    path(
        "<gss:gss_code>/members/<int:membership_id>/readd/",
        membership_views.membership_readd,
        name="membership_readd",
    ),
]
