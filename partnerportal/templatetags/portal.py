"""Template helpers for the hot pages: URLs reversed once and dates formatted once per process.

``{% portal_header %}`` draws the header once per language and kind of reader, then fills in the reader's values.
``{% portal_menu %}`` draws the left menu once per page and language, ``{% text_part "partial.html" k=v %}``
a partial that depends on nothing but the code and the language.
``{% language_options as options %}`` lists the languages by their own names, built once.
``{% page_url "name" %}`` is ``{% url "name" %}`` for a page without arguments, and
``{% object_url "name" pk %}`` is ``{% url "name" pk %}`` for a route with one integer argument,
both from partnerportal.fast_urls (reverse() costs more than a list row). ``{% asset_url "css/portal.css" %}``
is ``{% static %}`` looked up once per process. ``{{ value|formatted_date:"DATE_FORMAT" }}``
is ``{{ value|date:"DATE_FORMAT" }}`` with the text kept per (value, format, language, time zone)
(partnerportal.formatting).
"""

import re
from functools import lru_cache

import jinja2
from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from partnerportal import fast_urls
from partnerportal.formatting import date_text
from partnerportal.i18n import current_language
from partnerportal.navigation import navigation

register = template.Library()


@register.simple_tag
def page_url(name):
    url = fast_urls.page_url(name)
    if url is None:
        raise template.TemplateSyntaxError("no page is named %r" % name)
    return url


@register.simple_tag
def object_url(name, pk):
    return fast_urls.object_url(name, pk)


@lru_cache(maxsize=64)
def _asset_url(path, script_prefix):
    return static(path)


@register.simple_tag
def asset_url(path):
    """A static file's URL: the manifest's hashed name, which is fixed for the life of the process."""
    return _asset_url(path, fast_urls.url_key()[1])


@lru_cache(maxsize=1024)
def _menu(view_name, language, urlconf, script_prefix):
    return render_to_string("partials/menu.html", {"entries": navigation(view_name)})


@register.simple_tag(takes_context=True)
def portal_menu(context):
    """The left menu of the page being shown, drawn once per (page, language) in a process.

    It depends on nothing else: the menu is the code's (partnerportal.navigation), the same for
    every reader, and its URLs depend only on the URLconf and the script prefix (in the key).
    Drawing it cost more than the rest of the header (fourteen links, their states).
    """
    match = getattr(context.get("request"), "resolver_match", None)
    return _menu(match.view_name if match else None, current_language(), *fast_urls.url_key())


@lru_cache(maxsize=256)
def _text_part(template_name, values, language, urlconf, script_prefix):
    return render_to_string(template_name, dict(values))


@register.simple_tag
def text_part(template_name, **values):
    """A partial that says the same to every reader (a tier's description): drawn once per process.

    Its text depends only on the template, the constants given and the language (the key), like the
    menu; it must not read the reader, the request or any data.
    """
    return _text_part(template_name, tuple(sorted(values.items())), current_language(), *fast_urls.url_key())


# The reader's values in the header, as placeholders in the drawing and filled in per request. Plain
# letters, which the template's escaping leaves as they are.
HEADER_SLOTS = ("organization", "who", "next", "csrf")
HEADER_SLOT = "portal-header-slot-%s-5d1c"
HEADER_SLOT_PATTERN = re.compile("portal-header-slot-(%s)-5d1c" % "|".join(HEADER_SLOTS))


@lru_cache(maxsize=64)
def _header(language, signed_in, with_organization, portal_name, urlconf, script_prefix):
    context = {
        "LANGUAGE_CODE": language,
        "PORTAL_NAME": portal_name,
        "signed_in": signed_in,
        "with_organization": with_organization,
        "slot": {name: HEADER_SLOT % name for name in HEADER_SLOTS},
    }
    return render_to_string("partials/header.html", context)


