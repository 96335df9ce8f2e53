"""Groups' pages, under /groups/ (marketplace/urls.py includes them)."""

from django.urls import path

from . import views

app_name = "groups"

urlpatterns = [
    path("suggestions/<str:key>/", views.suggestion_detail, name="suggestion"),
    path(
        "suggestions/<str:key>/conversation/",
        views.conversation_start,
        name="conversation",
    ),
]
