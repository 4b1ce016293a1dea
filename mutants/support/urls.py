from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("", views.report, name="report"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/cancel/", views.new_cancellation, name="new_cancellation"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/reply/", views.request_reply, name="request_reply"),
    path("requests/<int:request_pk>/attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
]
