"""Read a row and the rows it points to with one SQL query, as ``select_related`` does, without the ORM's compiler.

On the bench machine Django's SQL compiler took 0.3-0.7 ms a query, several times the query itself,
on every request. Hot read-only selectors write their SQL over the models' own tables and columns
(``columns``, ``select_list``) and build the rows and their related rows (``read``, ``from_row``)
with ``Model.from_db``, the way Django builds them from a select_related row: converters applied,
instances marked as loaded from the database. ``raw()`` cost several times a cursor here.
"""

import datetime
import inspect
import json
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import JSONField, Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.dispatch import receiver

# The descriptors whose setting, on a new instance, only stores the value in its __dict__.
_STORING_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)


def _fields(model):
    return model._meta.concrete_fields


def columns(model, alias):
    """``alias.col, …``: the concrete columns of ``model`` in the order ``from_row`` and ``read`` expect."""
    return _columns(model, alias, connection.vendor)


@lru_cache(maxsize=64)
def _columns(model, alias, vendor):
    # Written once a model and alias: the text depends on nothing else (the vendor's quoting aside).
    return ", ".join("%s.%s" % (alias, connection.ops.quote_name(field.column)) for field in _fields(model))


def select_list(model, alias, related=()):
    """The SELECT list ``read`` expects: ``model``'s columns, then those of each ``(field_name, model, alias)``."""
    vendor = connection.vendor
    return ", ".join(
        [_columns(model, alias, vendor)]
        + [_columns(other, other_alias, vendor) for _name, other, other_alias in related]
    )


def read(sql, params, model, related=()):
    """The ``model`` rows that ``sql`` selects with ``select_list(model, alias, related)``, each with its
    related rows set as ``select_related`` sets them (None for a LEFT JOIN that found nothing)."""
    width = len(_fields(model))
    parts = []
    for field_name, other, _alias in related:
        stop = width + len(_fields(other))
        parts.append((model._meta.get_field(field_name), other, width, stop, _fields(other).index(other._meta.pk)))
        width = stop
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    instances = []
    for row in rows:
        instance = from_row(model, row[: len(_fields(model))], db)
        for field, other, start, stop, pk_index in parts:
            values = row[start:stop]
            field.set_cached_value(instance, None if values[pk_index] is None else from_row(other, values, db))
        instances.append(instance)
    return instances


def one(model, sql, params):
    """The single ``model`` row ``sql`` selects (every concrete column, in the model's order), or None."""
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else from_row(model, row, db)


def from_row(model, values, db=None):
    """A ``model`` instance from the values of its concrete columns, in the model's order, as the ORM
    makes one: each value through the converters Django applies, then what ``Model.from_db`` does.
    ``db``: the connection, when the caller has it (each read of ``django.db.connection`` is a
    thread-local lookup)."""
    db = db or connections[DEFAULT_DB_ALIAS]
    width, converting, attributes = _loaders(model, db.vendor)
    if len(values) != width:
        raise ValueError("%s has %d columns, the row %d values" % (model.__name__, width, len(values)))
    converted = list(values)
    for index, expression, converters in converting:  # only the columns that have converters
        converted[index] = _convert(converted[index], expression, converters, db)
    if attributes is None:
        return model.from_db(db.alias, None, converted)
    return _loaded_instance(model, attributes, converted, db.alias)


def _loaded_instance(model, attributes, values, alias):
    # ``Model.from_db`` for a model whose __init__ only stores each value (``_stored_attributes``): the
    # same signals, state and attributes in the same order, without __init__'s general path (keyword
    # arguments, deferred fields, a setattr per column through each descriptor): 5 µs instead of
    # 17 µs for a user, and a page builds four to six such rows on every request.
    pre_init.send(sender=model, args=tuple(values), kwargs={})
    instance = model.__new__(model)
    state = ModelState()
    instance.__dict__["_state"] = state
    instance.__dict__.update(zip(attributes, values, strict=True))
    post_init.send(sender=model, instance=instance)
    state.adding = False
    state.db = alias
    return instance


