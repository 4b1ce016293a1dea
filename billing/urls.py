from django.urls import path

import partnerportal.ids  # noqa: F401  (registers the <id:…> path converter)

from . import document_views, history_views, views, webhooks

app_name = "billing"

urlpatterns = [
    path("", history_views.billing_home, name="history"),
    path("receipts/<id:pk>/", history_views.receipt, name="receipt"),
    path("reconciliation.csv", history_views.reconciliation_csv, name="reconciliation_csv"),
    path("payment-methods/", views.payment_methods, name="payment_methods"),
    path("payment-methods/add/", views.payment_method_add, name="payment_method_add"),
    path("payment-methods/<id:pk>/default/", views.payment_method_set_default, name="payment_method_default"),
    path("payment-methods/<id:pk>/remove/", views.payment_method_remove, name="payment_method_remove"),
    path("profile/", views.billing_profile, name="profile"),
    path("invoices/<id:pk>/", document_views.invoice, name="invoice"),
    path("invoices/<id:pk>/pdf/", document_views.invoice_pdf, name="invoice_pdf"),
    path("credit-notes/<id:pk>/", document_views.credit_note, name="credit_note"),
    path("credit-notes/<id:pk>/pdf/", document_views.credit_note_pdf, name="credit_note_pdf"),
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
