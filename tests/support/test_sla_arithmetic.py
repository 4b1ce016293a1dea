"""The business-hours arithmetic and the clocks of support.sla, on their edges (pure functions, no database)."""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.conf import settings as django_settings

from support import sla

DUBLIN = ZoneInfo("Europe/Dublin")
UTC = datetime.UTC
H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)
ST_PATRICKS_DAY = datetime.date(2026, 3, 17)  # a Tuesday, a public holiday in Ireland
CALENDAR = sla.BusinessCalendar(DUBLIN, holidays={ST_PATRICKS_DAY})
# Minutes of first response and resolution: severity A (critical) and B (moderate) of the settings.
A = {"first_response": 60 * M, "resolution": 9 * H}
B = {"first_response": 4 * H, "resolution": 27 * H}


def local(*args):
    return datetime.datetime(*args, tzinfo=DUBLIN)


@dataclass
class Event:
    kind: str
    at: datetime.datetime


def between(start, end, calendar=CALENDAR):
    return sla.business_time_between(calendar, start, end)


def add(start, amount, calendar=CALENDAR):
    return sla.business_add(calendar, start, amount)


class TestBusinessTimeBetween:
    def test_inside_one_day(self):
        assert between(local(2026, 3, 2, 10), local(2026, 3, 2, 12, 30)) == 2.5 * H

    def test_before_opening_and_after_closing_do_not_count(self):
        assert between(local(2026, 3, 2, 6), local(2026, 3, 2, 23)) == 9 * H

    def test_across_midnight(self):
        assert between(local(2026, 3, 2, 17), local(2026, 3, 3, 10)) == 2 * H
        assert between(local(2026, 3, 2, 23, 30), local(2026, 3, 3, 0, 30)) == datetime.timedelta(0)

    def test_a_weekend_counts_nothing(self):
        assert between(local(2026, 3, 6, 17), local(2026, 3, 9, 10)) == 2 * H
        assert between(local(2026, 3, 7, 9), local(2026, 3, 8, 18)) == datetime.timedelta(0)

    def test_a_holiday_counts_nothing(self):
        assert between(local(2026, 3, 16, 17), local(2026, 3, 18, 10)) == 2 * H

    def test_the_holidays_library_calendar_knows_st_patricks_day(self):
        calendar = sla.BusinessCalendar(DUBLIN, holidays=holidays.country_holidays("IE"))
        assert not calendar.is_business_day(ST_PATRICKS_DAY)
        assert between(local(2026, 3, 16, 17), local(2026, 3, 18, 10), calendar) == 2 * H

    def test_end_before_start_is_zero(self):
        assert between(local(2026, 3, 2, 12), local(2026, 3, 2, 10)) == datetime.timedelta(0)

    def test_a_weekend_with_the_spring_dst_change(self):
        # Clocks go forward on Sunday 29 March 2026 in Dublin: Friday 17:00 (UTC) to Monday 10:00 (UTC+1).
        assert between(local(2026, 3, 27, 17), local(2026, 3, 30, 10)) == 2 * H
        assert between(local(2026, 10, 23, 17), local(2026, 10, 26, 10)) == 2 * H

    def test_business_hours_on_the_night_of_a_dst_change(self):
        # A night desk open 00:00-04:00 every day: the spring night is an hour shorter, the autumn one longer.
        night = sla.BusinessCalendar(
            DUBLIN, weekdays=frozenset(range(7)), opens=datetime.time(0), closes=datetime.time(4)
        )
        assert between(local(2026, 3, 29, 0), local(2026, 3, 29, 4), night) == 3 * H
        assert between(local(2026, 10, 25, 0), local(2026, 10, 25, 4), night) == 5 * H
        assert between(local(2026, 3, 28, 0), local(2026, 3, 28, 4), night) == 4 * H
        # Two hours from midnight on the spring night end at 03:00 local (02:00 UTC).
        assert add(local(2026, 3, 29, 0), 2 * H, night) == datetime.datetime(2026, 3, 29, 2, tzinfo=UTC)

    def test_any_time_zone_of_the_inputs_gives_the_same_answer(self):
        start = local(2026, 3, 2, 10).astimezone(ZoneInfo("Asia/Tokyo"))
        end = local(2026, 3, 2, 12).astimezone(ZoneInfo("America/New_York"))
        assert between(start, end) == 2 * H

    def test_naive_datetimes_are_refused(self):
        with pytest.raises(ValueError):
            between(datetime.datetime(2026, 3, 2, 10), local(2026, 3, 2, 12))


