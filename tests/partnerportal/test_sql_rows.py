"""partnerportal.sql builds rows as the ORM does: the same attributes, state and signals as ``Model.from_db``."""

import pytest
from django.db import connection
from django.db.models.signals import post_init, pre_init

from membership.models import Organization, User
from offers.models import Offer, Subscription
from partnerportal import sql
from tests.factories.membership import UserFactory
from tests.factories.offers import SubscriptionFactory

pytestmark = pytest.mark.django_db


def _values(model, pk):
    """The raw values of one row's concrete columns, as a cursor gives them (before any converter)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s FROM %s t WHERE t.id = %%s" % (sql.columns(model, "t"), model._meta.db_table), [pk])
        return cursor.fetchone()


def _without_state(instance):
    return {name: value for name, value in instance.__dict__.items() if name != "_state"}


@pytest.fixture
def rows(org):
    user = UserFactory(organization=org, first_name="Ann", last_name="O'Neil")
    subscription = SubscriptionFactory(organization=org)
    return [user, org, subscription, subscription.offer]


def test_each_row_is_the_instance_the_orm_loads(rows):
    for loaded in rows:
        model = type(loaded)
        orm = model.objects.get(pk=loaded.pk)
        ours = sql.from_row(model, _values(model, loaded.pk))
        assert type(ours) is model
        assert _without_state(ours) == _without_state(orm)
        assert list(ours.__dict__) == list(orm.__dict__)  # the same attributes in the same order
        assert (ours._state.adding, ours._state.db, ours._state.fields_cache) == (False, "default", {})
        assert ours == orm and ours.pk == orm.pk


def test_the_models_of_the_hot_pages_take_the_short_path():
    for model in (User, Organization, Subscription, Offer):
        assert sql._stored_attributes(model) == tuple(field.attname for field in model._meta.concrete_fields)


def test_the_init_signals_are_sent_as_django_sends_them(rows):
    user = rows[0]
    heard = []

    def on_pre_init(sender, args, kwargs, **extra):
        heard.append(("pre", sender, tuple(args), kwargs))

    def on_post_init(sender, instance, **extra):
        heard.append(("post", sender, _without_state(instance), instance._state.adding, instance._state.db))

    pre_init.connect(on_pre_init, sender=User)
    post_init.connect(on_post_init, sender=User)
    try:
        User.objects.get(pk=user.pk)
        by_django, heard[:] = list(heard), []
        sql.from_row(User, _values(User, user.pk))
        assert heard == by_django and len(heard) == 2
    finally:
        pre_init.disconnect(on_pre_init, sender=User)
        post_init.disconnect(on_post_init, sender=User)


def test_the_page_caches_post_init_receiver_still_sees_each_user(rows):
    # partnerportal.page_cache remembers the organisation a user was loaded in (post_init), so that
    # staff moving the user in the admin change both organisations' pages.
    user = rows[0]
    ours = sql.from_row(User, _values(User, user.pk))
    assert ours.__dict__["_page_cache_loaded_organization_id"] == user.organization_id


def test_a_model_with_its_own_init_or_a_setting_descriptor_goes_through_from_db(rows, monkeypatch):
    user = rows[0]

    def own_init(self, *args, **kwargs):
        super(User, self).__init__(*args, **kwargs)
        self.greeted = True

    monkeypatch.setattr(User, "__init__", own_init)
    assert sql._stored_attributes(User) is None
    sql._loaders.cache_clear()
    try:
        assert sql.from_row(User, _values(User, user.pk)).greeted is True
    finally:
        monkeypatch.undo()
        sql._loaders.cache_clear()

    class Shouting:
        def __get__(self, instance, owner=None):
            return self if instance is None else instance.__dict__["first_name"].upper()

        def __set__(self, instance, value):
            instance.__dict__["first_name"] = value

    monkeypatch.setattr(User, "first_name", Shouting())
    assert sql._stored_attributes(User) is None


def test_a_row_of_the_wrong_width_is_refused(rows):
    user = rows[0]
    with pytest.raises(ValueError, match="columns"):
        sql.from_row(User, _values(User, user.pk)[:-1])


def test_the_quicker_converters_give_what_djangos_give():
    import datetime

    from membership.models import ActivityEntry

    created_at, data = ActivityEntry._meta.get_field("created_at"), ActivityEntry._meta.get_field("data")
    for field, values in [
        (
            created_at,
            [
                None,
                datetime.datetime(2026, 3, 1, 23, 30, 5, 120),
                datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC),
                "2026-03-01 23:30:05.000120",
            ],
        ),
        (data, [None, '{"amount": 4200, "currency": "RUB"}', "[1, 2]", '"text"', "not json"]),
    ]:
        expression = field.get_col(field.model._meta.db_table)
        django_converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        _expression, ours = sql._converters(field)
        if connection.vendor == "sqlite":  # PostgreSQL has no datetime converter, and JSON's is the same
            assert ours != django_converters  # the quicker ones are in use
        for value in values:
            expected, got = value, value
            for converter in django_converters:
                expected = converter(expected, expression, connection)
            for converter in ours:
                got = converter(got, expression, connection)
            assert got == expected and type(got) is type(expected)
            if isinstance(expected, datetime.datetime):
                assert got.tzinfo == expected.tzinfo


def test_without_use_tz_datetimes_go_through_djangos_converter(settings):
    from membership.models import ActivityEntry

    settings.USE_TZ = False  # the memos are emptied (setting_changed)
    try:
        field = ActivityEntry._meta.get_field("created_at")
        assert sql._aware_in_connection_zone not in sql._converters(field)[1]
    finally:
        settings.USE_TZ = True
    if connection.vendor == "sqlite":
        assert sql._aware_in_connection_zone in sql._converters(field)[1]


def test_the_portal_starts_on_postgresql_without_loading_the_sqlite_backend():
    # partnerportal.sql is imported while the apps load; it must not import SQLite's backend modules
    # itself (importing their operations module first is a circular import: every process on
    # PostgreSQL failed to start). Setting up needs no connection, so no server is asked.
    import os
    import subprocess
    import sys

    env = dict(
        os.environ,
        DATABASE_URL="postgres://nobody@127.0.0.1:9/none",
        DJANGO_SETTINGS_MODULE="partnerportal.settings.dev",
    )
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); import partnerportal.sql; print('ok')"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 0 and started.stdout.strip().endswith("ok"), started.stderr[-2000:]
