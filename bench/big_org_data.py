"""A big organisation for the benchmarks: what the cached pages show after two busy years.

In a process where Django is set up against the bench database (bench/pages_wrk.py runs it in
``manage.py shell`` with the SQLite bench server's environment)::

    from bench import big_org_data
    big_org_data.build(email_domain="big.example")

or on its own, with the environment of that database::

    DJANGO_SETTINGS_MODULE=bench.settings_bench DATABASE_URL=sqlite:///var/bench/x.sqlite3 \\
        python bench/big_org_data.py [--email-domain big.example]

One organisation (enrolled, with a billing profile) with 50 users: the Global admin
``global@<domain>``, the Billing admin ``billing@<domain>`` (both with the demo password,
PASSWORD) and 48 others with mixed roles; a card; a paid Action Pack subscription bought two years
ago and renewed twice; 200 paid orders, each with its payment and an invoice issued by
billing.services.invoice_issue (gap-free numbers, the buyer from the billing profile), and 20
refunds with credit notes from billing.services.credit_note_issue; 300 service requests (each with
its first status change); and two years of subscription timeline entries (4 a week) and activity
entries (5 a week). Rows are made through the ORM as bench/pages_wrk.py's give_subscription makes
them; where they are many, with bulk_create (which sends no post_save), so the organisation's
data version is replaced at the end (partnerportal.page_cache.organization_changed). Building
takes a few seconds on SQLite. Dates and choices come from a seeded random generator: two builds
are alike. The invoices and credit notes carry the day they were built as their issue date (the
billing functions number and date a document on the day it is issued).
"""

import datetime
import random
import re

PASSWORD = "demo-pass-2026"
USERS = 50
ORDERS = 200
REFUNDS = 20
REQUESTS = 300
DAYS = 730  # two years of history
TIMELINE_PER_WEEK = 4
ACTIVITY_PER_WEEK = 5


