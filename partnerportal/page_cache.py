"""Signed-in pages from the cache, never stale: data versions in the database, reader keys, ``cached_page``.

Every organisation has a data version, and so does the catalogue (what no one organisation owns:
offers, terms, prices). They are rows of ``DataVersion``, replaced in the same transaction as the data
they describe: a change only notes the scope it makes old, and the database wrapper writes the noted
versions as the transaction's last statement, in sorted order (partnerportal/db/backends/
versions_at_commit.py). A request reads both versions in the same query as its session and user
(membership.sessions), before anything else, and what is cached for it (a whole page: ``cached_page``)
is stored under a key made of those versions, the reader,
the path, the language, the day and the release. A change makes the next request's key new, so it
misses and renders afresh; nothing is ever deleted to invalidate, and a cache that loses or refuses a
write costs a miss, never a stale page. Who may see or do what never comes from here: the user, their
roles and the session are read from the database on every request.

Which rows change which version is declared on each model, never searched for at save time:
``page_cache_owner`` names the attribute path to the owning organisation's id (``"organization_id"``,
``"subscription.organization_id"``) or ``CATALOGUE``. A model without it (document counters, webhook
events, sessions) changes nothing. ``page_cache_unseen_fields`` lists fields no page shows (a user's
last sign-in): a save of only those changes nothing either. Writes that bypass model signals
(``QuerySet.update``, ``bulk_create``) call ``organization_changed`` or ``catalogue_changed`` themselves.
"""

import hashlib
import re
from functools import cache as once
from functools import wraps
from importlib import metadata
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_delete, post_init, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import get_script_prefix
from django.utils import timezone, translation

from partnerportal.db.backends.versions_at_commit import only_test_blocks_open, write_versions
from partnerportal.models import DataVersion

CATALOGUE = "catalogue"
ORGANIZATION_SCOPE = "organization:"


def organization_scope(organization_id):
    return "%s%d" % (ORGANIZATION_SCOPE, organization_id)


# --- Changes ---------------------------------------------------------------------------------------


def _note_change(scope, using=DEFAULT_DB_ALIAS):
    connection = connections[using]
    note = getattr(connection, "note_version_change", None)
    if note is not None:
        note(scope)
    else:  # a database engine without the wrapper: written at once, in the transaction if there is one
        write_versions(connection, {scope})


def organization_changed(organization_id, using=DEFAULT_DB_ALIAS):
    """The organisation's data changed: its pages' version is replaced when the transaction commits."""
    if organization_id is not None:
        _note_change(organization_scope(organization_id), using)


def catalogue_changed(using=DEFAULT_DB_ALIAS):
    """Data no single organisation owns changed: every page's catalogue version is replaced at commit."""
    _note_change(CATALOGUE, using)


def write_pending_versions(using=DEFAULT_DB_ALIAS):
    """Write versions noted by code whose transaction is over (tests: their own block has no savepoint)."""
    connection = connections[using]
    if getattr(connection, "pending_versions", None) and only_test_blocks_open(connection):
        connection.write_pending_versions()


def owner_scope(instance):
    """The scope a row's change makes old, by its model's ``page_cache_owner``; None for none."""
    owner = type(instance).page_cache_owner
    if owner == CATALOGUE:
        return CATALOGUE
    value = instance
    for name in owner.split("."):
        value = getattr(value, name, None)
        if value is None:
            return None
    return organization_scope(value)


# The organisation a row of a model that can move (``page_cache_owner_can_move``: a user staff move to
# another organisation in the admin) belonged to when it was loaded: both organisations' pages change.
LOADED_OWNER = "_page_cache_loaded_organization_id"


def _remember_owner(sender, instance, **kwargs):
    instance.__dict__[LOADED_OWNER] = instance.__dict__.get("organization_id")


def _row_saved(sender, instance, update_fields=None, **kwargs):
    if update_fields and set(update_fields) <= set(getattr(sender, "page_cache_unseen_fields", ())):
        return
    _row_changed(sender, instance, kwargs.get("using") or DEFAULT_DB_ALIAS)


