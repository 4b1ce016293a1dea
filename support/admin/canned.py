"""Canned replies staff keep and choose from on a request's page."""

from django.contrib import admin
from django.utils.translation import gettext

from ..canned_replies import PLACEHOLDERS
from ..models import CannedReply


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["title", "body_en", "body_ru"]
    fields = ["title", "body_en", "body_ru", "is_active"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        names = ", ".join("{%s} (%s)" % (name, label) for name, label in PLACEHOLDERS.items())
        help_text = gettext("Placeholders filled from the request: %(names)s.") % {"names": names}
        for field in ("body_en", "body_ru"):
            form.base_fields[field].help_text = help_text
        return form
