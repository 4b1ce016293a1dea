"""Subscription details and its actions (the lifecycle side of offers)."""

from django.urls import path

import partnerportal.ids  # noqa: F401  (registers the <id:…> path converter)

from . import pay_now_views
from . import subscription_views as views

app_name = "subscriptions"

urlpatterns = [
    path("<id:pk>/", views.subscription_detail, name="detail"),
    path("<id:pk>/auto-renewal/off/", views.turn_off_auto_renewal, name="turn_off_auto_renewal"),
    path("<id:pk>/pay-now/", pay_now_views.pay_now, name="pay_now"),
    path("<id:pk>/pay-now/card/", pay_now_views.pay_now_add_card, name="pay_now_add_card"),
    path("<id:pk>/pay-now/confirm/", pay_now_views.pay_now_confirm, name="pay_now_confirm"),
]
