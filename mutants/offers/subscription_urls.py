"""Subscription details and its actions (the lifecycle side of offers)."""

from django.urls import path

from . import subscription_views as views

app_name = "subscriptions"

urlpatterns = [
    path("<int:pk>/", views.subscription_detail, name="detail"),
    path("<int:pk>/auto-renewal/off/", views.turn_off_auto_renewal, name="turn_off_auto_renewal"),
]