def _stored_attributes(model):
    """The concrete fields' attribute names when ``Model.__init__`` with positional values does nothing
    but store each in the instance's ``__dict__`` (no __init__ or from_db of the model's own, each
    attribute a plain deferred-attribute descriptor); else None, and rows go through ``from_db``."""
    if model.__init__ is not Model.__init__ or model.from_db.__func__ is not Model.from_db.__func__:
        return None
    attributes = []
    for field in _fields(model):
        if type(inspect.getattr_static(model, field.attname, None)) not in _STORING_DESCRIPTORS:
            return None  # a descriptor that does more when set (a file, a custom field): Django's path
        attributes.append(field.attname)
    return tuple(attributes)


def _converters(field):
    # The converters Django's compiler applies to a column (backend's, then the field's), each as its
    # quicker equal where there is one (_quicker).
    expression = field.get_col(field.model._meta.db_table)
    converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
    return expression, [_quicker(converter, field) for converter in converters]


def _quicker(converter, field):
    """``converter``, or a function that gives what it gives for every value, in a fraction of its time.

    The two converters of the hot pages' rows cost more in their checks than in their work: SQLite's
    datetime converter reads the settings and asks twice whether the value is aware (1.8 µs a value;
    sqlite3 has already parsed the column into a naive datetime in the connection's zone), and
    JSONField's checks for a key transform these reads never are. Decided once per column, while
    USE_TZ holds (the memos are emptied when a test changes it).
    """
    function = getattr(converter, "__func__", converter)
    if connection.vendor == "sqlite" and settings.USE_TZ:
        # Imported here: the SQLite backend is loaded only where it is the database (and its
        # operations module cannot be imported before its base module).
        from django.db.backends.sqlite3.base import DatabaseOperations as SQLiteOperations

        if function is SQLiteOperations.convert_datetimefield_value:
            return _aware_in_connection_zone
    if function is JSONField.from_db_value and field.decoder is None:
        return _json_value
    return converter


def _aware_in_connection_zone(value, expression, db):
    # SQLiteOperations.convert_datetimefield_value with USE_TZ, for a naive datetime; anything else goes to it.
    if value.__class__ is datetime.datetime and value.tzinfo is None:
        return value.replace(tzinfo=db.timezone)
    return db.ops.convert_datetimefield_value(value, expression, db)


def _json_value(value, expression, db):
    # JSONField.from_db_value for a column (never a key transform) of a field without its own decoder.
    if value is None:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


@receiver(setting_changed)
def _forget_converters(setting, **kwargs):
    if setting == "USE_TZ":
        _loaders.cache_clear()
        _column_converters.cache_clear()


def _convert(value, expression, converters, db):
    for converter in converters:
        value = converter(value, expression, db)
    return value


@lru_cache(maxsize=64)
def _loaders(model, vendor):
    # The model's number of columns, (position, expression, converters) of those with converters,
    # and _stored_attributes, once a model: most columns have no converter, and a call per column was
    # most of building a row (a user: 18 µs with a call for each of its 12 columns, 16 µs without).
    converting = []
    for index, field in enumerate(_fields(model)):
        expression, converters = _converters(field)
        if converters:
            converting.append((index, expression, converters))
    return len(_fields(model)), converting, _stored_attributes(model)


@lru_cache(maxsize=64)
def _column_converters(fields, vendor):
    # Each named column's converters, once a list of fields (as _loaders keeps a model's).
    return [(field.column, *_converters(field)) for field in fields]


def dict_rows(sql, params, converted=()):
    """The rows of ``sql`` as dicts by column name; the columns named by the model fields in ``converted``
    pass through the converters the ORM applies (SQLite's datetimes). For read-only pages whose rows
    are never saved: no model instance is made."""
    db = connections[DEFAULT_DB_ALIAS]
    converters = _column_converters(tuple(converted), db.vendor)
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    for name, expression, functions in converters:  # a column at a time: one lookup of its converters
        if len(functions) == 1:
            function = functions[0]
            for row in rows:
                row[name] = function(row[name], expression, db)
        else:
            for row in rows:
                row[name] = _convert(row[name], expression, functions, db)
    return rows
