"""Sign-in lockout with django-axes, on the portal's sign-in and the admin's: per account and per address.

Axes records every failed sign-in (``axes.models.AccessAttempt``, in the database) and refuses the
next ones once the failures of the last ``LOGIN_LOCKOUT_SECONDS`` reach a limit. It compares one
count with one limit, so this handler gives it the larger of two:

* the account's failures, from every address (``LOGIN_FAILURES_PER_ACCOUNT``, axes' own limit);
* the address's failures, for every account it tried, counted in units of the larger
  ``LOGIN_FAILURES_PER_IP`` limit: one office behind one address may mistype more often than
  one person, yet one address trying many accounts is stopped too.

A successful sign-in clears that account's failures only (not the address's: signing in to
one's own account must not reset the count of guesses at another). Staff unlock an account or
an address by deleting its rows under Axes > Access attempts in the admin.
"""

import datetime
import math

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render

USERNAME_MAX_LENGTH = 255  # AccessAttempt.username


def failure_limit(request, credentials) -> int:
    """AXES_FAILURE_LIMIT: failures that lock one account (read at each request, so tests may change it)."""
    return settings.LOGIN_FAILURES_PER_ACCOUNT


def cool_off(request) -> datetime.timedelta:
    """AXES_COOLOFF_TIME: how long failures count and a lock lasts."""
    return datetime.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


def client_username(request, credentials) -> str | None:
    """AXES_USERNAME_CALLABLE: the e-mail as stored (lower case), so "Ann@" and "ann@" count as one account."""
    field = settings.AXES_USERNAME_FORM_FIELD
    value = credentials.get(field) if credentials else request.POST.get(field)
    value = (value or "").strip().lower()[:USERNAME_MAX_LENGTH]
    return value or None


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: a page in the reader's language, 429 with Retry-After."""
    seconds = int(get_cool_off(request).total_seconds())
    response = render(
        request,
        "registration/locked_out.html",
        {"minutes": max(1, math.ceil(seconds / 60))},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


class PortalAxesBackend(AxesStandaloneBackend):
    """Axes' backend, first in AUTHENTICATION_BACKENDS: it refuses a locked-out sign-in before any password check.

    Both sign-in pages pass the request. A check without one (the test client's login(), a shell)
    is no sign-in from an address: axes would raise; this leaves it to the next backend instead.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class PortalAxesHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per account and a higher one per address (see the module)."""

    def get_failures(self, request, credentials=None) -> int:
        account_limit = failure_limit(request, credentials)
        username = get_client_username(request, credentials)
        by_account = self._failures(request, username=username) if username else 0
        by_address = self._failures(request, ip_address=request.axes_ip_address)
        # Reaches account_limit exactly when by_address reaches LOGIN_FAILURES_PER_IP.
        return max(by_account, by_address * account_limit // max(1, settings.LOGIN_FAILURES_PER_IP))

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count

    @staticmethod
    def _failures(request, **match) -> int:
        attempts = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request), **match)
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
