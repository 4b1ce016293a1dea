"""Support's periodic tasks; each calls the service of its name (the e-mail tasks are in support.emails)."""

from celery import shared_task

from .services import clock


@shared_task(soft_time_limit=240, time_limit=300)
def sla_warnings_send():
    """Beat, every few minutes: warn about the requests past 80 % of a target (once each, see the service)."""
    return clock.sla_warnings_send()
