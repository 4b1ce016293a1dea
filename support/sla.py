"""Service levels of a request (R22): business-hours arithmetic and the clocks, as pure functions.

Nothing here reads the database or the current time (only the last section reads the settings): the figures are a function of the request's
stored clock events, its targets, ``now`` and the calendar, so the queue, the request page and the
warning task agree, and tests can pin every edge (weekends, holidays, DST, pauses).

All arithmetic runs on UTC instants. Business windows are laid out per local date in the staff
time zone and converted to UTC before any subtraction: Python subtracts two datetimes of the same
``ZoneInfo`` as wall-clock times, which would add or lose the hour of a DST change.
"""

import datetime
import functools
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

UTC = datetime.UTC
ZERO = datetime.timedelta(0)
# A calendar with no business day would make ``business_add`` search forever; ten years is "never".
SEARCH_DAYS = 3660


@dataclass(frozen=True)
class BusinessCalendar:
    """When the staff work: weekdays (0 = Monday), opening hours in their time zone, and holidays."""

    time_zone: ZoneInfo
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    opens: datetime.time = datetime.time(9)
    closes: datetime.time = datetime.time(18)
    # Anything answering ``date in holidays``: a ``holidays`` country calendar, a set of dates, ...
    holidays: Container = field(default_factory=frozenset)

    def __post_init__(self):
        if self.opens >= self.closes:
            raise ValueError("Business hours must open before they close.")

    def is_business_day(self, day: datetime.date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def window(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime] | None:
        """The day's business hours as UTC instants, or None on a weekend or holiday."""
        if not self.is_business_day(day):
            return None
        opens = datetime.datetime.combine(day, self.opens, tzinfo=self.time_zone).astimezone(UTC)
        closes = datetime.datetime.combine(day, self.closes, tzinfo=self.time_zone).astimezone(UTC)
        return opens, closes

    def local_date(self, moment: datetime.datetime) -> datetime.date:
        return moment.astimezone(self.time_zone).date()


def _utc(moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is None:
        raise ValueError("Business-hours arithmetic needs aware datetimes.")
    return moment.astimezone(UTC)


def business_time_between(calendar: BusinessCalendar, start: datetime.datetime, end: datetime.datetime):
    """Business time from ``start`` to ``end`` (zero when end is not after start)."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return ZERO
    total = ZERO
    day = calendar.local_date(start) - datetime.timedelta(days=1)  # a window may start the day before in UTC
    last = calendar.local_date(end) + datetime.timedelta(days=1)
    while day <= last:
        window = calendar.window(day)
        if window is not None:
            overlap = min(end, window[1]) - max(start, window[0])
            if overlap > ZERO:
                total += overlap
        day += datetime.timedelta(days=1)
    return total


def business_add(calendar: BusinessCalendar, start: datetime.datetime, amount: datetime.timedelta):
    """The instant when ``amount`` of business time has run from ``start``; ``start`` itself for nothing.

    A negative amount counts back: the instant that much business time before ``start``. A clock
    already overdue at its last event gets its deadline that way, so the time left computed from the
    stored deadline (``business_signed_left``) equals the clock's, overdue part included.
    """
    start = _utc(start)
    if amount < ZERO:
        return _business_back(calendar, start, -amount)
    if amount == ZERO:
        return start
    left = amount
    day = calendar.local_date(start) - datetime.timedelta(days=1)
    for _ in range(SEARCH_DAYS):
        window = calendar.window(day)
        if window is not None and window[1] > start:
            begin = max(start, window[0])
            available = window[1] - begin
            if left <= available:
                return begin + left
            left -= available
        day += datetime.timedelta(days=1)
    raise ValueError("The business calendar has no business hours.")


def _business_back(calendar, start, amount):
    left = amount
    day = calendar.local_date(start) + datetime.timedelta(days=1)
    for _ in range(SEARCH_DAYS):
        window = calendar.window(day)
        if window is not None and window[0] < start:
            end = min(start, window[1])
            available = end - window[0]
            if left <= available:
                return end - left
            left -= available
        day -= datetime.timedelta(days=1)
    raise ValueError("The business calendar has no business hours.")


def business_signed_left(calendar: BusinessCalendar, now: datetime.datetime, due: datetime.datetime):
    """Business time from now to ``due``: negative (overdue) once due has passed."""
    if due >= now:
        return business_time_between(calendar, now, due)
    return -business_time_between(calendar, due, now)


# --- The clocks -------------------------------------------------------------------------------

# The event kinds the clocks read (support.models.ClockEventKind has the same values).
STARTED = "started"
PAUSED = "paused"
RESUMED = "resumed"
FIRST_RESPONSE = "first_response"
RESOLVED = "resolved"
REOPENED = "reopened"

# The targets (support.models.SlaTarget has the same values).
TARGET_FIRST_RESPONSE = "first_response"
TARGET_RESOLUTION = "resolution"
TARGETS = (TARGET_FIRST_RESPONSE, TARGET_RESOLUTION)

# States of one clock.
NOT_STARTED = "not_started"
RUNNING = "running"
CLOCK_PAUSED = "paused"
STOPPED = "stopped"


@dataclass(frozen=True)
class Clock:
    """One target's figures at ``now``."""

    target: str
    budget: datetime.timedelta
    used: datetime.timedelta
    state: str
    # Only while running: when the target is missed, and when 80 % (the warning share) is reached.
    due_at: datetime.datetime | None = None
    warn_at: datetime.datetime | None = None
    stopped_at: datetime.datetime | None = None

    @property
    def left(self) -> datetime.timedelta:
        """Business time left; negative when the target is overdue."""
        return self.budget - self.used

    @property
    def breached(self) -> bool:
        return self.used > self.budget

    @property
    def share_used(self) -> float:
        return self.used / self.budget if self.budget > ZERO else 1.0


def clocks(
    events: Iterable,
    *,
    budgets: dict[str, datetime.timedelta],
    now: datetime.datetime,
    calendar: BusinessCalendar,
    warn_share: float = 0.8,
) -> dict[str, Clock]:
    """Each target's clock from the request's events (objects with ``kind`` and ``at``), in their order.

    Both clocks start with the request. Waiting on the partner pauses both; a partner's reply (or
    staff taking the request back) resumes them. The first public staff reply stops the
    first-response clock; resolving stops both; reopening restarts the resolution clock, with the
    time it had already used. Other kinds (warnings, severity changes) do not move a clock.
    """
    active = dict.fromkeys(TARGETS, False)
    stopped_at: dict[str, datetime.datetime | None] = dict.fromkeys(TARGETS)
    used = dict.fromkeys(TARGETS, ZERO)
    started = paused = False
    last = None
    for event in events:
        at = _utc(event.at)
        if last is not None and started and not paused:
            span = business_time_between(calendar, last, at)
            for target in TARGETS:
                if active[target]:
                    used[target] += span
        last = at if last is None else max(last, at)
        if event.kind == STARTED and not started:
            started = True
            active = dict.fromkeys(TARGETS, True)
        elif not started:
            continue
        elif event.kind == PAUSED:
            paused = True
        elif event.kind == RESUMED:
            paused = False
        elif event.kind == FIRST_RESPONSE and active[TARGET_FIRST_RESPONSE]:
            active[TARGET_FIRST_RESPONSE] = False
            stopped_at[TARGET_FIRST_RESPONSE] = at
        elif event.kind == RESOLVED:
            for target in TARGETS:
                if active[target]:
                    active[target] = False
                    stopped_at[target] = at
            paused = False
        elif event.kind == REOPENED and not active[TARGET_RESOLUTION]:
            active[TARGET_RESOLUTION] = True
            stopped_at[TARGET_RESOLUTION] = None
            paused = False

    now = _utc(now)
    result = {}
    for target in TARGETS:
        budget = budgets[target]
        if not started:
            result[target] = Clock(target, budget, ZERO, NOT_STARTED)
        elif not active[target]:
            result[target] = Clock(target, budget, used[target], STOPPED, stopped_at=stopped_at[target])
        elif paused:
            result[target] = Clock(target, budget, used[target], CLOCK_PAUSED)
        else:
            # Deadlines depend on the events only, never on now: they move when an event is written.
            due_at = business_add(calendar, last, budget - used[target])
            warn_at = business_add(calendar, last, budget * warn_share - used[target])
            so_far = used[target] + business_time_between(calendar, last, now)
            result[target] = Clock(target, budget, so_far, RUNNING, due_at=due_at, warn_at=warn_at)
    return result


# --- From the settings ------------------------------------------------------------------------


def calendar_from_settings() -> BusinessCalendar:
    """The staff's business calendar as the settings describe it (STAFF_TIME_ZONE, SLA_BUSINESS_*)."""
    return _calendar(
        settings.STAFF_TIME_ZONE,
        tuple(settings.SLA_BUSINESS_WEEKDAYS),
        settings.SLA_BUSINESS_HOURS,
        settings.SLA_HOLIDAYS_COUNTRY,
        settings.SLA_HOLIDAYS_SUBDIVISION,
        tuple(settings.SLA_EXTRA_HOLIDAYS),
    )


@functools.lru_cache(maxsize=8)
def _calendar(time_zone, weekdays, hours, country, subdivision, extra):
    opens, closes = (datetime.time.fromisoformat(value) for value in hours)
    days = holidays.country_holidays(country, subdiv=subdivision or None) if country else holidays.HolidayBase()
    # Days the staff take off beyond the country's public holidays (a company day, say).
    days.update({datetime.date.fromisoformat(str(day)): "" for day in extra})
    return BusinessCalendar(ZoneInfo(time_zone), frozenset(weekdays), opens, closes, days)


def budgets_for(severity: str) -> dict[str, datetime.timedelta]:
    """The severity's targets in business time (SLA_TARGETS gives business minutes)."""
    targets = settings.SLA_TARGETS[severity]
    return {target: datetime.timedelta(minutes=targets[target]) for target in TARGETS}
