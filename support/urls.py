from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("requests/", views.request_list, name="request_list"),
]
