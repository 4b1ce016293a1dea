"""A big organisation for benchmarks and profiles: what a busy partner accumulates in two years.

    from big_org import build_big_organization   # in a process where Django is set up
    build_big_organization(email_domain="big.example")

One enrolled organisation with 50 users (a Global admin global@<domain>, a Billing admin
billing@<domain>, the others with one role each; password demo-pass-2026), a card, a paid Action
Pack subscription, 200 paid orders with their succeeded payments and invoices, 20 of them refunded
with a credit note, 300 service requests, and two years of timeline and activity entries.

Rows are inserted in bulk (a real two-year history through the services would take minutes and need
localstripe); the row shapes are the ones the services write. Bulk inserts send no model signals, so
the organisation's data version is replaced at the end (page_cache.organization_changed), as the
page cache's contract asks of writes that bypass them. Not a test and not demo data: the benchmark
helpers call it on a database of their own.
"""

import datetime

DEMO_PASSWORD = "demo-pass-2026"
USERS = 50
ORDERS = 200
REFUNDS = 20
SERVICE_REQUESTS = 300
HISTORY_DAYS = 730


def build_big_organization(email_domain="big.example"):
    """Create the big organisation; returns it. Call it once per database (e-mails and numbers are unique)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from billing.models import (
        BillingProfile,
        CreditNote,
        Invoice,
        Payment,
        PaymentMethod,
        PaymentStatus,
        Refund,
        RefundStatus,
    )
    from membership.models import ActivityEntry, Organization, Role, User, UserRole
    from membership.services.organizations import NETWORK_AGREEMENT_VERSION
    from offers.demo_catalogue import load_demo_catalogue
    from offers.models import Offer, Order, OrderKind, OrderStatus, Subscription, TimelineEntry
    from offers.selectors import ACTION_PACK_CODE
    from offers.terms import add_months
    from offers.timeline import TimelineKind
    from partnerportal import page_cache
    from support.models import ProblemType, RequestStatus, ServiceRequest, Severity

    now = timezone.now()
    today = timezone.localdate()
    tag = email_domain.split(".")[0].upper()[:6]
    offer = Offer.objects.filter(code=ACTION_PACK_CODE).first() or load_demo_catalogue()
    password = make_password(DEMO_PASSWORD)  # hashed once: fifty hashes would dominate the build

    with transaction.atomic():
        org = Organization.objects.create(name="Big Partner (%s)" % email_domain)
        other_roles = [Role.ACCOUNT_ADMIN, Role.MPN_PARTNER_ADMIN, Role.BILLING_ADMIN]
        users = []
        for index in range(USERS):
            if index == 0:
                email, role = "global@%s" % email_domain, Role.GLOBAL_ADMIN
            elif index == 1:
                email, role = "billing@%s" % email_domain, Role.BILLING_ADMIN
            else:
                email, role = "user%02d@%s" % (index, email_domain), other_roles[index % len(other_roles)]
            user = User(
                email=email,
                password=password,
                organization=org,
                first_name="User",
                last_name="%02d" % index,
                language="en",
            )
            users.append((user, role))
        User.objects.bulk_create([user for user, _role in users])
        created = {user.email: user for user in User.objects.filter(organization=org)}
        UserRole.objects.bulk_create([UserRole(user=created[user.email], role=role) for user, role in users])
        admin = created["global@%s" % email_domain]
        members = list(created.values())
        org.network_agreement_version = NETWORK_AGREEMENT_VERSION
        org.network_agreement_accepted_at = now - datetime.timedelta(days=HISTORY_DAYS)
        org.network_agreement_accepted_by = admin
        org.save()
        BillingProfile.objects.create(
            organization=org,
            legal_name="%s Ltd." % org.name,
            street="1 Main Street",
            city="Berlin",
            postal_code="10115",
            country="DE",
            tax_id="DE136695976",
        )
        card = PaymentMethod.objects.create(
            organization=org,
            stripe_payment_method_id="pm_big_%s_%d" % (tag, org.pk),
            brand="visa",
            last4="4242",
            exp_month=12,
            exp_year=2030,
            is_default=True,
            added_by=admin,
        )
        start = today - datetime.timedelta(days=30)
        subscription = Subscription.objects.create(
            organization=org,
            offer=offer,
            started_on=today - datetime.timedelta(days=HISTORY_DAYS),
            current_period_start=start,
            current_period_end=add_months(start, offer.term_months),
            price_amount=offer.price_amount,
            currency=offer.currency,
            payment_method=card,
        )

        # 200 paid orders, oldest first, spread over two years; each with its payment and invoice.
        orders, payments = [], []
        for index in range(ORDERS):
            when = now - datetime.timedelta(days=HISTORY_DAYS * (ORDERS - index) / ORDERS)
            number = "ORD-%s%d-%04d" % (tag, org.pk, index)
            orders.append(
                Order(
                    number=number,
                    organization=org,
                    offer=offer,
                    kind=OrderKind.PURCHASE if index == 0 else OrderKind.RENEWAL,
                    status=OrderStatus.PAID,
                    subscription=subscription,
                    created_by=admin,
                    payment_method=card,
                    amount=offer.price_amount,
                    currency=offer.currency,
                    created_at=when,
                    paid_at=when,
                )
            )
            payments.append(
                Payment(
                    reference=number,
                    organization=org,
                    attempt=1,
                    payment_method=card,
                    stripe_payment_intent_id="pi_big_%s%d_%04d" % (tag, org.pk, index),
                    idempotency_key="big-%s%d-%04d" % (tag, org.pk, index),
                    amount=offer.price_amount,
                    currency=offer.currency,
                    status=PaymentStatus.SUCCEEDED,
                    created_at=when,
                    succeeded_at=when,
                )
            )
        Order.objects.bulk_create(orders)
        Payment.objects.bulk_create(payments)
        payments = list(Payment.objects.filter(organization=org).order_by("created_at", "id"))
        parties = {
            "seller_name": "Contoso Seller Ltd.",
            "buyer_name": "%s Ltd." % org.name,
            "buyer_city": "Berlin",
            "buyer_country": "DE",
            "item_code": offer.code,
            "item_name_en": offer.name,
            "item_name_ru": offer.name_ru,
        }
        base = 500000 + org.pk * 1000  # sequences of their own: other organisations' documents keep theirs
        Invoice.objects.bulk_create(
            Invoice(
                organization=org,
                payment=payment,
                reference=payment.reference,
                number="INV-%d-%06d" % (payment.created_at.year, base + index),
                year=payment.created_at.year,
                sequence=base + index,
                issued_at=payment.created_at,
                issue_date=payment.created_at.date(),
                amount=payment.amount,
                currency=payment.currency,
                **parties,
            )
            for index, payment in enumerate(payments)
        )
        refunded = payments[:: ORDERS // REFUNDS][:REFUNDS]
        Refund.objects.bulk_create(
            Refund(
                payment=payment,
                organization=org,
                amount=payment.amount // 2,
                currency=payment.currency,
                status=RefundStatus.SUCCEEDED,
                stripe_refund_id="re_big_%s%d_%d" % (tag, org.pk, index),
                idempotency_key="big-refund-%s%d-%d" % (tag, org.pk, index),
                created_by=admin,
                created_at=payment.created_at + datetime.timedelta(days=3),
                succeeded_at=payment.created_at + datetime.timedelta(days=3),
            )
            for index, payment in enumerate(refunded)
        )
        invoices = {invoice.payment_id: invoice for invoice in Invoice.objects.filter(organization=org)}
        CreditNote.objects.bulk_create(
            CreditNote(
                organization=org,
                invoice=invoices[refund.payment_id],
                refund=refund,
                number="CN-%d-%06d" % (refund.created_at.year, base + index),
                year=refund.created_at.year,
                sequence=base + index,
                issued_at=refund.created_at,
                issue_date=refund.created_at.date(),
                amount=refund.amount,
                currency=refund.currency,
                **parties,
            )
            for index, refund in enumerate(Refund.objects.filter(organization=org).order_by("id"))
        )

        # 300 service requests over two years, in every status, filed by the organisation's users.
        statuses = list(RequestStatus.values)
        requests = [
            ServiceRequest(
                organization=org,
                requester=members[index % len(members)],
                problem_type=ProblemType.OTHER,
                title="Question %d about the portal" % index,
                description="Please look into it.",
                severity=Severity.MODERATE,
                status=statuses[index % len(statuses)],
                created_at=now - datetime.timedelta(days=HISTORY_DAYS * (SERVICE_REQUESTS - index) / SERVICE_REQUESTS),
            )
            for index in range(SERVICE_REQUESTS)
        ]
        ServiceRequest.objects.bulk_create(requests)
        for service_request in ServiceRequest.objects.filter(organization=org, number__isnull=True):
            # The number the service sets from the primary key right after the insert.
            ServiceRequest.objects.filter(pk=service_request.pk).update(number="SR-%06d" % service_request.pk)

        # Two years of history: a timeline entry and two activity entries about every 3 days.
        timeline, activity = [], []
        for index, order in enumerate(orders):
            when = order.created_at
            kind = TimelineKind.PURCHASED if index == 0 else TimelineKind.RENEWED
            data = {
                "order": order.number,
                "amount": order.amount,
                "currency": order.currency,
                "start": (when.date()).isoformat(),
                "end": add_months(when.date(), offer.term_months).isoformat(),
            }
            timeline.append(
                TimelineEntry(subscription=subscription, kind=kind, actor=admin, data=data, created_at=when)
            )
            timeline.append(
                TimelineEntry(
                    subscription=subscription,
                    kind=TimelineKind.REMINDER_SENT,
                    data={"reminder": "expiry_30"},
                    created_at=when + datetime.timedelta(hours=6),
                )
            )
            for verb, member in (("user.roles_changed", members[index % len(members)]), ("invitation.sent", None)):
                activity.append(
                    ActivityEntry(
                        organization=org,
                        actor=admin,
                        verb=verb,
                        object_type="membership.user" if member else "",
                        object_id=str(member.pk) if member else "",
                        object_repr=member.email if member else "",
                        data={} if member else {"email": "new%d@%s" % (index, email_domain)},
                        created_at=when + datetime.timedelta(hours=1),
                    )
                )
        TimelineEntry.objects.bulk_create(timeline)
        ActivityEntry.objects.bulk_create(activity)
    page_cache.organization_changed(org.pk)
    return org
