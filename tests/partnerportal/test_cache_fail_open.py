"""With the cache on a Redis that does not answer, pages and sign-in still work (the cache just misses)."""

import importlib

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories.membership import PASSWORD, UserFactory

# What base settings make of CACHE_URL=redis://… (django-redis with IGNORE_EXCEPTIONS), on a port
# where nothing listens.
DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
    }
}


def test_base_settings_make_a_redis_url_fail_open(monkeypatch):
    from partnerportal.settings import base

    monkeypatch.setenv("CACHE_URL", "redis://127.0.0.1:6379/2")
    try:
        caches = importlib.reload(base).CACHES["default"]
    finally:
        monkeypatch.undo()
        importlib.reload(base)
    assert caches["BACKEND"] == "django_redis.cache.RedisCache"
    assert caches["OPTIONS"]["IGNORE_EXCEPTIONS"] is True


def test_every_operation_misses_instead_of_raising(settings):
    settings.CACHES = DEAD_REDIS
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert not cache.add("k", 1)
    cache.set("k", 1)
    cache.delete("k")
    cache.incr("k")


@pytest.mark.django_db
def test_sign_in_and_pages_work_while_redis_is_down(client, org, settings):
    settings.CACHES = DEAD_REDIS
    UserFactory(organization=org, email="ann@contoso.example")
    response = client.post(reverse("login"), {"username": "ann@contoso.example", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("offers:offer_list")).status_code == 200
    assert client.get(reverse("dashboard:index")).status_code == 200
    client.logout()
    response = client.post(reverse("login"), {"username": "ann@contoso.example", "password": "wrong"})
    assert response.status_code == 200  # the form again, with its error: refused, not a server error
    assert "_auth_user_id" not in client.session
