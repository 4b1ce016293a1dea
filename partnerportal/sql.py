"""Read a row and the rows it points to with one SQL query, as ``select_related`` does, without the ORM's compiler.

On the bench machine Django's SQL compiler took 0.3-0.7 ms a query, several times the query itself,
on every request. Hot read-only selectors write their SQL over the models' own tables and columns
(``columns``) and rebuild the related objects from the extra columns (``attach``) with
``Model.from_db``, the way Django builds them from a select_related row: converters applied,
instances marked as loaded from the database.
"""

from functools import lru_cache

from django.db import connection


def _fields(model, names):
    fields = model._meta.concrete_fields
    return fields if names is None else tuple(field for field in fields if field.name in names or field.primary_key)


def columns(model, alias, names=None):
    """``alias.col AS alias__attname, …`` for the concrete fields of ``model`` (only ``names`` and the pk if given)."""
    return _columns(model, alias, names, connection.vendor)


@lru_cache(maxsize=64)
def _columns(model, alias, names, vendor):
    # Written once a model and alias: the text depends on nothing else (the vendor's quoting aside).
    return ", ".join(
        "%s.%s AS %s__%s" % (alias, connection.ops.quote_name(field.column), alias, field.attname)
        for field in _fields(model, names)
    )


def one(model, sql, params):
    """The single ``model`` row ``sql`` selects (every concrete column, in the model's order), or None."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else from_row(model, row)


def from_row(model, values):
    """A ``model`` instance from the values of its concrete columns, in the model's order, as the ORM
    makes one: each value through the converters Django applies, then ``Model.from_db``."""
    converted = []
    for value, (_attname, expression, converters) in zip(values, _loaders(model, None, connection.vendor), strict=True):
        converted.append(_convert(value, expression, converters))
    return model.from_db(connection.alias, None, converted)


def _converters(field):
    # The converters Django's compiler applies to a column (backend's, then the field's).
    expression = field.get_col(field.model._meta.db_table)
    return expression, connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)


def _convert(value, expression, converters):
    for converter in converters:
        value = converter(value, expression, connection)
    return value


@lru_cache(maxsize=64)
def _loaders(model, names, vendor):
    # Each column's converters, once a model.
    return [(field.attname, *_converters(field)) for field in _fields(model, names)]


def attach(instance, field_name, model, alias, names=None):
    """Set ``instance.<field_name>`` to the ``model`` row read with ``columns(model, alias, names)`` (None when absent).

    With ``names``, the other fields are deferred, as with ``only()``.
    """
    attnames, values = [], []
    for attname, expression, converters in _loaders(model, names, connection.vendor):
        attnames.append(attname)
        values.append(_convert(instance.__dict__.pop("%s__%s" % (alias, attname)), expression, converters))
    pk = values[attnames.index(model._meta.pk.attname)]
    related = model.from_db(connection.alias, attnames, values) if pk is not None else None
    setattr(instance, field_name, related)
    return related


def dict_rows(sql, params, converted=()):
    """The rows of ``sql`` as dicts by column name; the columns named by the model fields in ``converted``
    pass through the converters the ORM applies (SQLite's datetimes). For read-only pages whose rows
    are never saved: no model instance is made."""
    converters = [(field.column, *_converters(field)) for field in converted]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        for name, expression, functions in converters:
            row[name] = _convert(row[name], expression, functions)
    return rows
