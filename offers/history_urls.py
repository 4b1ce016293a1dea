"""Billing history pages; they live under /billing/ beside billing's own pages (see partnerportal.urls)."""

from django.urls import path

import partnerportal.ids  # noqa: F401  (registers the <id:…> path converter)

from . import history_views as views

app_name = "history"

urlpatterns = [
    path("", views.billing_home, name="home"),
    path("receipts/<id:pk>/", views.receipt, name="receipt"),
    path("reconciliation.csv", views.reconciliation_csv, name="reconciliation_csv"),
]
