"""Scheduled membership jobs; thin and idempotent (the services' unique rows make a second run a no-op).

The beat schedule (settings.CELERY_BEAT_SCHEDULE) runs ``expire_competencies`` and
``remove_expired_sessions`` daily.
"""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def expire_competencies():
    """Expire competencies past their end date, then e-mail those that expire within 30 days (once each)."""
    expired = services.competencies_expire_lapsed()
    reminded = services.competencies_send_expiry_reminders()
    return {"expired": expired, "reminded": reminded}


@shared_task(acks_late=True)
def remove_expired_sessions():
    """Delete expired session rows (Django's clearsessions, on the beat)."""
    return {"removed": services.sessions_remove_expired()}
