"""R22: requests filed before the clocks get their clock events from their history, then their deadlines.

The events are read off what the history already holds (filing, status changes, the first public
staff reply); the deadlines come from support.sla, the pure arithmetic the services use.
"""

from django.conf import settings
from django.db import migrations

from support import sla


def backfill(apps, schema_editor):
    ServiceRequest = apps.get_model("support", "ServiceRequest")
    StatusChange = apps.get_model("support", "StatusChange")
    RequestMessage = apps.get_model("support", "RequestMessage")
    ClockEvent = apps.get_model("support", "ClockEvent")
    calendar = sla.calendar_from_settings()
    for service_request in ServiceRequest.objects.iterator():
        events = [ClockEvent(request=service_request, kind="started", at=service_request.created_at)]
        first = (
            RequestMessage.objects.filter(request=service_request, is_internal=False, author__is_staff=True)
            .order_by("created_at", "id")
            .first()
        )
        if first is not None:
            events.append(ClockEvent(request=service_request, kind="first_response", at=first.created_at))
        for change in StatusChange.objects.filter(request=service_request).exclude(from_status="").order_by(
            "created_at", "id"
        ):
            if change.to_status == "waiting_on_partner":
                kind = "paused"
            elif change.to_status in ("resolved", "closed"):
                kind = None if change.from_status == "resolved" else "resolved"
            elif change.from_status == "resolved":
                kind = "reopened"
            elif change.from_status == "waiting_on_partner":
                kind = "resumed"
            else:
                kind = None
            if kind:
                events.append(ClockEvent(request=service_request, kind=kind, at=change.created_at))
        events.sort(key=lambda event: event.at)
        ClockEvent.objects.bulk_create(events)
        figures = sla.clocks(
            events,
            budgets=sla.budgets_for(service_request.severity),
            now=events[-1].at,
            calendar=calendar,
            warn_share=settings.SLA_WARNING_SHARE,
        )
        due = {target: clock.due_at for target, clock in figures.items()}
        ServiceRequest.objects.filter(pk=service_request.pk).update(
            first_response_due_at=due["first_response"],
            resolution_due_at=due["resolution"],
            sla_due_at=min((value for value in due.values() if value), default=None),
            # Those already past 80 % of a running target are warned at the task's next run, once.
            sla_warn_at=min((clock.warn_at for clock in figures.values() if clock.warn_at), default=None),
        )


class Migration(migrations.Migration):
    dependencies = [("support", "0003_sla_clock_and_canned_replies")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
