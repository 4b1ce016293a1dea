"""Run the daily subscription sweep as of a given date (to show and test the lifecycle)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from offers import services, tasks
from offers.selectors.lifecycle import as_date


class Command(BaseCommand):
    help = (
        "Run the subscription sweep (renewals, retries, expiries, reminders) as of --today (default: today). "
        "By default every due action runs eagerly here, in this process, one after the other, and the "
        "command reports each outcome; no worker or broker is needed. With --broker the actions are "
        "sent to the Celery broker (CELERY_BROKER_URL) instead and a running worker performs them "
        "(`celery -A partnerportal worker`); the command then returns as soon as they are queued."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to sweep for, YYYY-MM-DD (e.g. 2027-11-25)")
        parser.add_argument(
            "--broker", action="store_true", help="enqueue the actions for a Celery worker instead of running them here"
        )

    def handle(self, *args, today=None, broker=False, **options):
        try:
            day = datetime.date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError("--today must be a date in the form YYYY-MM-DD") from exc
        results = []

        def run_here(action, subscription_id, today_iso):
            result = services.SWEEP_ACTIONS[action](subscription_id=subscription_id, today=today_iso)
            results.append((action, subscription_id, result))

        enqueue = tasks.enqueue_action if broker else run_here
        actions = services.subscriptions_sweep(today=day, enqueue=enqueue)
        day = as_date(day)
        if broker:
            self.stdout.write("Sweep for %s: %d action(s) sent to the broker." % (day, len(actions)))
            return
        self.stdout.write("Sweep for %s: %d action(s) run." % (day, len(actions)))
        for action, subscription_id, result in results:
            outcome = getattr(result, "outcome", result)
            self.stdout.write("  subscription %s: %s -> %s" % (subscription_id, action, outcome))
