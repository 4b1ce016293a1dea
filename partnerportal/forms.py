"""Form plumbing every app uses: dates with sensible bounds, and a service's errors shown on the form."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Far enough for any real filter, near enough that a day added or a time zone applied cannot
# leave Python's calendar (9999-12-31 + 1 day is an OverflowError).
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)


class BoundedDateField(forms.DateField):
    """A date between EARLIEST_DATE and LATEST_DATE; outside, a message next to the field."""

    default_error_messages = {"out_of_range": _("Enter a date between %(earliest)s and %(latest)s.")}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("min", EARLIEST_DATE.isoformat())
        self.widget.attrs.setdefault("max", LATEST_DATE.isoformat())

    def validate(self, value):
        super().validate(value)
        if value and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
                params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
            )


def add_service_errors(form, exc: ValidationError, field=None):
    """Show a service's ValidationError on the form: per field where the form has that field, else at the top.

    A model's full_clean() raises errors keyed by model field; ``form.add_error(field, exc)`` with
    such an error raises TypeError, and a key the form lacks raises ValueError.
    """
    if not hasattr(exc, "error_dict"):
        form.add_error(field if field in form.fields else None, exc)
        return
    for name, errors in exc.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)
