"""Running totals of the ledger for the staff's admin home, kept by the database in the writer's transaction.

A million payments cannot be summed per month in the 200 ms the admin home has (R23), so the
database keeps two small tables next to the ledger, changed by triggers in the same transaction
as the row they count (insert, update, delete, and truncate on PostgreSQL). So they hold whatever
is committed, whichever code path wrote it (services, admin, ``QuerySet.update()``, raw SQL, a data
migration), and a writer that rolls back takes its change to the totals with it:

- ``support_programme_tally``: per source (succeeded payments, succeeded refunds, paid renewal
  orders), currency and bucket of the moment that counts (``succeeded_at`` / ``paid_at``), the
  number of rows and the sum of their amounts, at two grains: the UTC day and the UTC quarter-hour.
  Every time zone in use today starts its months on a quarter-hour, so a staff month
  (``STAFF_TIME_ZONE``, whatever it is or becomes) is its whole UTC days plus, on a day that a
  month boundary splits (23:00 UTC for Dublin in summer), that day's quarter-hours: a year is read
  from about 400 day rows and a few split days' quarter-hours, not 35,000 quarter-hours.
- ``support_programme_subscriptions``: per subscription state and currency, the number of
  subscriptions and the sum of their prices.

They are plain tables, not models: Django's test flush empties model tables in no fixed order,
and the triggers keep these equal to the rows they count through every ``DELETE`` anyway.
``rebuild()`` recomputes both from the ledger (the migration and the benchmark's bulk fill use it).

Concurrent writers of the same quarter-hour and currency wait for each other on one tally row
until they commit; the ledger writes are short transactions, so that wait is short too. On
PostgreSQL each trigger writes its tally rows in key order (see ``_postgresql_upsert``); SQLite has
one writer at a time.
"""

from dataclasses import dataclass

from django.db import transaction

QUARTER_HOUR = 900
DAY = 86400
GRAINS = (QUARTER_HOUR, DAY)
TALLY = "support_programme_tally"
SUBSCRIPTIONS = "support_programme_subscriptions"


@dataclass(frozen=True)
class Flow:
    """Rows of ``table`` that count (``condition``, on the row ``{r}``), dated by ``moment``."""

    source: str
    table: str
    moment: str
    condition: str
    # Every column the condition reads: an update that changes none of these (nor the moment,
    # amount or currency) leaves the totals alone and takes no lock on them.
    columns: tuple[str, ...]


FLOWS = (
    Flow("payment", "billing_payment", "succeeded_at", "{r}.status = 'succeeded'", ("status",)),
    Flow("refund", "billing_refund", "succeeded_at", "{r}.status = 'succeeded'", ("status",)),
    Flow(
        "renewal",
        "offers_order",
        "paid_at",
        "{r}.status = 'paid' AND {r}.kind IN ('renewal', 'auto_renewal')",
        ("status", "kind"),
    ),
)
SUBSCRIPTION_TABLE = "offers_subscription"


def _bucket(vendor: str, column: str, grain: int) -> str:
    if vendor == "postgresql":
        return "floor(extract(epoch FROM %s) / %d)::bigint" % (column, grain)
    return "CAST(strftime('%%s', %s) AS INTEGER) / %d" % (column, grain)


def _tables() -> list[str]:
    return [
        "CREATE TABLE %s (grain integer NOT NULL, bucket bigint NOT NULL, source varchar(20) NOT NULL,"
        " currency varchar(3) NOT NULL, n bigint NOT NULL, amount bigint NOT NULL,"
        " PRIMARY KEY (grain, bucket, source, currency))" % TALLY,
        "CREATE TABLE %s (status varchar(20) NOT NULL, currency varchar(3) NOT NULL, n bigint NOT NULL,"
        " amount bigint NOT NULL, PRIMARY KEY (status, currency))" % SUBSCRIPTIONS,
    ]


def _changed(columns) -> str:
    return " OR ".join("OLD.%s IS DISTINCT FROM NEW.%s" % (c, c) for c in columns)


