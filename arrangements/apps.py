from django.apps import AppConfig


class ArrangementsConfig(AppConfig):
    name = "arrangements"
    verbose_name = "Register of shared arrangements"
