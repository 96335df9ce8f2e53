from django.urls import path

from . import outbox_views, views

app_name = "core"

urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("outbox/", outbox_views.outbox_problems_page, name="outbox"),
    path("outbox/<int:message_id>/retry/", outbox_views.outbox_retry, name="outbox_retry"),
]
