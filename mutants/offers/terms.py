"""Date arithmetic for subscription terms (R6, R8); pure functions, no database."""

import calendar
import datetime

from django.conf import settings


from mutmut.mutation.trampoline import wrap_in_trampoline as _mutmut_mutated, MutantDict
mutants_x_add_months__mutmut: MutantDict = {}  # type: ignore


@_mutmut_mutated(mutants_x_add_months__mutmut)
def add_months(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_orig(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_1(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = None
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_2(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 - months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_3(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month + 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_4(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 2 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_5(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = None
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_6(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year - month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_7(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index / 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_8(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 13, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_9(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 - 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_10(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index / 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_11(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 13 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_12(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 2
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_13(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(None, month, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_14(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, None, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_15(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, None)


def x_add_months__mutmut_16(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(month, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_17(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, min(day.day, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_18(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, )


def x_add_months__mutmut_19(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(None, calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_20(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, None))


def x_add_months__mutmut_21(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(calendar.monthrange(year, month)[1]))


def x_add_months__mutmut_22(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, ))


def x_add_months__mutmut_23(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(None, month)[1]))


def x_add_months__mutmut_24(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, None)[1]))


def x_add_months__mutmut_25(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(month)[1]))


def x_add_months__mutmut_26(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, )[1]))


def x_add_months__mutmut_27(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month, months later; clamped to the month's last day (29 Feb → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[2]))

mutants_x_add_months__mutmut['_mutmut_orig'] = x_add_months__mutmut_orig # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_1'] = x_add_months__mutmut_1 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_2'] = x_add_months__mutmut_2 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_3'] = x_add_months__mutmut_3 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_4'] = x_add_months__mutmut_4 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_5'] = x_add_months__mutmut_5 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_6'] = x_add_months__mutmut_6 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_7'] = x_add_months__mutmut_7 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_8'] = x_add_months__mutmut_8 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_9'] = x_add_months__mutmut_9 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_10'] = x_add_months__mutmut_10 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_11'] = x_add_months__mutmut_11 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_12'] = x_add_months__mutmut_12 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_13'] = x_add_months__mutmut_13 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_14'] = x_add_months__mutmut_14 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_15'] = x_add_months__mutmut_15 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_16'] = x_add_months__mutmut_16 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_17'] = x_add_months__mutmut_17 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_18'] = x_add_months__mutmut_18 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_19'] = x_add_months__mutmut_19 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_20'] = x_add_months__mutmut_20 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_21'] = x_add_months__mutmut_21 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_22'] = x_add_months__mutmut_22 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_23'] = x_add_months__mutmut_23 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_24'] = x_add_months__mutmut_24 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_25'] = x_add_months__mutmut_25 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_26'] = x_add_months__mutmut_26 # type: ignore # mutmut generated
mutants_x_add_months__mutmut['x_add_months__mutmut_27'] = x_add_months__mutmut_27 # type: ignore # mutmut generated
mutants_x_renewal_window__mutmut: MutantDict = {}  # type: ignore


@_mutmut_mutated(mutants_x_renewal_window__mutmut)
def renewal_window(period_end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day on which a partner may renew by hand (R8)."""
    return (
        period_end - datetime.timedelta(days=settings.RENEWAL_WINDOW_DAYS_BEFORE),
        period_end + datetime.timedelta(days=settings.RENEWAL_WINDOW_DAYS_AFTER),
    )


def x_renewal_window__mutmut_orig(period_end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day on which a partner may renew by hand (R8)."""
    return (
        period_end - datetime.timedelta(days=settings.RENEWAL_WINDOW_DAYS_BEFORE),
        period_end + datetime.timedelta(days=settings.RENEWAL_WINDOW_DAYS_AFTER),
    )


def x_renewal_window__mutmut_1(period_end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day on which a partner may renew by hand (R8)."""
    return (
        period_end + datetime.timedelta(days=settings.RENEWAL_WINDOW_DAYS_BEFORE),
        period_end + datetime.timedelta(days=settings.RENEWAL_WINDOW_DAYS_AFTER),
    )


def x_renewal_window__mutmut_2(period_end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day on which a partner may renew by hand (R8)."""
    return (
        period_end - datetime.timedelta(days=None),
        period_end + datetime.timedelta(days=settings.RENEWAL_WINDOW_DAYS_AFTER),
    )


def x_renewal_window__mutmut_3(period_end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day on which a partner may renew by hand (R8)."""
    return (
        period_end - datetime.timedelta(days=settings.RENEWAL_WINDOW_DAYS_BEFORE),
        period_end - datetime.timedelta(days=settings.RENEWAL_WINDOW_DAYS_AFTER),
    )


def x_renewal_window__mutmut_4(period_end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day on which a partner may renew by hand (R8)."""
    return (
        period_end - datetime.timedelta(days=settings.RENEWAL_WINDOW_DAYS_BEFORE),
        period_end + datetime.timedelta(days=None),
    )

mutants_x_renewal_window__mutmut['_mutmut_orig'] = x_renewal_window__mutmut_orig # type: ignore # mutmut generated
mutants_x_renewal_window__mutmut['x_renewal_window__mutmut_1'] = x_renewal_window__mutmut_1 # type: ignore # mutmut generated
mutants_x_renewal_window__mutmut['x_renewal_window__mutmut_2'] = x_renewal_window__mutmut_2 # type: ignore # mutmut generated
mutants_x_renewal_window__mutmut['x_renewal_window__mutmut_3'] = x_renewal_window__mutmut_3 # type: ignore # mutmut generated
mutants_x_renewal_window__mutmut['x_renewal_window__mutmut_4'] = x_renewal_window__mutmut_4 # type: ignore # mutmut generated
mutants_x_renewal_term__mutmut: MutantDict = {}  # type: ignore


@_mutmut_mutated(mutants_x_renewal_term__mutmut)
def renewal_term(
    *, period_end: datetime.date, today: datetime.date, months: int
) -> tuple[datetime.date, datetime.date]:
    """The next term: from the old end date before expiry, from today after it (R8)."""
    start = period_end if today <= period_end else today
    return start, add_months(start, months)


def x_renewal_term__mutmut_orig(
    *, period_end: datetime.date, today: datetime.date, months: int
) -> tuple[datetime.date, datetime.date]:
    """The next term: from the old end date before expiry, from today after it (R8)."""
    start = period_end if today <= period_end else today
    return start, add_months(start, months)


def x_renewal_term__mutmut_1(
    *, period_end: datetime.date, today: datetime.date, months: int
) -> tuple[datetime.date, datetime.date]:
    """The next term: from the old end date before expiry, from today after it (R8)."""
    start = None
    return start, add_months(start, months)


def x_renewal_term__mutmut_2(
    *, period_end: datetime.date, today: datetime.date, months: int
) -> tuple[datetime.date, datetime.date]:
    """The next term: from the old end date before expiry, from today after it (R8)."""
    start = period_end if (today <= period_end) and False else today
    return start, add_months(start, months)


def x_renewal_term__mutmut_3(
    *, period_end: datetime.date, today: datetime.date, months: int
) -> tuple[datetime.date, datetime.date]:
    """The next term: from the old end date before expiry, from today after it (R8)."""
    start = period_end if (today <= period_end) or True else today
    return start, add_months(start, months)


def x_renewal_term__mutmut_4(
    *, period_end: datetime.date, today: datetime.date, months: int
) -> tuple[datetime.date, datetime.date]:
    """The next term: from the old end date before expiry, from today after it (R8)."""
    start = period_end if today < period_end else today
    return start, add_months(start, months)


def x_renewal_term__mutmut_5(
    *, period_end: datetime.date, today: datetime.date, months: int
) -> tuple[datetime.date, datetime.date]:
    """The next term: from the old end date before expiry, from today after it (R8)."""
    start = period_end if today <= period_end else today
    return start, add_months(None, months)


def x_renewal_term__mutmut_6(
    *, period_end: datetime.date, today: datetime.date, months: int
) -> tuple[datetime.date, datetime.date]:
    """The next term: from the old end date before expiry, from today after it (R8)."""
    start = period_end if today <= period_end else today
    return start, add_months(start, None)


def x_renewal_term__mutmut_7(
    *, period_end: datetime.date, today: datetime.date, months: int
) -> tuple[datetime.date, datetime.date]:
    """The next term: from the old end date before expiry, from today after it (R8)."""
    start = period_end if today <= period_end else today
    return start, add_months(months)


def x_renewal_term__mutmut_8(
    *, period_end: datetime.date, today: datetime.date, months: int
) -> tuple[datetime.date, datetime.date]:
    """The next term: from the old end date before expiry, from today after it (R8)."""
    start = period_end if today <= period_end else today
    return start, add_months(start, )

mutants_x_renewal_term__mutmut['_mutmut_orig'] = x_renewal_term__mutmut_orig # type: ignore # mutmut generated
mutants_x_renewal_term__mutmut['x_renewal_term__mutmut_1'] = x_renewal_term__mutmut_1 # type: ignore # mutmut generated
mutants_x_renewal_term__mutmut['x_renewal_term__mutmut_2'] = x_renewal_term__mutmut_2 # type: ignore # mutmut generated
mutants_x_renewal_term__mutmut['x_renewal_term__mutmut_3'] = x_renewal_term__mutmut_3 # type: ignore # mutmut generated
mutants_x_renewal_term__mutmut['x_renewal_term__mutmut_4'] = x_renewal_term__mutmut_4 # type: ignore # mutmut generated
mutants_x_renewal_term__mutmut['x_renewal_term__mutmut_5'] = x_renewal_term__mutmut_5 # type: ignore # mutmut generated
mutants_x_renewal_term__mutmut['x_renewal_term__mutmut_6'] = x_renewal_term__mutmut_6 # type: ignore # mutmut generated
mutants_x_renewal_term__mutmut['x_renewal_term__mutmut_7'] = x_renewal_term__mutmut_7 # type: ignore # mutmut generated
mutants_x_renewal_term__mutmut['x_renewal_term__mutmut_8'] = x_renewal_term__mutmut_8 # type: ignore # mutmut generated
mutants_x_auto_renewal_term__mutmut: MutantDict = {}  # type: ignore


@_mutmut_mutated(mutants_x_auto_renewal_term__mutmut)
def auto_renewal_term(*, period_end: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """The term an automatic renewal buys: from the old end date, even when a retry charges it days later (R6, R10)."""
    return period_end, add_months(period_end, months)


def x_auto_renewal_term__mutmut_orig(*, period_end: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """The term an automatic renewal buys: from the old end date, even when a retry charges it days later (R6, R10)."""
    return period_end, add_months(period_end, months)


def x_auto_renewal_term__mutmut_1(*, period_end: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """The term an automatic renewal buys: from the old end date, even when a retry charges it days later (R6, R10)."""
    return period_end, add_months(None, months)


def x_auto_renewal_term__mutmut_2(*, period_end: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """The term an automatic renewal buys: from the old end date, even when a retry charges it days later (R6, R10)."""
    return period_end, add_months(period_end, None)


def x_auto_renewal_term__mutmut_3(*, period_end: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """The term an automatic renewal buys: from the old end date, even when a retry charges it days later (R6, R10)."""
    return period_end, add_months(months)


def x_auto_renewal_term__mutmut_4(*, period_end: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """The term an automatic renewal buys: from the old end date, even when a retry charges it days later (R6, R10)."""
    return period_end, add_months(period_end, )

mutants_x_auto_renewal_term__mutmut['_mutmut_orig'] = x_auto_renewal_term__mutmut_orig # type: ignore # mutmut generated
mutants_x_auto_renewal_term__mutmut['x_auto_renewal_term__mutmut_1'] = x_auto_renewal_term__mutmut_1 # type: ignore # mutmut generated
mutants_x_auto_renewal_term__mutmut['x_auto_renewal_term__mutmut_2'] = x_auto_renewal_term__mutmut_2 # type: ignore # mutmut generated
mutants_x_auto_renewal_term__mutmut['x_auto_renewal_term__mutmut_3'] = x_auto_renewal_term__mutmut_3 # type: ignore # mutmut generated
mutants_x_auto_renewal_term__mutmut['x_auto_renewal_term__mutmut_4'] = x_auto_renewal_term__mutmut_4 # type: ignore # mutmut generated
