"""URLs under /shortlist/ (included by marketplace/urls.py as namespace "shortlist")."""

from django.urls import path

from groups import shortlist_views as views

urlpatterns = [
    path("", views.shortlist, name="shortlist"),
    path("add/", views.shortlist_add, name="shortlist_add"),
    path("shortlist.csv", views.shortlist_csv, name="shortlist_csv"),
    path("<int:pk>/notes/", views.shortlist_notes, name="shortlist_notes"),
    path("<int:pk>/remove/", views.shortlist_remove, name="shortlist_remove"),
    path("<int:pk>/pack/", views.pack_create, name="pack_create"),
    path("consortium/<str:key>/pack/", views.pack_consortium_create, name="pack_consortium"),
    # The same view for a swap (or any suggestion): the key says which it is.
    path("suggestion/<str:key>/pack/", views.pack_consortium_create, name="pack_suggestion"),
    path("packs/<int:pk>/", views.pack_status, name="pack"),
    path("packs/<int:pk>/download.<str:fmt>", views.pack_download, name="pack_download"),
]
