from django.urls import path

from . import views

app_name = "arrangements"
urlpatterns = [
    path("", views.register, name="register"),
    path("download.csv", views.register_csv, name="csv"),
    path("record/", views.record, name="record"),
    path("moderation/", views.moderation_queue, name="moderation"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("<int:pk>/moderate/", views.moderate, name="moderate"),
]
