"""E-mails the lifecycle sends, queued until the transaction that decided them commits."""

from django.db import transaction

from .. import emails


def email_on_commit(template: str, subscription_id: int, context: dict) -> None:
    """Send a lifecycle e-mail once the change it reports is committed (never for a rolled-back one)."""
    transaction.on_commit(
        lambda: emails.send_lifecycle_email(template=template, subscription_id=subscription_id, extra=context)
    )