@register.simple_tag(takes_context=True)
def portal_header(context):
    """The header: brand, organisation, the reader's name, the language menu and Sign out.

    Drawn once per (language, signed in or not, with an organisation or not) in a process, like the
    menu; the reader's organisation and name, the page to come back to and the CSRF token are put in
    per request, escaped. Rendering it through the template engine cost more than most pages' content.
    """
    request = context["request"]
    user = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    with_organization = bool(signed_in and user.organization_id)
    drawing = _header(current_language(), signed_in, with_organization, settings.PORTAL_NAME, *fast_urls.url_key())
    values = {
        "organization": user.organization.name if with_organization else "",
        "who": user.display_name if signed_in else "",
        "next": request.get_full_path(),
        # The context's token (django.template.context_processors.csrf), which the page's forms
        # use too: one masked token a page, not one per form.
        "csrf": str(context["csrf_token"]),
    }
    return mark_safe(HEADER_SLOT_PATTERN.sub(lambda match: escape(values[match.group(1)]), drawing))


@lru_cache(maxsize=8)
def _language_options(codes):
    return tuple((code, capfirst(translation.get_language_info(code)["name_local"])) for code in codes)


@register.simple_tag
def language_options():
    """(code, the language's own name) for the language menu: "English", "Русский", the same on every page."""
    return _language_options(tuple(code for code, _name in settings.LANGUAGES))


@register.filter(expects_localtime=True, is_safe=False)
def formatted_date(value, arg=None):
    """Django's ``date`` filter, memoised: the same text for the same value, format, language and zone."""
    return date_text(value, arg, localize=False)  # the template engine converted it (expects_localtime)


# The pager's per-page values, as placeholders in its drawing (plain letters, left alone by escaping).
PAGER_SLOTS = ("query", "number", "count", "previous", "next")
PAGER_SLOT = "portal-pager-slot-%s-7e2a"
PAGER_SLOT_PATTERN = re.compile("portal-pager-slot-(%s)-7e2a" % "|".join(PAGER_SLOTS))


@lru_cache(maxsize=64)
def _pager(language, has_previous, has_next, urlconf, script_prefix):
    slot = {name: PAGER_SLOT % name for name in PAGER_SLOTS}
    page = {
        "has_other_pages": True,
        "has_previous": has_previous,
        "has_next": has_next,
        "number": slot["number"],
        "paginator": {"num_pages": slot["count"]},
        "previous_page_number": slot["previous"],
        "next_page_number": slot["next"],
    }
    return render_to_string("partials/pager.html", {"page": page, "query": slot["query"]})


@register.simple_tag
def pager(page, query=""):
    """``{% include "partials/pager.html" %}`` for ``page``, drawn once per (language, which links) in a process.

    The pager's words and markup depend only on the language and on whether there is a previous and
    a next page; the numbers and the rest of the query string ("status=open&") are put in per
    request, escaped. Through the template engine the partial cost as much as a page of rows.
    """
    if not page.has_other_pages():
        return ""
    has_previous, has_next = page.has_previous(), page.has_next()
    values = {
        "query": escape(query),
        "number": page.number,
        "count": page.paginator.num_pages,
        "previous": page.number - 1 if has_previous else "",
        "next": page.number + 1 if has_next else "",
    }
    drawing = _pager(current_language(), has_previous, has_next, *fast_urls.url_key())
    return mark_safe(PAGER_SLOT_PATTERN.sub(lambda match: str(values[match.group(1)]), drawing))


def _with_template_context(function):
    """A tag that reads the template's context (request, user, csrf_token), for Jinja2 too: Jinja2
    hands its context to a function marked with ``pass_context``, and both read it with ``[]``/``get``."""
    return jinja2.pass_context(lambda context, *args: function(context, *args))


def _date_filter(value, arg=None):
    return date_text(value, arg)  # Jinja2 does not convert to local time first, as Django's engine does


# The same helpers for the Jinja2 pages (partnerportal.jinja; settings name this module).
JINJA_GLOBALS = {
    "page_url": page_url,
    "object_url": object_url,
    "asset_url": asset_url,
    "portal_header": _with_template_context(portal_header),
    "portal_menu": _with_template_context(portal_menu),
    "text_part": text_part,
    "pager": pager,
}
JINJA_FILTERS = {"formatted_date": _date_filter}
