"""Calendar arithmetic for terms; pure functions, no database.

The lowest layer that measures a term keeps the rule: competencies here, and subscriptions in
offers (``offers.terms``) use the same function, so a 29 February is handled one way everywhere.
"""

import calendar
import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
