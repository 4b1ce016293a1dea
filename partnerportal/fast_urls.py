"""URLs of pages reversed once per process: lists draw a link per row, and reverse() costs more than the row.

A URL depends only on its name, the URLconf and the script prefix, never on the data, so both
helpers key their memo on those. ``object_url`` serves routes with one integer argument (an
object's primary key): it reverses the name once with a sentinel number and puts each pk in its
place, which gives exactly what ``reverse(name, args=[pk])`` gives.
"""

from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

# A number no route contains by chance (its digits are replaced, nothing else is).
SENTINEL = 918273645


def url_key():
    """What every URL depends on besides its name: the URLconf and the script prefix."""
    return get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()


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
