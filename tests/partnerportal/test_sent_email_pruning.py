"""The claims of e-mailed events (SentEmail) are forgotten after SENT_EMAIL_RETENTION_DAYS by the beat's daily task."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from partnerportal.models import SentEmail
from partnerportal.notifications import notify
from partnerportal.tasks import prune_sent_emails
from tests.factories.membership import UserFactory

pytestmark = pytest.mark.django_db


def _claim(event, days_ago):
    claim = SentEmail.objects.create(event=event, recipient="someone@example.com")
    SentEmail.objects.filter(pk=claim.pk).update(sent_at=timezone.now() - datetime.timedelta(days=days_ago))
    return claim


def test_the_daily_task_forgets_only_the_claims_past_their_retention(settings):
    settings.SENT_EMAIL_RETENTION_DAYS = 400
    _claim("order:1:confirmed", days_ago=401)
    kept = [_claim("order:2:confirmed", days_ago=399), _claim("order:3:confirmed", days_ago=0)]
    assert prune_sent_emails.delay().get() == {"removed": 1}
    assert sorted(SentEmail.objects.values_list("pk", flat=True)) == sorted(claim.pk for claim in kept)
    assert prune_sent_emails.delay().get() == {"removed": 0}  # a second run is a no-op


def _password_reset_mail(user, event):
    return notify(template="registration/password_reset", recipients=[user], context={"url": "x"}, event=event)


def test_a_claim_within_its_retention_still_stops_a_second_e_mail_and_a_forgotten_one_does_not(settings):
    settings.SENT_EMAIL_RETENTION_DAYS = 400
    user = UserFactory()
    assert _password_reset_mail(user, "test:recent") == 1
    assert _password_reset_mail(user, "test:old") == 1
    SentEmail.objects.filter(event="test:recent").update(sent_at=timezone.now() - datetime.timedelta(days=399))
    SentEmail.objects.filter(event="test:old").update(sent_at=timezone.now() - datetime.timedelta(days=401))
    prune_sent_emails.delay().get()
    mail.outbox.clear()
    assert _password_reset_mail(user, "test:recent") == 0  # still claimed: told once
    assert _password_reset_mail(user, "test:old") == 1  # forgotten: a task this late would tell it again
    assert len(mail.outbox) == 1


def test_the_beat_runs_it_daily(settings):
    entries = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"].endswith("prune_sent_emails")]
    assert len(entries) == 1
