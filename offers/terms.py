"""Date arithmetic for subscription terms (R6, R8); pure functions, no database.

A term's length in months is ``membership.dates.add_months``, the one rule competencies use too.
"""

import datetime

from django.conf import settings

from membership.dates import add_months


def renewal_window(period_end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day on which a partner may renew by hand (R8)."""
    return (
        period_end - datetime.timedelta(days=settings.RENEWAL_WINDOW_DAYS_BEFORE),
        period_end + datetime.timedelta(days=settings.RENEWAL_WINDOW_DAYS_AFTER),
    )


def renewal_term(
    *, period_end: datetime.date, today: datetime.date, months: int
) -> tuple[datetime.date, datetime.date]:
    """The next term: from the old end date before expiry, from today after it (R8)."""
    start = period_end if today <= period_end else today
    return start, add_months(start, months)


def auto_renewal_term(*, period_end: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """The term an automatic renewal buys: from the old end date, even when a retry charges it days later (R6, R10)."""
    return period_end, add_months(period_end, months)
