"""The /membership/ pages of membership itself; the dashboard, overview and benefits pages come from the layer above."""

from django.urls import path

import partnerportal.ids  # noqa: F401  (registers the <id:…> path converter)

from . import settings_views, views

app_name = "membership"

urlpatterns = [
    path("enrol/", views.enrol, name="enrol"),
    path("users/", settings_views.users, name="users"),
    path("users/invite/", settings_views.invite, name="invite"),
    path("users/<id:pk>/", settings_views.user_detail, name="user_detail"),
    path("users/<id:pk>/roles/", settings_views.user_roles, name="user_roles"),
    path("users/<id:pk>/deactivate/", settings_views.user_deactivate, name="user_deactivate"),
    path("users/<id:pk>/reactivate/", settings_views.user_reactivate, name="user_reactivate"),
    path("invitations/<id:pk>/revoke/", settings_views.invitation_revoke, name="invitation_revoke"),
    path("invitations/accept/<str:token>/", settings_views.invitation_accept, name="invitation_accept"),
    path("activity/", settings_views.activity, name="activity"),
    path("activity/export.csv", settings_views.activity_export, name="activity_export"),
    path("language/", views.set_language, name="set_language"),
]
