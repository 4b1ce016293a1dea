"""Data with effective dates (tax rates, offer prices): a row that has taken effect never changes.

An invoice keeps the rate and price of its day (R19), and a renewal charges those of its own day:
both are read back from these rows by date, so a row already in force (or past) must stay as it
was, and a new row may start today at the earliest. Staff correct a mistake by adding a row with a
later date. The model's ``clean`` calls ``check_effective_dated``; the admin shows such rows read-only.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _


def has_taken_effect(effective_from: datetime.date | None, today: datetime.date | None = None) -> bool:
    """Whether a row dated ``effective_from`` is in force or past on ``today``."""
    return effective_from is not None and effective_from <= (today or timezone.localdate())


def check_effective_dated(instance, fields, *, today: datetime.date | None = None) -> None:
    """Refuse a change that would rewrite the past: ValidationError per field, or nothing.

    ``fields`` are the row's other facts (the rate, the amount…); a row that has taken effect keeps
    them and its date. A new or still-future row may not be dated before ``today``.
    """
    today = today or timezone.localdate()
    if instance.pk is not None:
        stored = type(instance).objects.filter(pk=instance.pk).values("effective_from", *fields).first()
        if stored is not None and has_taken_effect(stored["effective_from"], today):
            changed = [name for name in ("effective_from", *fields) if getattr(instance, name) != stored[name]]
            if changed:
                raise ValidationError(
                    _(
                        "This row took effect on %(date)s and can no longer change. "
                        "Add a new one with a later date instead."
                    )
                    % {"date": date_format(stored["effective_from"], "DATE_FORMAT")},
                    code="effective_past",
                )
            return
    if instance.effective_from is not None and instance.effective_from < today:
        raise ValidationError(
            {
                "effective_from": ValidationError(
                    _("A new row takes effect on %(date)s at the earliest: the past never changes.")
                    % {"date": date_format(today, "DATE_FORMAT")},
                    code="effective_before_today",
                )
            }
        )