def _postgresql_upsert(tally: str, key: tuple[str, ...], changes: list[str]) -> str:
    """One statement: the rows' changes netted per key, keys changed by nothing left out, and the
    rest written in key order, so that two writers always lock tally rows in the same order (a
    subscription expiring while another is revived must not deadlock on the two state rows)."""
    columns = ", ".join(key)
    return (
        "INSERT INTO {tally} AS t ({columns}, n, amount) SELECT {columns}, SUM(dn), SUM(da) FROM ({changes}) AS d"
        " GROUP BY {columns} HAVING SUM(dn) <> 0 OR SUM(da) <> 0 ORDER BY {columns}"
        " ON CONFLICT ({columns}) DO UPDATE SET n = t.n + EXCLUDED.n, amount = t.amount + EXCLUDED.amount;"
    ).format(tally=tally, columns=columns, changes=" UNION ALL ".join(changes))


def _postgresql_trigger(function: str, table: str, body: str, changed: str, truncate: str) -> list[str]:
    return [
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$",
        f"CREATE FUNCTION {function}_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {truncate}"
        " RETURN NULL; END $$",
        f"CREATE TRIGGER {function} AFTER INSERT OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {function}_update AFTER UPDATE ON {table} FOR EACH ROW WHEN ({changed})"
        f" EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {function}_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT"
        f" EXECUTE FUNCTION {function}_truncate()",
    ]


def _postgresql_triggers() -> list[str]:
    statements = []
    for flow in FLOWS:
        changes = []
        # OLD is null on INSERT and NEW on DELETE: their rows are left out by TG_OP.
        for row, sign, operation in (("OLD", "-", "INSERT"), ("NEW", "", "DELETE")):
            for grain in GRAINS:
                changes.append(
                    "SELECT {grain} AS grain, {bucket} AS bucket, '{source}'::varchar AS source,"
                    " {r}.currency AS currency, {sign}1 AS dn, {sign}{r}.amount AS da"
                    " WHERE TG_OP <> '{operation}' AND ({condition}) AND {r}.{moment} IS NOT NULL".format(
                        grain=grain,
                        bucket=_bucket("postgresql", row + "." + flow.moment, grain),
                        source=flow.source,
                        r=row,
                        sign=sign,
                        operation=operation,
                        condition=flow.condition.format(r=row),
                        moment=flow.moment,
                    )
                )
        statements += _postgresql_trigger(
            "support_programme_tally_%s" % flow.source,
            flow.table,
            _postgresql_upsert(TALLY, ("grain", "bucket", "source", "currency"), changes),
            _changed((*flow.columns, flow.moment, "amount", "currency")),
            "DELETE FROM %s WHERE source = '%s';" % (TALLY, flow.source),
        )
    changes = [
        "SELECT OLD.status AS status, OLD.currency AS currency, -1 AS dn, -OLD.price_amount AS da"
        " WHERE TG_OP <> 'INSERT'",
        "SELECT NEW.status, NEW.currency, 1, NEW.price_amount WHERE TG_OP <> 'DELETE'",
    ]
    statements += _postgresql_trigger(
        "support_programme_subscriptions",
        SUBSCRIPTION_TABLE,
        _postgresql_upsert(SUBSCRIPTIONS, ("status", "currency"), changes),
        _changed(("status", "currency", "price_amount")),
        "DELETE FROM %s;" % SUBSCRIPTIONS,
    )
    return statements