class TestBusinessAdd:
    def test_inside_one_day(self):
        assert add(local(2026, 3, 2, 10), H) == local(2026, 3, 2, 11)

    def test_ending_exactly_at_closing_stays_that_day(self):
        assert add(local(2026, 3, 2, 17), H) == local(2026, 3, 2, 18)
        assert add(local(2026, 3, 2, 17), H + M) == local(2026, 3, 3, 9, 1)

    def test_filed_outside_business_hours_counts_from_the_next_opening(self):
        assert add(local(2026, 3, 7, 10), H) == local(2026, 3, 9, 10)  # Saturday → Monday
        assert add(local(2026, 3, 6, 20), H) == local(2026, 3, 9, 10)  # Friday evening → Monday
        assert add(local(2026, 3, 2, 7), H) == local(2026, 3, 2, 10)  # Monday before opening
        assert add(local(2026, 3, 16, 18, 30), H) == local(2026, 3, 18, 10)  # before a holiday

    def test_a_business_day_across_a_weekend_and_the_dst_change(self):
        # Friday 17:30 + 1 h → Monday 09:30 local, which is 08:30 UTC after the clocks went forward.
        due = add(local(2026, 3, 27, 17, 30), H)
        assert due == datetime.datetime(2026, 3, 30, 8, 30, tzinfo=UTC)
        assert add(local(2026, 3, 27, 9), 9 * H) == local(2026, 3, 27, 18)

    def test_several_days(self):
        assert add(local(2026, 3, 2, 9), 27 * H) == local(2026, 3, 4, 18)

    def test_zero_is_the_start_and_a_negative_amount_counts_back(self):
        assert add(local(2026, 3, 7, 10), datetime.timedelta(0)) == local(2026, 3, 7, 10)
        assert add(local(2026, 3, 9, 10), -2 * H) == local(2026, 3, 6, 17)

    def test_add_and_between_agree(self):
        start = local(2026, 3, 27, 16, 17)
        for minutes in (1, 43, 60, 540, 541, 1620, 5000):
            due = add(start, minutes * M)
            assert between(start, due) == minutes * M

    def test_a_calendar_without_business_hours_is_refused(self):
        closed = sla.BusinessCalendar(DUBLIN, weekdays=frozenset())
        with pytest.raises(ValueError):
            add(local(2026, 3, 2, 10), H, closed)
        with pytest.raises(ValueError):
            sla.BusinessCalendar(DUBLIN, opens=datetime.time(18), closes=datetime.time(9))

    def test_signed_time_left(self):
        now = local(2026, 3, 6, 17)
        assert sla.business_signed_left(CALENDAR, now, local(2026, 3, 9, 10)) == 2 * H
        assert sla.business_signed_left(CALENDAR, local(2026, 3, 9, 10), now) == -2 * H


