"""The Action Pack benefits pages, under /membership/ where partners look for them."""

from django.urls import path

import partnerportal.ids  # noqa: F401  (registers the <id:…> path converter)

from . import benefit_views as views

app_name = "benefits"

urlpatterns = [
    path("benefits/", views.benefits, name="list"),
    path("benefits/<id:benefit_id>/activate/", views.benefit_activate, name="activate"),
    path("benefits/<id:benefit_id>/seats/", views.seat_assign, name="seat_assign"),
    path("seats/<id:pk>/release/", views.seat_release, name="seat_release"),
]