def _row_deleted(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    _row_changed(sender, instance, using)


def row_changed(instance, using=DEFAULT_DB_ALIAS):
    """A row changed by a write that sends no signal (``QuerySet.update``): its owner's version is old."""
    _row_changed(type(instance), instance, using)


def _row_changed(sender, instance, using):
    scope = owner_scope(instance)
    if scope is not None:
        _note_change(scope, using)
    if getattr(sender, "page_cache_owner_can_move", False):
        loaded = instance.__dict__.get(LOADED_OWNER)
        if loaded is not None and loaded != instance.__dict__.get("organization_id"):
            organization_changed(loaded, using)
        _remember_owner(sender, instance)


def connect_version_signals():
    """Connect the save and delete signals of every model that declares ``page_cache_owner``, and no other."""
    for model in apps.get_models():
        if getattr(model, "page_cache_owner", None) is None:
            continue
        uid = "page_cache.%s" % model._meta.label_lower
        post_save.connect(_row_saved, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(_row_deleted, sender=model, dispatch_uid=uid + ".delete")
        if getattr(model, "page_cache_owner_can_move", False):
            post_init.connect(_remember_owner, sender=model, dispatch_uid=uid + ".init")


# --- Reading the versions ----------------------------------------------------------------------------


def data_versions(organization_id):
    """(organisation version, catalogue version) read now, in one query; outside a request (tests, bench)."""
    write_pending_versions()
    scopes = [CATALOGUE] if organization_id is None else [organization_scope(organization_id), CATALOGUE]
    found = dict(DataVersion.objects.filter(scope__in=scopes).values_list("scope", "token"))
    organization = None if organization_id is None else found.get(organization_scope(organization_id))
    return organization, found.get(CATALOGUE)


def request_versions(request):
    """The versions read with the request's user (membership.sessions), or read now if they were not."""
    user = request.user
    versions = getattr(user, "data_versions", None)
    if versions is None:
        versions = user.data_versions = data_versions(user.organization_id)
    return versions


# --- The release ---------------------------------------------------------------------------------------

# What a deploy changes that pages show: the code, the templates, the compiled catalogues, the styles.
RELEASE_SUFFIXES = {".py", ".html", ".txt", ".mo", ".css", ".js", ".svg"}
RELEASE_DISTRIBUTIONS = ("Django", "Jinja2", "babel", "django-countries")


@once
def release():
    """A digest of this deploy, computed once per process: files pages come from and every setting.

    The settings are taken whole (each plain value: strings, numbers, lists, dicts of them), so a
    setting that pages read (the renewal window, the names shown) cannot be forgotten from a list.
    """
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    roots = [base / "templates", base / "locale", base / "static"]
    roots += [Path(config.path) for config in apps.get_app_configs() if Path(config.path).is_relative_to(base)]
    for root in sorted(set(roots)):
        for path in sorted(root.rglob("*")):
            if path.suffix in RELEASE_SUFFIXES and path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    for name in sorted(dir(settings)):
        if name.isupper():
            digest.update(("%s=%s\n" % (name, _plain(getattr(settings, name)))).encode())
    for distribution in RELEASE_DISTRIBUTIONS:
        digest.update(metadata.version(distribution).encode())
    return digest.hexdigest()[:16]


def _plain(value):
    """A setting's value as text that is the same in every process; objects (whose repr names an
    address) count by their type."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return repr(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(item) for item in value]
        return "[%s]" % ",".join(sorted(items) if isinstance(value, (set, frozenset)) else items)
    if isinstance(value, dict):
        return "{%s}" % ",".join("%s:%s" % (_plain(k), _plain(v)) for k, v in sorted(value.items(), key=str))
    if isinstance(value, Path):
        return str(value)
    return type(value).__qualname__


# --- What is cached for a reader -------------------------------------------------------------------

# A stored page or part never carries a session's CSRF token: it is kept with this placeholder, and
# each request puts its own token in (two browsers of one user have different tokens).
CSRF_PLACEHOLDER = "csrf-token-placeholder-b41f9e"
CSRF_INPUT_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def is_enabled():
    """PAGE_CACHE_SECONDS=0 turns the page cache off (operators, benchmarks): nothing is read or kept."""
    return settings.PAGE_CACHE_SECONDS > 0


def is_cacheable_request(request):
    """A signed-in reader's plain page view: a form sent back with its errors is never kept."""
    user = getattr(request, "user", None)
    return is_enabled() and request.method in ("GET", "HEAD") and getattr(user, "is_authenticated", False)


def reader_key(request, name):
    """The cache key of what `name` shows this reader now: everything it can depend on.

    The release, the page's path, query and script prefix, the reader, their language, today's date (renewal
    windows, "expires in" texts) and the data versions of their organisation and of the catalogue,
    as read with the user at the start of the request (before any data the page shows).
    """
    organization_version, catalogue_version = request_versions(request)
    parts = [
        release(),
        name,
        get_script_prefix(),  # the links' prefix: one process may serve the portal under two mounts
        request.get_full_path(),
        str(request.user.pk),
        translation.get_language() or "",
        timezone.localdate().isoformat(),
        str(organization_version),
        str(catalogue_version),
    ]
    return "reader:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def with_csrf_placeholder(html):
    return CSRF_INPUT_VALUE.sub(r"\g<1>%s\g<2>" % CSRF_PLACEHOLDER, html)


def with_csrf_token(html, request):
    return html.replace(CSRF_PLACEHOLDER, get_token(request)) if CSRF_PLACEHOLDER in html else html


def cached_page(name):
    """View decorator: the whole page for a signed-in reader, from the cache while nothing it shows changed.

    Put it inside the permission decorators, which still run on every request against the user read
    from the database. A hit runs none of the view's code: the key's data versions prove the page is
    what the view would render now (another organisation's id never reaches a stored page, since the
    reader is in the key and a refused page is never stored). A page that shows flash messages is
    neither served from nor kept in the cache: the messages are for one request.
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
