"""E-mail notifications: one message per recipient, rendered in the recipient's language (R14).

Every notification is three templates side by side: ``<template>_subject.txt``, ``<template>.txt``
and ``<template>.html``. The subject is squeezed onto one line; the text is the body and the HTML
the alternative. Recipients are users, or ``Recipient`` for an address that is not a user yet
(an invitee); anything with ``email`` and ``language`` will do. Who receives a notification is the
caller's choice, often "the organisation's users with these roles"
(``membership.selectors.organization_users_with_roles``).

Send after the write commits (``transaction.on_commit`` or a task), never inside it. A notification
about an event passes ``event``, a key naming that event: each address then receives it once, however
often the task runs (R9; ``SentEmail``).

Links are absolute, on the configured public address (``site_url``), never on the host a request
came in on. A recipient who cannot sign in (a ``Recipient``: an invitee, a billing contact) gets no
portal link it could not open: the invitation's signed link, or the document attached as a PDF.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import SentEmail


def site_url(path: str) -> str:
    """An absolute link for e-mails on the portal's public address (settings.PORTAL_BASE_URL)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


@dataclass(frozen=True)
class Recipient:
    """An address that is not a user's (an invitee, a billing contact), with the language to write to it in.

    It has no ``pk``: templates offer portal links to users only (``{% if user.pk %}``), since an
    address that cannot sign in cannot follow them.
    """

    email: str
    language: str = ""

    @property
    def display_name(self):
        return self.email


def render_notification(*, template: str, recipient, context: dict | None = None, context_for=None):
    """(subject, text, html) of one notification, rendered in the recipient's language.

    ``context_for(recipient)``, when given, adds what must be read in that language (a localised
    offer name, say); it runs under the recipient's language, like the templates.
    """
    with translation.override(getattr(recipient, "language", "") or settings.LANGUAGE_CODE):
        values = {
            **(context or {}),
            # The portal's name as the reader knows it (the root catalogue translates it), and the
            # language for the HTML part's lang attribute (no request, so no context processor).
            "PORTAL_NAME": translation.gettext(settings.PORTAL_NAME),
            "LANGUAGE_CODE": translation.get_language(),
            "user": recipient,
        }
        if context_for is not None:
            values.update(context_for(recipient))
        subject = render_to_string(f"{template}_subject.txt", values)
        text = render_to_string(f"{template}.txt", values)
        html = render_to_string(f"{template}.html", values)
    return " ".join(subject.split()), text, html


def notify(
    *,
    template: str,
    recipients: Iterable,
    context: dict | None = None,
    context_for: Callable[[object], dict] | None = None,
    attachments_for: Callable[[object], list] | None = None,
    from_email: str | None = None,
    event: str | None = None,
) -> int:
    """Send the notification to each recipient that has an address; returns how many were sent.

    ``template`` is the path without the ending, e.g. ``"membership/email/invitation"``. The context
    gets ``user`` (the recipient) and ``PORTAL_NAME``. ``attachments_for(recipient)``, when given,
    returns (file name, content, MIME type) triples to attach, made under the recipient's language.
    ``event``, when given, names the event told: an address that was told of it already is skipped.
    """
    messages = []
    for recipient in recipients:
        if not recipient.email:
            continue
        subject, text, html = render_notification(
            template=template, recipient=recipient, context=context, context_for=context_for
        )
        message = EmailMultiAlternatives(subject, text, from_email or settings.DEFAULT_FROM_EMAIL, [recipient.email])
        message.attach_alternative(html, "text/html")
        if attachments_for is not None:
            with translation.override(getattr(recipient, "language", "") or settings.LANGUAGE_CODE):
                for attachment in attachments_for(recipient):
                    message.attach(*attachment)
        messages.append(message)
    if not messages:
        return 0
    connection = get_connection()
    if event is None:
        return connection.send_messages(messages) or 0
    return sum(_send_once(connection, message, event=event) for message in messages)


def _send_once(connection, message, *, event: str) -> int:
    """Claim (event, address), then send; a claim that exists already means it was sent: skip.

    The claim and the sending share a transaction, so a failed send gives the claim back and the
    task's retry sends it; a rival run waits on the unique key until this one commits, then skips.
    """
    address = message.to[0].lower()
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a duplicate leaves the transaction usable
                SentEmail.objects.create(event=event[:120], recipient=address)
        except IntegrityError:
            return 0
        return connection.send_messages([message]) or 0


def sent_emails_prune(*, now=None) -> int:
    """Forget the claims older than ``SENT_EMAIL_RETENTION_DAYS`` (the beat, daily): the table grew by
    a row per e-mail for ever. An event is only told again when a task runs again, and no retry,
    redelivery or replay comes that late, so an old claim guards nothing."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.SENT_EMAIL_RETENTION_DAYS)
    return SentEmail.objects.filter(sent_at__lt=cutoff).delete()[0]
