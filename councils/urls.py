from django.urls import path

from . import views

app_name = "councils"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("join/", views.join, name="join"),
    path("<str:gss_code>/", views.detail, name="detail"),
]
