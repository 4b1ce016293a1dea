"""Subscription details and its actions (the lifecycle side of offers)."""

from django.urls import path

app_name = "subscriptions"

urlpatterns = []
