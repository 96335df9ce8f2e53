"""Find a partner's pages, under /listings/partners/ in the offers URL namespace
(marketplace/urls.py composes the namespace, so URL names stay `offers:find_partner`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("partners/", views.find_partner, name="find_partner"),
    path("partners/export.csv", views.find_partner_csv, name="find_partner_csv"),
    path("partners/boundaries.json", views.partner_boundaries, name="partner_boundaries"),
    path("partners/savings-evidence/", views.savings_evidence, name="savings_evidence"),
    path("partners/costs/<gss:gss_code>/", views.service_costs_edit, name="service_costs"),
]
