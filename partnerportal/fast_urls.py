"""URLs of pages reversed once per process: lists draw a link per row, and reverse() costs more than the row.

A URL depends only on its name, the URLconf and the script prefix, never on the data, so both
helpers key their memo on those. ``object_url`` serves routes with one integer argument (an
object's primary key): it reverses the name once with a sentinel number and puts each pk in its
place, which gives exactly what ``reverse(name, args=[pk])`` gives.
"""

import contextvars
from contextlib import contextmanager
from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

# A number no route contains by chance (its digits are replaced, nothing else is).
SENTINEL = 918273645


# The URLconf and script prefix while a page is drawn (``pinned_url_key``), else None.
_pinned_key = contextvars.ContextVar("portal_pinned_url_key", default=None)


def url_key():
    """What every URL depends on besides its name: the URLconf and the script prefix."""
    pinned = _pinned_key.get()
    if pinned is not None:
        return pinned
    return get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()


@contextmanager
def pinned_url_key():
    """Around the drawing of a page: its URLconf and script prefix read once. Django keeps both in
    thread-locals (~2.5 µs a read, two a link), and a page draws its header, menu, pager and links
    from them a dozen times; nothing changes them while a page is drawn."""
    token = _pinned_key.set(url_key())
    try:
        yield
    finally:
        _pinned_key.reset(token)


@lru_cache(maxsize=256)
def _page_url(name, urlconf, script_prefix):
    try:
        return reverse(name, urlconf=urlconf)
    except NoReverseMatch:
        return None


@lru_cache(maxsize=256)
def _object_url_parts(name, urlconf, script_prefix):
    url = reverse(name, args=[SENTINEL], urlconf=urlconf)
    head, sentinel, tail = url.partition(str(SENTINEL))
    if not sentinel or str(SENTINEL) in tail:
        raise ValueError("%s does not take one integer argument" % name)
    return head, tail


def page_url(name):
    """reverse(name) for a page without arguments, or None when the running code has no such page."""
    return _page_url(name, *url_key())


def object_url_maker(name):
    """``object_url`` for many objects in one request: a function of the pk (the name is reversed once)."""
    head, tail = _object_url_parts(name, *url_key())
    return lambda pk: "%s%d%s" % (head, int(pk), tail)


def object_url(name, pk):
    """reverse(name, args=[pk]) for a route whose only argument is an integer."""
    head, tail = _object_url_parts(name, *url_key())
    return "%s%d%s" % (head, int(pk), tail)