def _sqlite_triggers() -> list[str]:
    statements = []
    upsert = " ON CONFLICT ({key}) DO UPDATE SET n = n + excluded.n, amount = amount + excluded.amount;"
    for flow in FLOWS:

        def counts(row, flow=flow):
            return "(%s) AND %s.%s IS NOT NULL" % (flow.condition.format(r=row), row, flow.moment)

        def add(row, sign, flow=flow):
            # "WHERE" before "ON CONFLICT": SQLite's parser needs it after a SELECT.
            return " ".join(
                (
                    "INSERT INTO {tally} (grain, bucket, source, currency, n, amount) SELECT {grain}, {bucket},"
                    " '{source}', {r}.currency, {sign}1, {sign}{r}.amount WHERE {counts}"
                ).format(
                    tally=TALLY,
                    grain=grain,
                    bucket=_bucket("sqlite", row + "." + flow.moment, grain),
                    source=flow.source,
                    r=row,
                    sign=sign,
                    counts=counts(row),
                )
                + upsert.format(key="grain, bucket, source, currency")
                for grain in GRAINS
            )

        name = "support_programme_tally_%s" % flow.source
        changed = " OR ".join(
            "OLD.%s IS NOT NEW.%s" % (c, c) for c in (*flow.columns, flow.moment, "amount", "currency")
        )
        statements += [
            "CREATE TRIGGER %s_insert AFTER INSERT ON %s BEGIN %s END" % (name, flow.table, add("NEW", "")),
            "CREATE TRIGGER %s_delete AFTER DELETE ON %s BEGIN %s END" % (name, flow.table, add("OLD", "-")),
            "CREATE TRIGGER %s_update AFTER UPDATE ON %s WHEN %s BEGIN %s %s END"
            % (name, flow.table, changed, add("OLD", "-"), add("NEW", "")),
        ]
    add = (
        "INSERT INTO {tally} (status, currency, n, amount) SELECT {r}.status, {r}.currency, {sign}1,"
        " {sign}{r}.price_amount WHERE 1" + upsert.format(key="status, currency")
    )
    name = "support_programme_subscriptions"
    changed = (
        "OLD.status IS NOT NEW.status OR OLD.currency IS NOT NEW.currency OR OLD.price_amount IS NOT NEW.price_amount"
    )
    statements += [
        "CREATE TRIGGER %s_insert AFTER INSERT ON %s BEGIN %s END"
        % (name, SUBSCRIPTION_TABLE, add.format(tally=SUBSCRIPTIONS, r="NEW", sign="")),
        "CREATE TRIGGER %s_delete AFTER DELETE ON %s BEGIN %s END"
        % (name, SUBSCRIPTION_TABLE, add.format(tally=SUBSCRIPTIONS, r="OLD", sign="-")),
        "CREATE TRIGGER %s_update AFTER UPDATE ON %s WHEN %s BEGIN %s %s END"
        % (
            name,
            SUBSCRIPTION_TABLE,
            changed,
            add.format(tally=SUBSCRIPTIONS, r="OLD", sign="-"),
            add.format(tally=SUBSCRIPTIONS, r="NEW", sign=""),
        ),
    ]
    return statements


def _rebuild_statements(vendor: str) -> list[str]:
    statements = ["DELETE FROM %s" % TALLY, "DELETE FROM %s" % SUBSCRIPTIONS]
    for flow in FLOWS:
        for grain in GRAINS:
            statements.append(
                f"INSERT INTO {TALLY} (grain, bucket, source, currency, n, amount) SELECT {grain}, {_bucket(vendor, flow.moment, grain)},"
                f" '{flow.source}', currency, COUNT(*), SUM(amount) FROM {flow.table}"
                f" WHERE ({flow.condition.format(r=flow.table)}) AND {flow.moment} IS NOT NULL GROUP BY 2, 4"
            )
    statements.append(
        "INSERT INTO %s (status, currency, n, amount) SELECT status, currency, COUNT(*), SUM(price_amount)"
        " FROM %s GROUP BY 1, 2" % (SUBSCRIPTIONS, SUBSCRIPTION_TABLE)
    )
    return statements


def _check(vendor: str) -> None:
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError("the programme's tallies have triggers for PostgreSQL and SQLite only")


def install(schema_editor) -> None:
    """Create the tables and their triggers, then count the ledger already there (a migration's step)."""
    vendor = schema_editor.connection.vendor
    _check(vendor)
    triggers = _postgresql_triggers() if vendor == "postgresql" else _sqlite_triggers()
    for statement in _tables() + triggers:
        schema_editor.execute(statement, params=None)
    rebuild(schema_editor.connection)


