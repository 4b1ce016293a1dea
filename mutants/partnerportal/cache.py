"""A Redis cache that fails open: while Redis is unreachable, reads miss and writes are dropped.

Sessions (cached_db falls back to the database on a miss), {% cache %} fragments and the sign-in
brake keep the site up when Redis is down; only the speed-up is lost (and, for as long as the
outage lasts, the counting of failed sign-ins). Each ignored call is logged.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


def _ignored(operation, exc):
    logger.warning("Cache unavailable, %s ignored: %s", operation, exc)


class FailOpenRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as exc:
            _ignored("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as exc:
            _ignored("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNAVAILABLE as exc:
            _ignored("has_key", exc)
            return False

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as exc:
            _ignored("add", exc)
            return False

    def set(self, key, value, timeout=None, version=None):
        try:
            return super().set(key, value, timeout, version)
        except UNAVAILABLE as exc:
            _ignored("set", exc)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as exc:
            _ignored("set_many", exc)
            return list(data)

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE as exc:
            _ignored("touch", exc)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as exc:
            _ignored("incr", exc)
            # As for a missing key, which callers already handle.
            raise ValueError("cache unavailable") from exc

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE as exc:
            _ignored("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except UNAVAILABLE as exc:
            _ignored("delete_many", exc)

    def clear(self):
        try:
            return super().clear()
        except UNAVAILABLE as exc:
            _ignored("clear", exc)
