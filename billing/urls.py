from django.urls import path

import partnerportal.ids  # noqa: F401  (registers the <id:…> path converter)

from . import views, webhooks

app_name = "billing"

urlpatterns = [
    path("payment-methods/", views.payment_methods, name="payment_methods"),
    path("payment-methods/add/", views.payment_method_add, name="payment_method_add"),
    path("payment-methods/<id:pk>/default/", views.payment_method_set_default, name="payment_method_default"),
    path("payment-methods/<id:pk>/remove/", views.payment_method_remove, name="payment_method_remove"),
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
