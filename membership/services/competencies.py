"""Competencies: granted by staff, renewed for a year, expired when lapsed, with a reminder 30 days before."""

import datetime

from django.db import transaction
from django.utils import timezone

from partnerportal.notifications import notify

from ..dates import add_months
from ..models import Competency, CompetencyReminder, Role
from ..selectors import organization_users_with_roles
from .activity import activity_record

COMPETENCY_REMINDER_DAYS = 30


@transaction.atomic
def competency_grant(*, actor, competency: Competency) -> Competency:
    """Staff grant a competency (from admin); the activity log keeps who granted it."""
    if competency.granted_by_id is None and getattr(actor, "is_authenticated", False):
        competency.granted_by = actor
    competency.full_clean()
    competency.save()
    activity_record(
        actor=actor,
        organization=competency.organization,
        verb="competency.granted",
        obj=competency,
        data={"expires_on": competency.expires_on.isoformat()},
    )
    return competency


@transaction.atomic
def competency_renew(*, actor, competency: Competency, today: datetime.date | None = None) -> Competency:
    """Extend a competency by a year from its end date (or from today when it has lapsed)."""
    today = today or timezone.localdate()
    competency = Competency.objects.select_for_update().get(pk=competency.pk)
    base = competency.expires_on if competency.is_current(today) else today
    competency.expires_on = add_months(base, 12)  # 29 February → 28 February, as a subscription
    competency.expired_at = None
    competency.full_clean()
    competency.save(update_fields=["expires_on", "expired_at"])
    activity_record(
        actor=actor,
        organization=competency.organization,
        verb="competency.renewed",
        obj=competency,
        data={"expires_on": competency.expires_on.isoformat()},
    )
    return competency


@transaction.atomic
def competency_expire(*, actor, competency: Competency) -> Competency:
    competency = Competency.objects.select_for_update().get(pk=competency.pk)
    if competency.expired_at is not None:
        return competency
    competency.expired_at = timezone.now()
    competency.save(update_fields=["expired_at"])
    activity_record(actor=actor, organization=competency.organization, verb="competency.expired", obj=competency)
    return competency


def competencies_expire_lapsed(*, today: datetime.date | None = None) -> int:
    """Mark every competency past its end date as expired (the daily task)."""
    today = today or timezone.localdate()
    lapsed = Competency.objects.filter(expired_at__isnull=True, expires_on__lt=today)
    count = 0
    for competency in lapsed.iterator():
        competency_expire(actor=None, competency=competency)
        count += 1
    return count


def _competency_reminder_send(reminder_id: int) -> None:
    reminder = CompetencyReminder.objects.select_related("competency__organization").get(pk=reminder_id)
    competency = reminder.competency
    notify(
        template="membership/email/competency_reminder",
        recipients=organization_users_with_roles(
            organization_id=competency.organization_id, roles=[Role.GLOBAL_ADMIN, Role.MPN_PARTNER_ADMIN]
        ),
        context={"competency": competency, "expires_on_iso": reminder.expires_on.isoformat()},
        event="competency_reminder:%d" % reminder.pk,
    )


def competencies_send_expiry_reminders(*, today: datetime.date | None = None) -> int:
    """E-mail the organisation once, 30 days before a competency expires (a reminder row per expiry date)."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=COMPETENCY_REMINDER_DAYS)
    due = Competency.objects.filter(expired_at__isnull=True, expires_on__gte=today, expires_on__lte=horizon)
    sent = 0
    for competency in due.iterator():
        with transaction.atomic():
            reminder, created = CompetencyReminder.objects.get_or_create(
                competency=competency, expires_on=competency.expires_on
            )
            if created:
                transaction.on_commit(lambda pk=reminder.pk: _competency_reminder_send(pk))
                activity_record(
                    actor=None,
                    organization=competency.organization,
                    verb="competency.reminder_sent",
                    obj=competency,
                    data={"expires_on": competency.expires_on.isoformat()},
                )
                sent += 1
    return sent
