"""Signed-in pages from the cache, never stale: data versions, reader keys and ``cached_page``.

Every organisation has a version token, and so does the catalogue (everything of the portal that no
one organisation owns: offers, terms, prices). A save or delete of any model of the portal's apps
replaces the token of the organisation it belongs to, or the catalogue's when it belongs to none
(``connect_version_signals``, called by this app's config). What is cached for a reader (a whole
page: ``cached_page``; the header and menu: the ``{% cached_part %}`` tag; the user with roles:
membership.backends) is stored under the tokens read when its request began, so a change makes
the next request miss and render afresh. Nothing has to remember which pages a change touches.

Tokens are random, not counters: a token the cache evicted comes back as a new one, never as one an
old part was stored under.

Two orders keep a race from caching old data under a new token:
- the tokens are read before the data (the caller reads them first and stores under them);
- a change replaces the token at once (the same request, and tests that run inside one transaction,
  see it) and again when its transaction commits, so a part rendered from data read before the
  commit is stored under a token that nobody asks for any more.

Writes that bypass model signals (``QuerySet.update``, ``bulk_create``) call ``organization_changed``
or ``catalogue_changed`` themselves.
"""

import hashlib
import re
import threading
import uuid
from functools import partial, wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

CATALOGUE_KEY = "pagever:catalogue"
# How far the signal handler follows foreign keys to find the owning organisation (an attachment
# belongs to a message that belongs to a request that belongs to an organisation).
OWNER_SEARCH_DEPTH = 3


def organization_key(organization_id):
    return "pagever:org:%d" % organization_id


def _new_token():
    return uuid.uuid4().hex[:16]


# The tokens read during the current request, so that its user snapshot and its page read each
# token once. Emptied when a request starts and when it ends; outside a request (a task, the shell)
# every read goes to the cache.
_read_in_request = threading.local()


def _start_request(**kwargs):
    _read_in_request.tokens = {}


def _end_request(**kwargs):
    _read_in_request.tokens = None


def _tokens(keys):
    """The current token of each key, creating the missing ones (one cache round trip when all exist)."""
    memo = getattr(_read_in_request, "tokens", None)
    missing = [key for key in keys if memo is None or key not in memo]
    if len(missing) == 1:
        found = {missing[0]: cache.get(missing[0])}
    else:
        found = cache.get_many(missing) if missing else {}
    tokens = []
    for key in keys:
        token = memo[key] if key not in missing else found.get(key)
        if token is None:
            token = _new_token()
            if not cache.add(key, token, timeout=None):
                # Another process created it first: use theirs.
                token = cache.get(key) or token
        if memo is not None:
            memo[key] = token
        tokens.append(token)
    return tokens


def data_versions(organization_id):
    """(organisation token, catalogue token) for an organisation, or (None, catalogue token) for none."""
    if organization_id is None:
        return (None, _tokens([CATALOGUE_KEY])[0])
    return tuple(_tokens([organization_key(organization_id), CATALOGUE_KEY]))


def organization_version(organization_id):
    return _tokens([organization_key(organization_id)])[0]


def replace_version(key):
    cache.set(key, _new_token(), timeout=None)
    memo = getattr(_read_in_request, "tokens", None)
    if memo is not None:
        memo.pop(key, None)  # this request's next read sees the new token


def _replace_now_and_on_commit(key):
    replace_version(key)
    transaction.on_commit(partial(replace_version, key))


def organization_changed(organization_id):
    """The organisation's data changed: its cached parts (and its users' cached snapshots) are old."""
    if organization_id is not None:
        _replace_now_and_on_commit(organization_key(organization_id))


def catalogue_changed():
    """Data no single organisation owns changed: every cached part is old."""
    _replace_now_and_on_commit(CATALOGUE_KEY)


def owner_organization_id(instance, depth=OWNER_SEARCH_DEPTH):
    """The id of the organisation that owns a model instance, following foreign keys; None if none does.

    An organisation owns itself; a model with an ``organization`` key belongs to it; anything else
    belongs to the owner of the first of its foreign keys that has one (a timeline entry to its
    subscription's organisation, a role to its user's).
    """
    meta = instance._meta
    if meta.label_lower == settings.PAGE_CACHE_ORGANIZATION_MODEL:
        return instance.pk
    if hasattr(instance, "organization_id"):
        return instance.organization_id
    if depth == 0:
        return None
    for field in meta.concrete_fields:
        if not field.many_to_one and not field.one_to_one:
            continue
        if getattr(instance, field.attname) is None:
            continue
        try:
            related = getattr(instance, field.name)
        except field.related_model.DoesNotExist:
            continue
        owner = owner_organization_id(related, depth - 1)
        if owner is not None:
            return owner
    return None


