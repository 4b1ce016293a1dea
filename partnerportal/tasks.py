"""The beat's tasks for partnerportal's own plumbing. Each calls one service; running one twice is harmless."""

from celery import shared_task

from . import notifications


@shared_task(acks_late=True)
def prune_sent_emails():
    """Forget the e-mail claims past their retention (notifications.sent_emails_prune)."""
    return {"removed": notifications.sent_emails_prune()}
