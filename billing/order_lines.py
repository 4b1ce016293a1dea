"""The one registration through which billing learns what the order line of a payment says.

Billing keys a payment by the reference of the document it paid (an order number) and never imports
the owner of that document: offers sits above billing. Billing's pages still say what was paid for:
Billing history shows the offer's name in the reader's language, a receipt the offer and the term,
the reconciliation file the order's kind and the offer's code. So the owner registers, once, from its
``AppConfig.ready()``::

    billing.order_lines.register(OrderLineSQL(joins=..., columns={...}))

The registration is SQL rather than a function so that every page keeps its query count: billing's
reads are hand-written SQL, and billing puts the owner's joins into its own query (one query brings
a page of payments with their lines, as it did when offers drew these pages). The contract:

- ``joins``: ``LEFT JOIN`` clauses that reach a payment's line from its reference, with
  ``{reference}`` where the payment's reference column goes (billing passes ``p.reference``). A
  reference that names no line must leave the payment's row alone: left joins only, and every table
  alias starting with ``line_`` so that none meets one of billing's.
- ``columns``: for each name in ``FACTS``, an SQL expression over those joins, NULL when there is no
  line: ``kind`` (the order's kind, a code), ``offer_code``, ``offer_name_en`` and ``offer_name_ru``
  (the offer's name in English and in Russian, the Russian one empty when untranslated),
  ``term_start`` and ``term_end`` (dates; NULL for an order without a term).

Without a registration every fact is NULL: billing shows its payments with no offer.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

FACTS = ("kind", "offer_code", "offer_name_en", "offer_name_ru", "term_start", "term_end")
# Facts that are dates: SQLite answers them as ISO text.
DATE_FACTS = ("term_start", "term_end")
# What billing's queries call each fact (line_kind, line_offer_code, …).
PREFIX = "line_"


@dataclass(frozen=True)
class OrderLineSQL:
    """How billing's own queries read a payment's order line: joins from its reference, and a column per fact."""

    joins: str
    columns: Mapping[str, str]

    def __post_init__(self):
        if set(self.columns) != set(FACTS):
            raise ValueError("An order line gives exactly these facts: %s" % ", ".join(FACTS))


_NOTHING = OrderLineSQL(joins="", columns={fact: "NULL" for fact in FACTS})
_registered = _NOTHING


def register(lines: OrderLineSQL) -> None:
    """Make ``lines`` the SQL of every payment's order line; one owner, registered once at start-up."""
    global _registered
    _registered = lines


def sql(reference, facts=FACTS):
    """(select list, joins) for a query whose payments' reference column is ``reference``.

    The select list names each fact ``line_<fact>``; put it after the query's own columns and the
    joins after its own FROM and joins. ``facts``: the ones the query needs (a page that shows the
    offer's name reads neither the kind nor the term), each of ``FACTS``.
    """
    lines = _registered
    select = ", ".join("%s AS %s%s" % (lines.columns[fact], PREFIX, fact) for fact in facts)
    return select, lines.joins.format(reference=reference)


def line(row, facts=FACTS):
    """The facts of one row read with ``sql`` ({fact: value}, dates as dates), or None when it has no line."""
    found = {fact: row[PREFIX + fact] for fact in facts}
    if all(value is None for value in found.values()):
        return None
    for fact in DATE_FACTS:
        if isinstance(found.get(fact), str):
            found[fact] = datetime.date.fromisoformat(found[fact])
    return found
