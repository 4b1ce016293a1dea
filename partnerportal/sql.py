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
    if row is None:
        return None
    values = []
    for value, (_attname, expression, converters) in zip(row, _loaders(model, None, connection.vendor), strict=True):
        for converter in converters:
            value = converter(value, expression, connection)
        values.append(value)
    return model.from_db(connection.alias, None, values)


@lru_cache(maxsize=64)
def _loaders(model, names, vendor):
    # The converters Django's compiler applies to each column (backend's, then the field's), once a model.
    loaders = []
    for field in _fields(model, names):
        expression = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        loaders.append((field.attname, expression, converters))
    return loaders


def attach(instance, field_name, model, alias, names=None):
    """Set ``instance.<field_name>`` to the ``model`` row read with ``columns(model, alias, names)`` (None when absent).

    With ``names``, the other fields are deferred, as with ``only()``.
    """
    attnames, values = [], []
    for attname, expression, converters in _loaders(model, names, connection.vendor):
        value = instance.__dict__.pop("%s__%s" % (alias, attname))
        for converter in converters:
            value = converter(value, expression, connection)
        attnames.append(attname)
        values.append(value)
    pk = values[attnames.index(model._meta.pk.attname)]
    related = model.from_db(connection.alias, attnames, values) if pk is not None else None
    setattr(instance, field_name, related)
    return related


def dict_rows(sql, params, converted=()):
    """The rows of ``sql`` as dicts by column name; the columns named by the model fields in ``converted``
    pass through the converters the ORM applies (SQLite's datetimes). For read-only pages whose rows
    are never saved: no model instance is made."""
    converters = []
    for field in converted:
        expression = field.get_col(field.model._meta.db_table)
        functions = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        if functions:
            converters.append((field.column, functions, expression))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        for name, functions, expression in converters:
            value = row[name]
            for function in functions:
                value = function(value, expression, connection)
            row[name] = value
    return rows
