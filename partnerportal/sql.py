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
    return ", ".join(
        "%s.%s AS %s__%s" % (alias, connection.ops.quote_name(field.column), alias, field.attname)
        for field in _fields(model, names)
    )


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
