from django.urls import path

from . import views

app_name = "membership"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("enrol/", views.enrol, name="enrol"),
    path("users/", views.users, name="users"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("language/", views.set_language, name="set_language"),
]