class TestClocks:
    def clocks(self, events, now, budgets=B):
        return sla.clocks(events, budgets=budgets, now=now, calendar=CALENDAR)

    def test_no_start_no_clock(self):
        figures = self.clocks([], local(2026, 3, 2, 12))
        assert {clock.state for clock in figures.values()} == {sla.NOT_STARTED}

    def test_a_running_clock(self):
        figures = self.clocks([Event("started", local(2026, 3, 2, 10))], local(2026, 3, 2, 11))
        first = figures["first_response"]
        assert first.state == sla.RUNNING
        assert first.used == H and first.left == 3 * H
        assert first.due_at == local(2026, 3, 2, 14)
        assert first.warn_at == local(2026, 3, 2, 13, 12)  # 80 % of 4 h
        assert figures["resolution"].due_at == local(2026, 3, 5, 10)

    def test_deadlines_do_not_depend_on_now(self):
        events = [Event("started", local(2026, 3, 2, 10))]
        early = self.clocks(events, local(2026, 3, 2, 10))
        late = self.clocks(events, local(2026, 3, 20, 10))
        assert early["first_response"].due_at == late["first_response"].due_at
        assert late["first_response"].breached and not early["first_response"].breached

    def test_a_request_filed_on_saturday(self):
        figures = self.clocks([Event("started", local(2026, 3, 7, 10))], local(2026, 3, 8, 23), budgets=A)
        assert figures["first_response"].used == datetime.timedelta(0)
        assert figures["first_response"].due_at == local(2026, 3, 9, 10)
        assert figures["first_response"].warn_at == local(2026, 3, 9, 9, 48)

    def test_waiting_on_the_partner_pauses_both_clocks(self):
        events = [
            Event("started", local(2026, 3, 2, 9)),
            Event("paused", local(2026, 3, 2, 10)),
        ]
        for now in (local(2026, 3, 2, 11), local(2026, 3, 12, 11)):
            figures = self.clocks(events, now)
            assert figures["first_response"].state == sla.CLOCK_PAUSED
            assert figures["first_response"].used == H and figures["resolution"].used == H
            assert figures["first_response"].due_at is None and figures["first_response"].warn_at is None

    def test_the_partners_reply_resumes_with_the_time_already_used(self):
        events = [
            Event("started", local(2026, 3, 2, 9)),
            Event("paused", local(2026, 3, 2, 10)),
            Event("resumed", local(2026, 3, 4, 10)),
        ]
        figures = self.clocks(events, local(2026, 3, 4, 11))
        assert figures["first_response"].used == 2 * H
        assert figures["first_response"].due_at == local(2026, 3, 4, 13)
        # Resolution: 27 h less the 1 h before the pause, from Wednesday 10:00 (8 h + 9 h + 9 h).
        assert figures["resolution"].due_at == local(2026, 3, 6, 18)

    def test_a_pause_across_a_holiday_weekend_and_the_dst_change(self):
        events = [
            Event("started", local(2026, 3, 27, 17)),
            Event("paused", local(2026, 3, 27, 17, 30)),
            Event("resumed", local(2026, 3, 28, 12)),  # a partner replying on Saturday
        ]
        figures = self.clocks(events, local(2026, 3, 30, 9, 30), budgets=A)
        assert figures["first_response"].used == 60 * M
        assert figures["first_response"].due_at == local(2026, 3, 30, 9, 30)
        assert not figures["first_response"].breached

    def test_the_first_reply_stops_the_first_response_clock_only(self):
        events = [Event("started", local(2026, 3, 2, 9)), Event("first_response", local(2026, 3, 2, 9, 40))]
        figures = self.clocks(events, local(2026, 3, 2, 15), budgets=A)
        first = figures["first_response"]
        assert first.state == sla.STOPPED and first.used == 40 * M and not first.breached
        assert first.stopped_at == local(2026, 3, 2, 9, 40) and first.due_at is None
        assert figures["resolution"].state == sla.RUNNING and figures["resolution"].used == 6 * H

    def test_a_late_first_reply_stays_breached(self):
        events = [Event("started", local(2026, 3, 2, 9)), Event("first_response", local(2026, 3, 2, 11))]
        first = self.clocks(events, local(2026, 3, 9, 9), budgets=A)["first_response"]
        assert first.breached and first.left == -H

    def test_resolving_stops_both_and_reopening_restarts_resolution(self):
        events = [
            Event("started", local(2026, 3, 2, 9)),
            Event("resolved", local(2026, 3, 2, 12)),
        ]
        figures = self.clocks(events, local(2026, 3, 3, 12))
        assert {clock.state for clock in figures.values()} == {sla.STOPPED}
        assert figures["resolution"].used == 3 * H
        events.append(Event("reopened", local(2026, 3, 3, 12)))
        figures = self.clocks(events, local(2026, 3, 3, 13))
        assert figures["first_response"].state == sla.STOPPED
        assert figures["resolution"].state == sla.RUNNING and figures["resolution"].used == 4 * H

    def test_resolving_while_waiting_on_the_partner(self):
        events = [
            Event("started", local(2026, 3, 2, 9)),
            Event("paused", local(2026, 3, 2, 10)),
            Event("resolved", local(2026, 3, 5, 10)),
        ]
        figures = self.clocks(events, local(2026, 3, 6, 10))
        assert figures["resolution"].state == sla.STOPPED and figures["resolution"].used == H

    def test_an_overdue_clock_keeps_its_overdue_part_in_the_stored_deadline(self):
        # 3 h used of 1 h when paused, so 2 h overdue at the resumption: the stored deadline lies 2 business
        # hours before it (Monday 16:00), and the time left read from it counts the overdue part too.
        events = [
            Event("started", local(2026, 3, 2, 9)),
            Event("paused", local(2026, 3, 2, 12)),
            Event("resumed", local(2026, 3, 3, 9)),
        ]
        now = local(2026, 3, 3, 10)
        first = self.clocks(events, now, budgets=A)["first_response"]
        assert first.left == -3 * H
        assert first.due_at == local(2026, 3, 2, 16)
        assert sla.business_signed_left(CALENDAR, now, first.due_at) == first.left

    def test_the_time_left_from_the_stored_deadline_equals_the_clock(self):
        events = [
            Event("started", local(2026, 3, 6, 16)),
            Event("paused", local(2026, 3, 6, 17)),
            Event("resumed", local(2026, 3, 7, 11)),
        ]
        for now in (local(2026, 3, 7, 12), local(2026, 3, 9, 9, 30), local(2026, 3, 9, 12), local(2026, 3, 10, 9)):
            clock = self.clocks(events, now)["first_response"]
            assert sla.business_signed_left(CALENDAR, now, clock.due_at) == clock.left

    def test_events_before_the_start_are_ignored(self):
        events = [Event("paused", local(2026, 3, 2, 9)), Event("started", local(2026, 3, 2, 10))]
        assert self.clocks(events, local(2026, 3, 2, 11))["first_response"].state == sla.RUNNING

    def test_other_kinds_do_not_move_a_clock(self):
        events = [
            Event("started", local(2026, 3, 2, 9)),
            Event("warning_sent", local(2026, 3, 2, 12)),
            Event("severity_changed", local(2026, 3, 2, 13)),
        ]
        assert self.clocks(events, local(2026, 3, 2, 14))["first_response"].used == 5 * H


