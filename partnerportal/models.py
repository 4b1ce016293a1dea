"""The data versions that key cached pages (partnerportal.page_cache), and the e-mails sent once per event."""

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


class SentEmail(models.Model):
    """One notification event told to one address: the row ``notify`` claims before it sends (R9).

    The event names what happened (``order:42:confirmed``, ``request:7:reply:31``), never the run
    that noticed it, so a task run twice, a message redelivered or two workers at once find the
    row and send nothing. The unique constraint, not a read before the write, is what decides.
    """

    event = models.CharField(max_length=120)
    recipient = models.CharField(max_length=254)  # the address, lower case
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "recipient"], name="sent_email_once_per_event")]

    def __str__(self):
        return "%s to %s" % (self.event, self.recipient)
