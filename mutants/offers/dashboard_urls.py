"""The dashboard and the membership overview, under /membership/ (they read the Action Pack subscription)."""

from django.urls import path

from . import dashboard_views as views

app_name = "dashboard"

urlpatterns = [
    path("dashboard/", views.dashboard, name="index"),
    path("overview/", views.overview, name="overview"),
]
