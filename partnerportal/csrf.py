"""The page's CSRF token for the Jinja2 pages: Django's masked token, with its mask drawn in one system call.

Django masks the cookie's secret afresh for every page (BREACH: the token in the HTML changes on every
response although the secret does not) with a mask of 32 characters drawn by ``secrets.choice``, one
``os.urandom`` call each: about 65 µs a page on the bench machine, 2–4 % of a hot page. Here the mask
is drawn from one ``os.urandom`` call, by rejection sampling (bytes at or above the largest multiple
of the alphabet's size are dropped, so every character stays equally likely), and the secret is
enciphered as ``django.middleware.csrf._mask_cipher_secret`` does, so that Django's middleware
unmasks it. The token is made the way ``django.middleware.csrf.get_token`` makes it: from the
secret the middleware read (and then marked for the cookie to be sent again), or by Django itself
when the request brought no secret. ``tests/partnerportal/test_csrf_token.py`` checks both against
Django's own middleware.
"""

import os

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.utils.functional import SimpleLazyObject

_SIZE = len(CSRF_ALLOWED_CHARS)
_POSITION = {char: index for index, char in enumerate(CSRF_ALLOWED_CHARS)}
_ALPHABET = frozenset(CSRF_ALLOWED_CHARS)
# Bytes below this are used (byte % _SIZE is then uniform); about 3 % of bytes are dropped.
_ACCEPTED_BELOW = 256 - 256 % _SIZE


def _mask():
    """CSRF_SECRET_LENGTH characters of the alphabet, each uniform and independent."""
    drawn = []
    while len(drawn) < CSRF_SECRET_LENGTH:
        drawn.extend(CSRF_ALLOWED_CHARS[byte % _SIZE] for byte in os.urandom(48) if byte < _ACCEPTED_BELOW)
    return "".join(drawn[:CSRF_SECRET_LENGTH])


def mask_secret(secret):
    """The token for ``secret``: a fresh mask, then the secret shifted by it (Django's cipher)."""
    mask = _mask()
    cipher = "".join(
        CSRF_ALLOWED_CHARS[(_POSITION[plain] + _POSITION[key]) % _SIZE] for plain, key in zip(secret, mask, strict=True)
    )
    return mask + cipher


def page_token(request):
    """``get_token(request)``, with the mask above."""
    secret = request.META.get("CSRF_COOKIE")
    # The middleware put a checked secret there; anything else goes to Django as it is.
    if secret is None or len(secret) != CSRF_SECRET_LENGTH or not _ALPHABET.issuperset(secret):
        return get_token(request)  # no usable secret yet: Django makes one and sets the cookie
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # as get_token: the cookie goes out with the page
    return mask_secret(secret)


def context_processor(request):
    """``django.template.context_processors.csrf`` with ``page_token``: read once a page, when a form asks."""
    return {"csrf_token": SimpleLazyObject(lambda: page_token(request))}