class TestFromSettings:
    def test_targets_and_calendar_come_from_the_settings(self, settings):
        settings.SLA_TARGETS = {"critical": {"first_response": 30, "resolution": 120}}
        assert sla.budgets_for("critical") == {"first_response": 30 * M, "resolution": 2 * H}
        settings.STAFF_TIME_ZONE = "Europe/Moscow"
        settings.SLA_BUSINESS_HOURS = ("10:00", "19:00")
        settings.SLA_HOLIDAYS_COUNTRY = "RU"
        settings.SLA_EXTRA_HOLIDAYS = ["2026-03-02"]
        calendar = sla.calendar_from_settings()
        assert calendar.time_zone == ZoneInfo("Europe/Moscow") and calendar.opens == datetime.time(10)
        assert not calendar.is_business_day(datetime.date(2026, 1, 2))  # New Year holidays in Russia
        assert not calendar.is_business_day(datetime.date(2026, 3, 2))  # the extra day off
        assert calendar.is_business_day(datetime.date(2026, 3, 3))

    def test_the_default_targets(self):
        settings = django_settings
        assert settings.SLA_TARGETS["critical"]["first_response"] == 60
        assert settings.SLA_TARGETS["moderate"]["first_response"] == 4 * 60
        assert settings.SLA_TARGETS["minimal"]["first_response"] == 9 * 60  # one business day of 09:00-18:00
        assert settings.SLA_BUSINESS_HOURS == ("09:00", "18:00") and settings.SLA_BUSINESS_WEEKDAYS == [0, 1, 2, 3, 4]
