"""Translations for the hot paths: each message's text kept per language, for the life of the process.

Django's ``gettext`` reads the active language and walks its catalogues through thread-local
lookups on every call (~3 µs), and a lazy label does it again on every ``str()``. A long table says a
dozen phrases a row. What a message says in a language is fixed while the process runs (Django reads
the catalogues once too), so keeping it per (language, message) changes nothing but the time. Use
these where a page says the same phrases many times; ``makemessages`` finds them as it finds Django's.
"""

from functools import lru_cache

from django.utils import translation


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
    return _gettext(translation.get_language(), message)


def pgettext(context, message):
    """``django.utils.translation.pgettext``, kept per (language, context, message)."""
    return _pgettext(translation.get_language(), context, message)


def choice_labels(choices):
    """{value: label} of a ``TextChoices`` class in the active language (``get_FOO_display`` for many rows)."""
    return _labels(choices, translation.get_language())


def localizer():
    """The one rule for records that keep a text in both languages (an offer's name), for many records
    in one request: a function of (english, russian) giving the Russian text when the active language
    is Russian and it is filled in, else the English. The language is looked up once."""
    in_russian = (translation.get_language() or "").startswith("ru")

    def localized(english, russian):
        return russian if in_russian and russian else english

    return localized


def localized_value(english, russian):
    """``localizer()`` for one record."""
    return localizer()(english, russian)
