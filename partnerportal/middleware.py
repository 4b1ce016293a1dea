"""A database that is busy or does not answer is a 503 page with Retry-After, never a 500 (product.md R17).

The page is rendered without touching the database: no session, no user, no context processors. Its
language is the one UserLocaleMiddleware chose (the user's saved language, or the language cookie or
Accept-Language), or when the database failed before it ran, the cookie's or Accept-Language's.

Two ways an error reaches here, and both are needed:
- raised by a view or while rendering its template: process_exception answers before Django turns it
  into a 500;
- raised by a middleware inside this one (the session or the user loaded by the language middleware,
  the session saved on the way out): Django has already made it a 500 response by the time it comes
  back, so the got_request_exception signal marks the request and __call__ swaps the answer.
"""

import logging
import sys

from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)

# Long enough for a locked SQLite writer or a restarting PostgreSQL to come back; short enough that a
# person reloading is not kept waiting.
RETRY_AFTER_SECONDS = 5

# OperationalError covers "database is locked" (SQLite), a refused or cut connection, a server
# shutting down or starting up, and PostgreSQL's serialization failures and deadlocks; InterfaceError
# is a connection that was already closed under us.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def database_unavailable_error(exc):
    """The database error behind exc (itself, or what it was raised from or while handling), else None."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, DATABASE_UNAVAILABLE):
            return exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def database_unavailable_response(request):
    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(request)
    with translation.override(language):
        body = render_to_string(
            "503.html",
            {
                "LANGUAGE_CODE": translation.get_language(),
                "portal_name": translation.gettext(settings.PORTAL_NAME),
                "retry_after": RETRY_AFTER_SECONDS,
            },
        )
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@receiver(got_request_exception, dispatch_uid="partnerportal.database_unavailable")
def _mark_database_unavailable(sender, request=None, **kwargs):
    # Sent while Django handles the exception, so sys.exc_info() is the error.
    error = database_unavailable_error(sys.exc_info()[1])
    if request is not None and error is not None:
        request._database_unavailable = error


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        error = getattr(request, "_database_unavailable", None)
        if error is not None and response.status_code >= 500:
            return self._unavailable(request, error)
        return response

    def process_exception(self, request, exception):
        error = database_unavailable_error(exception)
        if error is None:
            return None
        return self._unavailable(request, error)

    @staticmethod
    def _unavailable(request, error):
        logger.warning("Database unavailable, answered 503 to %s %s: %r", request.method, request.path, error)
        return database_unavailable_response(request)


class NulCharactersRefusedMiddleware:
    """A query string with a NUL character is a 400 page, never a 500.

    No one types NUL, and PostgreSQL cannot hold it in a string: a filter of an admin list
    (``?currency=%00``) reached the database as it came and PostgreSQL refused it with an error, a
    500. Forms already refuse NUL (Django's ProhibitNullCharactersValidator); a query string goes
    to views and admin filters without a form, so it is refused here, once, for every page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            raise BadRequest("A NUL character in the query string")
        return self.get_response(request)
