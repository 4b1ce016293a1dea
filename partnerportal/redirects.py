"""Where to send someone next, when the page is named by the request (``next``, ``back``).

A target read from the request is accepted only as a local path ("/billing/…"). Anything else,
a URL name such as "dashboard" or "logout" included, is ignored: handing it to ``redirect()``
would resolve it as a URL name (a 500 NoReverseMatch, or a silent sign-out).
"""

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def is_local_path(value) -> bool:
    """True for a path on this site: starts with one '/', no scheme, host, backslash or control character."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return False
    if "\\" in value or any(ord(char) < 32 or ord(char) == 127 for char in value):
        return False
    return url_has_allowed_host_and_scheme(value, allowed_hosts=set())


def safe_next(request, value, default) -> str:
    """``value`` when it is a local path, else ``default`` (a URL, or a URL name resolved here)."""
    return value if is_local_path(value) else resolve_url(default)


class LocalNextMixin:
    """For Django's sign-in and sign-out views: follow ``next`` only to a local path."""

    def get_redirect_url(self):
        url = super().get_redirect_url()
        return url if is_local_path(url) else ""
