"""Who may see or do what comes from the database, whatever the cache does (product.md R18).

A real Redis as the cache (django-redis failing open, as production has it). While it refuses every
write (``maxmemory`` reached with ``noeviction``, a common production state) or does not answer at
all, a role taken away, a deactivation, a password change and a sign-out take effect at the very next
request, and still do once Redis accepts writes again; pages keep serving and show the change.
"""

import pytest
import redis
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from membership.models import Role
from tests.factories.membership import PASSWORD, UserFactory
from tests.factories.offers import SubscriptionFactory

pytestmark = pytest.mark.django_db

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 12
LIVE_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://%s:%d/%d" % (REDIS_HOST, REDIS_PORT, REDIS_DB),
        "KEY_PREFIX": "access-tests",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
    }
}
DEAD_REDIS = {
    "default": {
        **LIVE_REDIS["default"],
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
    }
}

BILLING_HISTORY = reverse("billing:history")
PAYMENT_METHODS = reverse("billing:payment_methods")
OFFERS = reverse("offers:offer_list")
DASHBOARD = reverse("dashboard:index")


@pytest.fixture
def redis_server():
    server = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("needs a Redis on 127.0.0.1:6379")
    server.flushdb()
    yield server
    server.flushdb()


@pytest.fixture
def live_cache(settings, redis_server):
    settings.CACHES = LIVE_REDIS
    cache.clear()
    return redis_server


class RefusingWrites:
    """Redis at its memory limit with ``noeviction``: every write is refused (OOM), reads still answer."""

    def __init__(self, server):
        self.server = server
        self.saved = None

    def __enter__(self):
        self.saved = {key: self.server.config_get(key)[key] for key in ("maxmemory", "maxmemory-policy")}
        self.server.config_set("maxmemory-policy", "noeviction")
        self.server.config_set("maxmemory", 1)
        try:
            with pytest.raises(redis.exceptions.OutOfMemoryError):
                self.server.set("probe", "x")  # the refusal is real
        except BaseException:
            self.recover()
            raise
        return self

    def __exit__(self, *exc):
        self.recover()

    def recover(self):
        if self.saved is not None:
            for key, value in self.saved.items():
                self.server.config_set(key, value)
            self.saved = None
        self.server.set("probe", "x")  # writes are accepted again


def signed_in(user):
    browser = Client()
    browser.force_login(user)
    return browser


def status(browser, url):
    return browser.get(url).status_code


def warm(browser, *urls):
    for url in urls:
        for _ in range(2):
            assert status(browser, url) == 200, url


@pytest.fixture
def billing_admin(org, global_admin):
    SubscriptionFactory(organization=org)
    return UserFactory(organization=org, roles=[Role.BILLING_ADMIN], email="bill@contoso.example")


def test_the_pages_are_kept_in_redis(live_cache, billing_admin):
    # The counterpart of the tests below: with Redis accepting writes, pages really are cached there,
    # so what the tests below show is not a cache that was never used.
    browser = signed_in(billing_admin)
    warm(browser, BILLING_HISTORY)
    assert any(b"reader:" in key for key in live_cache.keys("*"))


def test_a_role_taken_away_while_redis_refuses_writes_is_refused_at_once_and_after(
    live_cache, billing_admin, global_admin
):
    member = signed_in(billing_admin)
    warm(member, BILLING_HISTORY, PAYMENT_METHODS, OFFERS)
    with RefusingWrites(live_cache) as refusing:
        response = signed_in(global_admin).post(
            reverse("membership:user_roles", args=[billing_admin.pk]), {"roles": [Role.ACCOUNT_ADMIN]}
        )
        assert response.status_code == 302
        assert status(member, BILLING_HISTORY) == 403
        assert status(member, PAYMENT_METHODS) == 403
        assert status(member, OFFERS) == 200  # what an Account admin may still see
        refusing.recover()
        assert status(member, BILLING_HISTORY) == 403
        assert status(member, PAYMENT_METHODS) == 403


def test_a_deactivation_while_redis_refuses_writes_signs_out_at_once_and_after(live_cache, billing_admin, global_admin):
    member = signed_in(billing_admin)
    warm(member, BILLING_HISTORY, DASHBOARD)
    with RefusingWrites(live_cache) as refusing:
        response = signed_in(global_admin).post(reverse("membership:user_deactivate", args=[billing_admin.pk]))
        assert response.status_code == 302
        for url in (BILLING_HISTORY, DASHBOARD):
            answer = member.get(url)
            assert answer.status_code == 302 and answer["Location"].startswith(reverse("login")), url
        refusing.recover()
        assert member.get(DASHBOARD).status_code == 302


def test_a_password_change_while_redis_refuses_writes_signs_the_other_sessions_out(live_cache, billing_admin):
    here, elsewhere = signed_in(billing_admin), signed_in(billing_admin)
    warm(elsewhere, BILLING_HISTORY, DASHBOARD)
    with RefusingWrites(live_cache) as refusing:
        response = here.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": "a-New-pass-2027", "new_password2": "a-New-pass-2027"},
        )
        assert response.status_code == 302
        assert status(here, DASHBOARD) == 200  # the browser that changed it stays signed in
        assert elsewhere.get(DASHBOARD).status_code == 302
        refusing.recover()
        assert elsewhere.get(BILLING_HISTORY).status_code == 302
        assert status(here, BILLING_HISTORY) == 200


def test_a_sign_out_while_redis_refuses_writes_is_final(live_cache, billing_admin):
    browser = signed_in(billing_admin)
    warm(browser, DASHBOARD)
    cookie = browser.cookies["sessionid"].value
    with RefusingWrites(live_cache) as refusing:
        assert browser.post(reverse("logout")).status_code == 302
        replay = Client()
        replay.cookies["sessionid"] = cookie  # the old cookie, kept by someone
        assert replay.get(DASHBOARD).status_code == 302
        refusing.recover()
        assert replay.get(DASHBOARD).status_code == 302


def test_a_change_while_redis_refuses_writes_shows_on_the_next_page(live_cache, org, global_admin):
    browser = signed_in(global_admin)
    warm(browser, DASHBOARD)
    with RefusingWrites(live_cache):
        org.name = "Contoso Renamed"
        org.save()
        assert "Contoso Renamed" in browser.get(DASHBOARD).content.decode()


def test_with_redis_down_pages_serve_and_a_role_taken_away_is_refused(settings, billing_admin, global_admin):
    settings.CACHES = DEAD_REDIS
    member = Client()
    assert member.post(reverse("login"), {"username": billing_admin.email, "password": PASSWORD}).status_code == 302
    warm(member, BILLING_HISTORY, OFFERS, DASHBOARD)
    response = signed_in(global_admin).post(
        reverse("membership:user_roles", args=[billing_admin.pk]), {"roles": [Role.ACCOUNT_ADMIN]}
    )
    assert response.status_code == 302
    assert status(member, BILLING_HISTORY) == 403
    assert status(member, OFFERS) == 200