# The organisation a row belonged to when it was loaded: a row moved to another organisation (a user
# that staff move in the admin) changes what the old one shows too.
LOADED_OWNER = "_page_cache_loaded_organization_id"


def _remember_owner(sender, instance, **kwargs):
    if sender._meta.app_label in settings.PAGE_CACHE_APPS and "organization_id" in instance.__dict__:
        instance.__dict__[LOADED_OWNER] = instance.__dict__["organization_id"]


def _data_changed(sender, instance, **kwargs):
    if sender._meta.app_label not in settings.PAGE_CACHE_APPS:
        return
    organization_id = owner_organization_id(instance)
    if organization_id is None:
        catalogue_changed()
    else:
        organization_changed(organization_id)
    loaded = instance.__dict__.get(LOADED_OWNER)
    if loaded is not None and loaded != organization_id:
        organization_changed(loaded)
    if "organization_id" in instance.__dict__:
        instance.__dict__[LOADED_OWNER] = instance.__dict__["organization_id"]


def _relation_changed(sender, instance, action, **kwargs):
    if action.startswith("post_"):
        _data_changed(type(instance), instance)


def connect_version_signals():
    request_started.connect(_start_request, dispatch_uid="page_cache.request_started")
    request_finished.connect(_end_request, dispatch_uid="page_cache.request_finished")
    post_init.connect(_remember_owner, dispatch_uid="page_cache.post_init")
    post_save.connect(_data_changed, dispatch_uid="page_cache.post_save")
    post_delete.connect(_data_changed, dispatch_uid="page_cache.post_delete")
    m2m_changed.connect(_relation_changed, dispatch_uid="page_cache.m2m_changed")


# --- What is cached for a reader -------------------------------------------------------------------

# A stored page or part never carries a session's CSRF token: it is kept with this placeholder, and
# each request puts its own token in (two browsers of one user have different tokens).
CSRF_PLACEHOLDER = "csrf-token-placeholder-b41f9e"
CSRF_INPUT_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def is_cacheable_request(request):
    """A signed-in reader's plain page view: a form sent back with its errors is never kept."""
    user = getattr(request, "user", None)
    return request.method in ("GET", "HEAD") and getattr(user, "is_authenticated", False)


def reader_key(request, name, *vary_on):
    """The cache key of what `name` shows this reader now: everything it can depend on.

    The page's path and query, the reader, their language, today's date (renewal windows, "expires
    in" texts) and the data versions of their organisation and of the catalogue.
    """
    # Read before anything is rendered: see the module's note on the order that matters.
    organization_version, catalogue_version = data_versions(request.user.organization_id)
    parts = [
        name,
        *(str(value) for value in vary_on),
        request.get_full_path(),
        str(request.user.pk),
        translation.get_language() or "",
        timezone.localdate().isoformat(),
        organization_version or "",
        catalogue_version,
    ]
    return "reader:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def with_csrf_placeholder(html):
    return CSRF_INPUT_VALUE.sub(r"\g<1>%s\g<2>" % CSRF_PLACEHOLDER, html)


def with_csrf_token(html, request):
    return html.replace(CSRF_PLACEHOLDER, get_token(request)) if CSRF_PLACEHOLDER in html else html


def cached_page(name):
    """View decorator: the whole page for a signed-in reader, from the cache while nothing it shows changed.

    Put it inside the permission decorators, which still run on every request. A hit runs none of
    the view's code and no query: the key's data versions prove the page is what the view would
    render now (another organisation's id never reaches a stored page, since the reader is in the
    key and a refused page is never stored). A page that shows flash messages is neither served
    from nor kept in the cache: the messages are for one request.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not is_cacheable_request(request) or len(get_messages(request)):
                return view(request, *args, **kwargs)
            key = reader_key(request, name)
            html = cache.get(key)
            if html is not None:
                return HttpResponse(with_csrf_token(html, request))
            response = view(request, *args, **kwargs)
            messages = get_messages(request)
            if response.status_code == 200 and not response.streaming and not (messages.used or len(messages)):
                cache.set(key, with_csrf_placeholder(response.content.decode()), settings.PAGE_CACHE_SECONDS)
            return response

        return wrapped

    return decorator
