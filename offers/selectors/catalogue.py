"""Reads for offers and subscriptions."""

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from billing.models import BillingProfile, PaymentMethod
from membership.activity_verbs import activity_text
from membership.models import ActivityEntry, Organization, Role, User, person_name
from membership.selectors import object_activity, organization_users_with_roles
from partnerportal.i18n import localizer
from partnerportal.paging import paged
from partnerportal.sql import dict_rows, read, select_list

from ..benefit_text import benefit_phrase
from ..models import LIVE_STATUSES, Offer, OfferBenefit, OfferPrice, OfferTerms, Subscription
from ..rules import renewal_decision

ACTION_PACK_CODE = "action-pack"


def live_action_pack_subscription(*, organization):
    """The organisation's live Action Pack subscription, or None."""
    return (
        Subscription.objects.filter(organization=organization, offer__code=ACTION_PACK_CODE, status__in=LIVE_STATUSES)
        .select_related("offer")
        .first()
    )


# --- Subscription lifecycle: details page and e-mail recipients ------------------------------


def subscription_for_organization(*, organization, pk):
    """One subscription of the organisation (404 material when it is another's), for its details page.

    With its offer, organisation and card, as select_related would give them, read in SQL
    (partnerportal.sql: the ORM's compiler cost several times the query); DoesNotExist when absent.
    """
    related = [("offer", Offer, "o"), ("organization", Organization, "g"), ("payment_method", PaymentMethod, "c")]
    sql = (
        "SELECT %s FROM %s s INNER JOIN %s o ON o.id = s.offer_id "
        "INNER JOIN %s g ON g.id = s.organization_id LEFT JOIN %s c ON c.id = s.payment_method_id "
        "WHERE s.organization_id = %%s AND s.id = %%s"
        % (
            select_list(Subscription, "s", related),
            Subscription._meta.db_table,
            Offer._meta.db_table,
            Organization._meta.db_table,
            PaymentMethod._meta.db_table,
        )
    )
    subscription = next(iter(read(sql, [organization.pk, pk], Subscription, related)), None)
    if subscription is None:
        raise Subscription.DoesNotExist("No subscription %s in organisation %s." % (pk, organization.pk))
    return subscription


# Subscription details show this many timeline entries a page.
TIMELINE_PER_PAGE = 25


def subscription_timeline(*, subscription):
    """R13: the subscription's timeline, newest first, with who did each thing: the activity entries about it."""
    return object_activity(obj=subscription)


class TimelineRow(NamedTuple):
    """A timeline entry as subscription details show it: read-only, with who did it by name (a tuple:
    a frozen dataclass cost three times as much to make, 25 times a page)."""

    created_at: datetime.datetime
    verb: str
    data: dict
    actor_name: str | None

    @property
    def detail(self) -> str:
        """The entry's facts as a phrase in the active language (ActivityEntry.detail)."""
        return activity_text(self.verb, self.data)


def subscription_timeline_page(*, subscription, page_number, per_page=TIMELINE_PER_PAGE):
    """One page of the timeline, newest first, with who did each thing: one SQL query, plain rows.

    The timeline is the activity entries about the subscription, keyed as activity_record keys them
    (the model's label, the primary key as text); the (object_type, object_id, -created_at, -id)
    index serves the lookup, the order and the count. Read-only rows rather than models with their
    actors: building 25 entries and 25 users cost a quarter of the page.
    """
    entries, users = ActivityEntry._meta.db_table, User._meta.db_table
    sql = (
        "SELECT t.created_at, t.verb, t.data, a.first_name, a.last_name, a.email, "
        "(SELECT COUNT(*) FROM %s WHERE object_type = %%s AND object_id = %%s) AS paging_total "
        "FROM %s t LEFT JOIN %s a ON a.id = t.actor_id "
        "WHERE t.object_type = %%s AND t.object_id = %%s "
        "ORDER BY t.created_at DESC, t.id DESC LIMIT %%s OFFSET %%s" % (entries, entries, users)
    )
    converted = [ActivityEntry._meta.get_field("created_at"), ActivityEntry._meta.get_field("data")]
    key = [Subscription._meta.label_lower, str(subscription.pk)]

    def fetch(offset, limit):
        return dict_rows(sql, [*key, *key, limit, offset], converted)

    page = paged(fetch, page_number, per_page)
    page.object_list = [
        TimelineRow(
            created_at=row["created_at"],
            verb=row["verb"],
            data=row["data"],
            actor_name=None if row["email"] is None else person_name(row["first_name"], row["last_name"], row["email"]),
        )
        for row in page.object_list
    ]
    return page


def lifecycle_email_recipients(*, organization):
    """The organisation's Global and Billing admins, who receive renewal and expiry e-mails."""
    return organization_users_with_roles(organization_id=organization.pk, roles=[Role.GLOBAL_ADMIN, Role.BILLING_ADMIN])


def current_terms(*, offer):
    """The latest published terms version of an offer, or None."""
    return OfferTerms.objects.filter(offer=offer).order_by("-version").first()


@dataclass
class CatalogueBenefit:
    localized_name: str
    quantity: int
    localized_unit: str
    kind: str = ""

    @property
    def text(self):
        """The benefit as the seed says it ("US$100 of Microsoft Azure credits every month")."""
        return benefit_phrase(
            kind=self.kind, name=self.localized_name, quantity=self.quantity, unit=self.localized_unit
        )


