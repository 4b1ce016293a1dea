"""Celery tasks of billing: thin, take ids, re-read the rows."""

from celery import shared_task


@shared_task(soft_time_limit=30, time_limit=60)
def send_order_confirmation(order_id: int) -> None:
    """E-mail the order confirmation (enqueued on commit of the paid order)."""
    from .emails import order_confirmation_send

    order_confirmation_send(order_id=order_id)