def build(email_domain="big.example"):
    """Create the big organisation; returns its id, the two admins' e-mail addresses and the row counts."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from billing.models import BillingProfile, Payment, PaymentMethod, PaymentStatus, Refund, RefundStatus
    from billing.services import InvoiceLine, credit_note_issue, invoice_issue
    from membership.dates import add_months
    from membership.models import ActivityEntry, Organization, Role, User, UserRole
    from membership.services import activity_entry_build, organization_enrol
    from offers.models import Offer, Order, OrderKind, OrderStatus, Subscription
    from offers.selectors import ACTION_PACK_CODE
    from partnerportal import page_cache
    from support.models import ProblemType, RequestStatus, ServiceRequest, Severity, StatusChange

    rng = random.Random(2026)
    tag = re.sub(r"[^A-Z0-9]", "", email_domain.split(".")[0].upper())[:8] or "BIG"
    now = timezone.now()
    today = timezone.localdate()
    begin = now - datetime.timedelta(days=DAYS)

    def moment(day_offset, *, spread_hours=10):
        """A time on the given day of the two years (0 = two years ago), in working hours."""
        at = begin + datetime.timedelta(days=day_offset, hours=8 + rng.random() * spread_hours)
        return min(at, now - datetime.timedelta(minutes=1))

    offer = Offer.objects.get(code=ACTION_PACK_CODE)
    with transaction.atomic():
        org = Organization.objects.create(name="Big Partners (%s)" % email_domain, created_at=begin)

        # Users: one password hash for all (hashing 50 times would take longer than the rest).
        password = make_password(PASSWORD)
        mixes = [
            (Role.ACCOUNT_ADMIN,),
            (Role.MPN_PARTNER_ADMIN,),
            (Role.BILLING_ADMIN,),
            (Role.ACCOUNT_ADMIN, Role.MPN_PARTNER_ADMIN),
            (Role.GLOBAL_ADMIN,),
            (Role.BILLING_ADMIN, Role.ACCOUNT_ADMIN),
        ]
        people = [("global", (Role.GLOBAL_ADMIN,)), ("billing", (Role.BILLING_ADMIN,))]
        people += [("user%02d" % i, mixes[i % len(mixes)]) for i in range(USERS - len(people))]
        users = User.objects.bulk_create(
            User(
                email="%s@%s" % (local, email_domain),
                password=password,
                organization=org,
                first_name=local.capitalize(),
                last_name="Big",
                date_joined=begin,
            )
            for local, _roles in people
        )
        UserRole.objects.bulk_create(
            UserRole(user=user, role=role, granted_at=begin)
            for user, (_local, roles) in zip(users, people, strict=True)
            for role in roles
        )
        admin = users[0]
        organization_enrol(organization=org, user=admin)
        BillingProfile.objects.create(
            organization=org,
            legal_name="Big Partners GmbH",
            street="1 Hauptstrasse",
            city="Berlin",
            postal_code="10115",
            country="DE",
            tax_id="DE136695976",
        )
        card = PaymentMethod.objects.create(
            organization=org,
            stripe_payment_method_id="pm_big_%s" % tag,
            brand="visa",
            last4="4242",
            exp_month=12,
            exp_year=today.year + 4,
            is_default=True,
            added_by=admin,
            created_at=begin,
        )

        # The Action Pack: bought two years ago, renewed a year ago and automatically this year.
        started = (begin + datetime.timedelta(days=1)).date()
        terms = [started, add_months(started, 12), add_months(started, 24)]
        subscription = Subscription.objects.create(
            organization=org,
            offer=offer,
            started_on=started,
            current_period_start=terms[-1],
            current_period_end=add_months(terms[-1], offer.term_months),
            price_amount=offer.price_amount,
            currency=offer.currency,
            payment_method=card,
        )

        # 200 paid orders over the two years; the first three are the subscription's terms.
        order_days = sorted(rng.randrange(0, DAYS) for _ in range(ORDERS - len(terms)))
        order_rows = []
        for i, start in enumerate(terms):
            kind = (OrderKind.PURCHASE, OrderKind.RENEWAL, OrderKind.AUTO_RENEWAL)[i]
            order_rows.append((kind, (start - begin.date()).days, subscription, start))
        for offset in order_days:
            order_rows.append((OrderKind.PURCHASE, offset, None, None))
        orders = []
        for i, (kind, offset, linked, term_start) in enumerate(sorted(order_rows, key=lambda row: row[1])):
            at = moment(offset)
            term_start = term_start or at.date()
            orders.append(
                Order(
                    number="%s-%05d" % (tag, i + 1),
                    organization=org,
                    offer=offer,
                    kind=kind,
                    status=OrderStatus.PAID,
                    subscription=linked,
                    created_by=rng.choice(users[:2]),
                    payment_method=card,
                    amount=offer.price_amount,
                    currency=offer.currency,
                    term_start=term_start,
                    term_end=add_months(term_start, offer.term_months),
                    created_at=at,
                    paid_at=at + datetime.timedelta(seconds=5),
                )
            )
        orders = Order.objects.bulk_create(orders)
        payments = Payment.objects.bulk_create(
            Payment(
                reference=order.number,
                organization=org,
                attempt=1,
                payment_method=card,
                stripe_payment_intent_id="pi_big_%s_%d" % (tag, i),
                idempotency_key="big-%s-%d" % (tag, i),
                amount=order.amount,
                currency=order.currency,
                status=PaymentStatus.SUCCEEDED,
                created_at=order.created_at,
                succeeded_at=order.paid_at,
            )
            for i, order in enumerate(orders)
        )
        for order, payment in zip(orders, payments, strict=True):
            line = InvoiceLine(
                item_code=offer.code,
                item_name_en=offer.name,
                item_name_ru=offer.name_ru,
                term_start=order.term_start,
                term_end=order.term_end,
            )
            invoice_issue(payment=payment, line=line)

        # 20 refunds (half full, half prorated), each with its credit note.
        refunded = rng.sample(payments[len(terms) :], REFUNDS)
        refunds = Refund.objects.bulk_create(
            Refund(
                payment=payment,
                organization=org,
                amount=payment.amount if i % 2 else payment.amount // 3,
                currency=payment.currency,
                status=RefundStatus.SUCCEEDED,
                stripe_refund_id="re_big_%s_%d" % (tag, i),
                idempotency_key="big-refund-%s-%d" % (tag, i),
                reason="Bought twice",
                created_by=admin,
                created_at=payment.created_at + datetime.timedelta(days=3),
                succeeded_at=payment.created_at + datetime.timedelta(days=3),
            )
            for i, payment in enumerate(refunded)
        )
        for refund in refunds:
            credit_note_issue(refund=refund)

        # 300 service requests, numbered from their ids as support.services.request_file numbers them.
        statuses = [RequestStatus.CLOSED] * 5 + [RequestStatus.RESOLVED] * 2 + list(RequestStatus.values)
        requests = []
        for i in range(REQUESTS):
            at = moment(rng.randrange(0, DAYS))
            about = subscription if i % 4 == 0 else None
            status = rng.choice(statuses)
            requests.append(
                ServiceRequest(
                    organization=org,
                    requester=rng.choice(users),
                    problem_type=ProblemType.ACTION_PACK if about else rng.choice(ProblemType.values),
                    title="Question %d about our account" % (i + 1),
                    description="Please look into this; details follow in the conversation.",
                    subscription=about,
                    severity=rng.choice(Severity.values),
                    status=status,
                    created_at=at,
                    resolved_at=at + datetime.timedelta(days=2) if status in ("resolved", "closed") else None,
                    closed_at=at + datetime.timedelta(days=5) if status == "closed" else None,
                )
            )
        requests = ServiceRequest.objects.bulk_create(requests)
        for request in requests:
            request.number = "SR-%06d" % request.pk
        ServiceRequest.objects.bulk_update(requests, ["number"])
        StatusChange.objects.bulk_create(
            StatusChange(
                request=r, from_status="", to_status=RequestStatus.OPEN, changed_by=r.requester, created_at=r.created_at
            )
            for r in requests
        )

        # Two years of the subscription's timeline and of the organisation's other activity, as the
        # services write them: one log, the timeline being its entries about the subscription.
        timeline, activity = [], []
        for day in range(0, DAYS, 7):
            for _ in range(TIMELINE_PER_WEEK):
                at = moment(day + rng.randrange(7))
                verb, data = _timeline_facts(rng, rng.choice(orders), rng.choice(requests))
                timeline.append(
                    activity_entry_build(
                        actor=rng.choice(users),
                        organization=org,
                        verb=verb,
                        obj=subscription,
                        data=data,
                        created_at=at,
                    )
                )
            for _ in range(ACTIVITY_PER_WEEK):
                at = moment(day + rng.randrange(7))
                verb, obj, data = _activity_facts(rng, rng.choice(requests), card, rng.choice(users))
                activity.append(
                    activity_entry_build(
                        actor=rng.choice(users), organization=org, verb=verb, obj=obj, data=data, created_at=at
                    )
                )
        ActivityEntry.objects.bulk_create(timeline + activity)
        # bulk_create and bulk_update send no post_save: the organisation's cached pages are old now.
        page_cache.organization_changed(org.pk)

    return {
        "organization_id": org.pk,
        "global": users[0].email,
        "billing": users[1].email,
        "subscription_id": subscription.pk,
        "users": len(users),
        "orders": len(orders),
        "refunds": len(refunds),
        "requests": len(requests),
        "timeline": len(timeline),
        "activity": len(activity),
    }


def _timeline_facts(rng, order, request):
    """A subscription fact's verb and data (R16), as offers' and support's services store them."""
    from offers.models import TimelineKind

    term = {
        "order": order.number,
        "amount": order.amount,
        "currency": order.currency,
        "start": order.term_start.isoformat(),
        "end": order.term_end.isoformat(),
    }
    choice = rng.randrange(7)
    if choice == 0:
        return TimelineKind.REMINDER_SENT.verb, {"reminder": rng.choice(["expiry_30", "expiry_7", "upcoming_renewal"])}
    if choice == 1:
        return TimelineKind.PAYMENT_FAILED.verb, {"order": order.number, "attempt": 1, "reason": "insufficient_funds"}
    if choice == 2:
        return TimelineKind.REQUEST_FILED.verb, {
            "request": request.number,
            "title": request.title,
            "cancellation": False,
        }
    if choice == 3:
        return "benefit.activated", {"name": "Azure credits", "name_ru": "Кредиты Azure"}
    if choice == 4:
        return TimelineKind.NOTE.verb, {"text": "Called the partner about the renewal."}
    if choice == 5:
        return TimelineKind.REFUNDED.verb, {
            "amount": order.amount // 3,
            "currency": order.currency,
            "refund": "prorated",
            "request": request.number,
            "order": order.number,
        }
    return TimelineKind.RENEWED.verb, term


def _activity_facts(rng, request, card, user):
    """An activity entry's verb, object and facts (R16) about anything but the subscription, as the services record them.

    The subscription's own facts are its timeline above: one log, each fact once.
    """
    choice = rng.randrange(3)
    if choice == 0:
        return "service_request.filed", request, {"request": request.number, "title": request.title}
    if choice == 1:
        return (
            "user.roles_changed",
            user,
            {"before": ["account_admin"], "after": ["account_admin", "mpn_partner_admin"]},
        )
    return "payment_method.made_default", card, {}


if __name__ == "__main__":
    import argparse
    import json
    import os
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
    import django

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--email-domain", default="big.example")
    arguments = parser.parse_args()
    django.setup()
    print(json.dumps(build(email_domain=arguments.email_domain)))
