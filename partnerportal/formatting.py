"""Dates as the reader's locale writes them, formatted once per process for each value.

Django's ``date`` filter (and ``formats.date_format``) re-reads the format and walks it character
by character on every call, ~30 µs; a list page writes a date per row, and the same days again on
every request. ``date_text`` keeps each text per (value, format, language, time zone): the text
depends on nothing else. An aware datetime is shown in the current time zone, as templates do.
"""

import datetime
from functools import lru_cache

from django.conf import settings
from django.utils import dateformat, formats, timezone

from partnerportal.i18n import current_language, current_zone


@lru_cache(maxsize=8192)
def _date_text(value, fmt, language, zone):
    # What django.template.defaultfilters.date does; the language and the zone are in the key
    # because the text depends on them (aware datetimes in two zones compare equal).
    try:
        return formats.date_format(value, fmt)
    except AttributeError:
        try:
            return dateformat.format(value, fmt)
        except AttributeError:
            return ""


def date_formatter(fmt=None):
    """``date_text`` for many values in one request: the language and the zone are looked up once."""
    language, zone = current_language(), current_zone()
    use_tz = settings.USE_TZ

    def format_one(value):
        if value in (None, ""):
            return ""
        if use_tz and isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = value.astimezone(zone)
        return _date_text(value, fmt, language, zone)

    return format_one


def date_text(value, fmt=None, *, localize=True):
    """``value|date:fmt`` as text ("" for None); ``localize=False`` when the caller already converted it."""
    if value in (None, ""):
        return ""
    if localize and isinstance(value, datetime.datetime) and settings.USE_TZ and timezone.is_aware(value):
        value = value.astimezone(current_zone())  # timezone.localtime, with the pinned zone
    try:
        # The zone object, not its name: naming it costs more than the memo saves.
        return _date_text(value, fmt, current_language(), current_zone())
    except TypeError:  # an unhashable value: format it as the date filter would
        return _date_text.__wrapped__(value, fmt, None, None)
