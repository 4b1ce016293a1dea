"""The data versions that key cached pages (partnerportal.page_cache)."""

from django.db import models


class DataVersion(models.Model):
    """The version of what one organisation's pages show, or of the catalogue every page shows.

    A token, replaced in the same transaction as the rows it describes (see page_cache), and read in
    the same query as the signed-in user. Random, not a counter: a database made afresh never hands
    out a version that a page of the old one was cached under.
    """

    scope = models.CharField(max_length=40, unique=True)
    token = models.BigIntegerField()

    def __str__(self):
        return "%s@%s" % (self.scope, self.token)