@dataclass
class CatalogueOffer:
    """An active offer as Partnership > Offers shows it, in the active language."""

    pk: int
    code: str
    localized_name: str
    localized_description: str
    price_amount: int | None  # None: not sold in the organisation's currency
    currency: str
    term_months: int
    benefits: list = field(default_factory=list)
    live_subscription: Subscription | None = None
    renewal_open: bool = False
    renewal_opens_on: object = None


def catalogue(*, organization_id=None, today: datetime.date | None = None):
    """Active offers with their benefits in one query.

    The offers page is the portal's busiest read; measured on the SQLite bench server
    (bench/sqlite_server.py), building these two querysets (SQL compilation and model instances)
    cost more than the rest of the view, so this selector reads plain rows in a single LEFT JOIN
    instead.

    With ``organization_id`` and ``today``, each offer's price is the one of that day in the
    organisation's billing currency (R19, as ``selectors.prices.price_of`` reads it), found by the
    same query; ``price_amount`` is None when the offer is not sold in that currency.
    """
    localized = localizer()
    profile_currency = (
        f"COALESCE((SELECT bp.currency FROM {BillingProfile._meta.db_table} bp WHERE bp.organization_id = %s),"
        " o.currency)"
    )
    if organization_id is not None and today is not None:
        price_columns = (
            f"{profile_currency} AS sell_currency,"
            f" (SELECT pr.amount FROM {OfferPrice._meta.db_table} pr WHERE pr.offer_id = o.id"
            f" AND pr.effective_from <= %s AND pr.currency = {profile_currency}"
            " ORDER BY pr.effective_from DESC LIMIT 1) AS sell_amount,"
        )
        params = [organization_id, today, organization_id, True]
    else:
        price_columns = "o.currency AS sell_currency, NULL AS sell_amount,"
        params = [True]
    rows = dict_rows(
        "SELECT o.id, o.code, o.name, o.name_ru, o.description, o.description_ru, o.price_amount, o.currency,"
        f" {price_columns}"
        " o.term_months, b.id AS benefit_id, b.name AS benefit_name, b.name_ru AS benefit_name_ru, b.quantity,"
        " b.unit, b.unit_ru, b.kind"
        f" FROM {Offer._meta.db_table} o LEFT JOIN {OfferBenefit._meta.db_table} b ON b.offer_id = o.id"
        " WHERE o.is_active = %s"
        " ORDER BY o.position, o.name, o.id, b.position, b.id",
        params,
    )
    offers = {}
    for row in rows:
        offer = offers.get(row["id"])
        if offer is None:
            offer = offers[row["id"]] = CatalogueOffer(
                pk=row["id"],
                code=row["code"],
                localized_name=localized(row["name"], row["name_ru"]),
                localized_description=localized(row["description"], row["description_ru"]),
                price_amount=_sell_amount(row),
                currency=row["sell_currency"],
                term_months=row["term_months"],
            )
        if row["benefit_id"] is not None:
            offer.benefits.append(
                CatalogueBenefit(
                    localized(row["benefit_name"], row["benefit_name_ru"]),
                    row["quantity"],
                    localized(row["unit"], row["unit_ru"]),
                    row["kind"],
                )
            )
    return list(offers.values())


def _sell_amount(row):
    """The price row of the day, else the opening price in the offer's own currency (price_of's rule)."""
    if row["sell_amount"] is not None:
        return row["sell_amount"]
    return row["price_amount"] if row["sell_currency"] == row["currency"] else None


def offers_page(*, organization, today):
    """Available offers with their benefits, and purchased offers: two queries whatever the data size.

    Each offer gets ``live_subscription`` (R3) and ``renewal_open`` (R8) computed from the one
    subscription query, so the page costs the same with 1 or 200 orders and subscriptions.
    """
    offers = catalogue(organization_id=organization.pk, today=today)
    names = {offer.pk: offer.localized_name for offer in offers}
    # The organisation's subscriptions, newest first, without a join, in SQL: the ORM's compiler cost
    # more than the query itself on this page (measured on bench/sqlite_server.py).
    subscriptions = read(
        "SELECT %s FROM %s s WHERE s.organization_id = %%s ORDER BY s.created_at DESC, s.id DESC"
        % (select_list(Subscription, "s"), Subscription._meta.db_table),
        [organization.pk],
        Subscription,
    )
    missing = {s.offer_id for s in subscriptions} - names.keys()
    if missing:  # subscriptions to offers no longer sold: one more query, whatever their number
        names.update((o.pk, o.localized("name")) for o in Offer.objects.filter(pk__in=missing))
    live = {}
    for subscription in subscriptions:
        subscription.offer_name = names.get(subscription.offer_id, "")
        if subscription.is_live:
            live.setdefault(subscription.offer_id, subscription)
    for offer in offers:
        offer.live_subscription = live.get(offer.pk)
        if offer.live_subscription is not None:
            decision = renewal_decision(offer.live_subscription, today)
            offer.renewal_open = decision.allowed
            offer.renewal_opens_on = decision.opens
    return offers, subscriptions
