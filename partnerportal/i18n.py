"""Translations for the hot paths: each message's text kept per language, for the life of the process.

Django's ``gettext`` reads the active language and walks its catalogues through thread-local
lookups on every call (~3 µs), and a lazy label does it again on every ``str()``. A long table says a
dozen phrases a row. What a message says in a language is fixed while the process runs (Django reads
the catalogues once too), so keeping it per (language, message) changes nothing but the time. Use
these where a page says the same phrases many times; ``makemessages`` finds them as it finds Django's.
"""

import contextvars
from contextlib import contextmanager
from functools import lru_cache

from django.conf import settings
from django.utils import timezone, translation

# The reader's (language, time zone) while a long table is drawn (``pinned_locale``), else None.
_pinned = contextvars.ContextVar("portal_pinned_locale", default=None)


@contextmanager
def pinned_locale():
    """Around a loop that says many phrases, amounts and dates: the active language and time zone are
    read once. Django reads both from thread-locals on every call (~2 µs each, several a row). Only for
    code that does not switch language or zone inside: it would keep speaking the pinned one."""
    token = _pinned.set((translation.get_language(), timezone.get_current_timezone()))
    try:
        yield
    finally:
        _pinned.reset(token)


def context_processor(request):
    """``django.template.context_processors.i18n`` with the language read once (the pinned one)."""
    language = current_language()
    bidi = language is not None and language.split("-")[0] in settings.LANGUAGES_BIDI
    return {"LANGUAGES": settings.LANGUAGES, "LANGUAGE_CODE": language, "LANGUAGE_BIDI": bidi}


def current_language():
    """The active language (the pinned one inside ``pinned_locale``)."""
    pinned = _pinned.get()
    return pinned[0] if pinned is not None else translation.get_language()


def current_zone():
    """The current time zone (the pinned one inside ``pinned_locale``)."""
    pinned = _pinned.get()
    return pinned[1] if pinned is not None else timezone.get_current_timezone()


@lru_cache(maxsize=4096)
def _gettext(language, message):
    # Called with the active language in the key: Django's answer for it, kept.
    return translation.gettext(message)


@lru_cache(maxsize=1024)
def _pgettext(language, context, message):
    return translation.pgettext(context, message)


@lru_cache(maxsize=64)
def _labels(choices, language):
    return {value: str(label) for value, label in choices.choices}


def gettext(message):
    """``django.utils.translation.gettext``, kept per (language, message)."""
    return _gettext(current_language(), message)


def gettext_in(language):
    """``gettext`` for a whole page in ``language`` (the active one, read once by the caller)."""
    return lambda message: _gettext(language, message)


def pgettext(context, message):
    """``django.utils.translation.pgettext``, kept per (language, context, message)."""
    return _pgettext(current_language(), context, message)


def choice_labels(choices):
    """{value: label} of a ``TextChoices`` class in the active language (``get_FOO_display`` for many rows)."""
    return _labels(choices, current_language())


# {(id of a dict of lazy labels, language): {key: text}}: module-level dicts, said once per language.
_said = {}


def texts(labels):
    """{key: text} of a module-level dict of lazy labels, in the current language: each label is
    translated once per language in a process, not on every ``str()``."""
    key = (id(labels), len(labels), current_language())  # a registry that grew is said again
    said = _said.get(key)
    if said is None:
        said = _said[key] = {name: str(label) for name, label in labels.items()}
    return said


def localizer():
    """The one rule for records that keep a text in both languages (an offer's name), for many records
    in one request: a function of (english, russian) giving the Russian text when the active language
    is Russian and it is filled in, else the English. The language is looked up once."""
    in_russian = (current_language() or "").startswith("ru")

    def localized(english, russian):
        return russian if in_russian and russian else english

    return localized


def localized_value(english, russian):
    """``localizer()`` for one record."""
    return localizer()(english, russian)
