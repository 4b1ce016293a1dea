"""Membership's pages at the site root, without a namespace: the home redirect, sign-up and the health check."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("signup/", views.sign_up, name="sign_up"),
]