def uninstall(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    _check(vendor)
    names = ["support_programme_tally_%s" % flow.source for flow in FLOWS] + ["support_programme_subscriptions"]
    tables = [flow.table for flow in FLOWS] + [SUBSCRIPTION_TABLE]
    for name, table in zip(names, tables, strict=True):
        if vendor == "postgresql":
            for suffix in ("", "_update", "_truncate"):
                schema_editor.execute("DROP TRIGGER IF EXISTS %s%s ON %s" % (name, suffix, table), params=None)
            for suffix in ("", "_truncate"):
                schema_editor.execute("DROP FUNCTION IF EXISTS %s%s()" % (name, suffix), params=None)
        else:
            for suffix in ("_insert", "_update", "_delete"):
                schema_editor.execute("DROP TRIGGER IF EXISTS %s%s" % (name, suffix), params=None)
    for table in (TALLY, SUBSCRIPTIONS):
        schema_editor.execute("DROP TABLE IF EXISTS %s" % table, params=None)


def rebuild(connection) -> None:
    """Recount both tallies from the ledger, in one transaction (after a bulk load without triggers)."""
    _check(connection.vendor)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Writers wait rather than add to a tally being recounted.
            cursor.execute(
                "LOCK TABLE %s IN SHARE MODE" % ", ".join([flow.table for flow in FLOWS] + [SUBSCRIPTION_TABLE])
            )
        for statement in _rebuild_statements(connection.vendor):
            cursor.execute(statement)


def months_sql(bounds: list[int]) -> str:
    """One query: per source, currency and month ``i`` (``bounds[i]`` to ``bounds[i + 1]``, epoch seconds
    on quarter-hours), the rows counted and their amounts summed; months with no rows are left out.

    A month is its whole UTC days (day rows) plus, on each day a boundary splits, that day's
    quarter-hours on the month's side. The figures are integers we computed, so they are written
    into the SQL as such.
    """
    if any(bound % QUARTER_HOUR for bound in bounds):
        raise ValueError("a month boundary off a quarter-hour cannot be summed from the tally")
    per_day = DAY // QUARTER_HOUR
    last = len(bounds) - 2

    def month_of(limits):
        return "CASE %s ELSE %d END" % (
            " ".join("WHEN bucket < %d THEN %d" % (x, i) for i, x in enumerate(limits)),
            last,
        )

    first_whole_days = [-(-bound // DAY) for bound in bounds]
    split_days = sorted({bound // DAY for bound in bounds if bound % DAY})
    parts = [
        "SELECT source, currency, %s AS month, n, amount FROM %s WHERE grain = %d AND bucket >= %d AND bucket < %d%s"
        % (
            month_of(first_whole_days[1:-1]),
            TALLY,
            DAY,
            first_whole_days[0],
            bounds[-1] // DAY,
            " AND bucket NOT IN (%s)" % ", ".join("%d" % d for d in split_days) if split_days else "",
        )
    ]
    if split_days:
        parts.append(
            "SELECT source, currency, %s AS month, n, amount FROM %s WHERE grain = %d AND bucket >= %d AND bucket < %d"
            " AND (%s)"
            % (
                month_of([bound // QUARTER_HOUR for bound in bounds[1:-1]]),
                TALLY,
                QUARTER_HOUR,
                bounds[0] // QUARTER_HOUR,
                bounds[-1] // QUARTER_HOUR,
                " OR ".join(
                    "(bucket >= %d AND bucket < %d)" % (day * per_day, (day + 1) * per_day) for day in split_days
                ),
            )
        )
    return (
        "SELECT source, currency, month, SUM(n), SUM(amount) FROM (%s) AS months"
        " GROUP BY source, currency, month HAVING SUM(n) <> 0" % " UNION ALL ".join(parts)
    )
