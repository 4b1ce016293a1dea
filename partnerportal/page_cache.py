"""Data versions for cached page parts: what keeps a signed-in page fast without ever serving it stale.

Every organisation has a version token, and so does the catalogue (everything of the portal that no
one organisation owns: offers, terms, prices). A save or delete of any model of the portal's apps
replaces the token of the organisation it belongs to, or the catalogue's when it belongs to none
(``connect_version_signals``, called by this app's config). A cached part is stored under the tokens
read when its request began (partnerportal.templatetags.page_cache, membership.backends), so a
change makes the next request miss and render afresh. Nothing has to remember which pages a
change touches.

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

import logging
import uuid
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.functional import SimpleLazyObject

logger = logging.getLogger(__name__)

CATALOGUE_KEY = "pagever:catalogue"
# How far the signal handler follows foreign keys to find the owning organisation (an attachment
# belongs to a message that belongs to a request that belongs to an organisation).
OWNER_SEARCH_DEPTH = 3


def organization_key(organization_id):
    return "pagever:org:%d" % organization_id


def _new_token():
    return uuid.uuid4().hex[:16]


def _tokens(keys):
    """The current token of each key, creating the missing ones (one cache round trip when all exist)."""
    found = cache.get_many(keys)
    tokens = []
    for key in keys:
        token = found.get(key)
        if token is None:
            token = _new_token()
            if not cache.add(key, token, timeout=None):
                # Another process created it first: use theirs.
                token = cache.get(key) or token
        tokens.append(token)
    return tokens


def data_versions(organization_id):
    """(organisation token, catalogue token) for an organisation, or (None, catalogue token) for none."""
    if organization_id is None:
        return (None, _tokens([CATALOGUE_KEY])[0])
    return tuple(_tokens([organization_key(organization_id), CATALOGUE_KEY]))


def request_data_versions(request):
    """data_versions for the signed-in user's organisation, read once per request."""
    versions = getattr(request, "_page_data_versions", None)
    if versions is None:
        versions = data_versions(getattr(request.user, "organization_id", None))
        request._page_data_versions = versions
    return versions


def deferred(function, *args, **kwargs):
    """function(*args, **kwargs), run when a template first uses the value: never, on a cached part's hit."""
    return SimpleLazyObject(partial(function, *args, **kwargs))


def organization_version(organization_id):
    return _tokens([organization_key(organization_id)])[0]


def replace_version(key):
    cache.set(key, _new_token(), timeout=None)


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


def _data_changed(sender, instance, **kwargs):
    if sender._meta.app_label not in settings.PAGE_CACHE_APPS:
        return
    organization_id = owner_organization_id(instance)
    if organization_id is None:
        catalogue_changed()
    else:
        organization_changed(organization_id)


def _relation_changed(sender, instance, action, **kwargs):
    if action.startswith("post_"):
        _data_changed(type(instance), instance)


def connect_version_signals():
    post_save.connect(_data_changed, dispatch_uid="page_cache.post_save")
    post_delete.connect(_data_changed, dispatch_uid="page_cache.post_delete")
    m2m_changed.connect(_relation_changed, dispatch_uid="page_cache.m2m_changed")
