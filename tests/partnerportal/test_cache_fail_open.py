"""With the cache on a Redis that does not answer, pages and sign-in still work (the cache just misses)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories.membership import PASSWORD, UserFactory

DEAD_REDIS = {
    "default": {
        "BACKEND": "partnerportal.cache.FailOpenRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
    }
}


def test_every_operation_misses_instead_of_raising(settings):
    settings.CACHES = DEAD_REDIS
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("k", 1) is False
    cache.set("k", 1)
    cache.delete("k")
    with pytest.raises(ValueError):
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
