from django.urls import path

import partnerportal.ids  # noqa: F401  (registers the <id:…> path converter)

from . import views

app_name = "support"

urlpatterns = [
    path("", views.report, name="report"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/cancel/", views.new_cancellation, name="new_cancellation"),
    path("requests/<id:pk>/", views.request_detail, name="request_detail"),
    path("requests/<id:pk>/reply/", views.request_reply, name="request_reply"),
    path("requests/<id:request_pk>/attachments/<id:pk>/", views.attachment_download, name="attachment_download"),
]
