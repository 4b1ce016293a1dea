"""Scheduled membership jobs; thin and idempotent (the services' unique rows make a second run a no-op).

Beat entries the lead adds to CELERY_BEAT_SCHEDULE:
  membership.tasks.grant_monthly_credits  – daily (or on the 1st of each month); grants once per month
  membership.tasks.expire_competencies    – daily; expires lapsed competencies and sends 30-day reminders
"""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def grant_monthly_credits():
    """Add this month's Azure credit to every live subscription whose credit benefit is activated."""
    return services.credits_grant_monthly()


@shared_task(acks_late=True)
def expire_competencies():
    """Expire competencies past their end date, then e-mail those that expire within 30 days (once each)."""
    expired = services.competencies_expire_lapsed()
    reminded = services.competencies_send_expiry_reminders()
    return {"expired": expired, "reminded": reminded}
