"""Saved replies staff start from, in English and Russian."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CannedReply(models.Model):
    """A saved reply staff start from, in both languages; placeholders are filled per request."""

    title = models.CharField(_("title"), max_length=200, unique=True)
    body_en = models.TextField(_("text in English"), max_length=10000)
    body_ru = models.TextField(_("text in Russian"), max_length=10000)
    is_active = models.BooleanField(_("offered to staff"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title"]

    def __str__(self):
        return self.title

    def body_for(self, language: str) -> str:
        return self.body_ru if language == "ru" else self.body_en
