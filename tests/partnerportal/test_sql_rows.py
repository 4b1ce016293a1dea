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
