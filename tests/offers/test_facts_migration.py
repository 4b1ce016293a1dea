"""The data migrations of R16 read the English sentences the old writers froze into rows.

Each sample is exactly what the old code wrote (the f-strings are quoted in the comments); what
cannot be read is kept as text, shown as written.
"""

import importlib

from django.utils import translation

from membership.activity_verbs import activity_text
from offers.timeline import TimelineKind

timeline_migration = importlib.import_module("offers.migrations.0002_timeline_facts")
membership_migration = importlib.import_module("membership.migrations.0002_activity_facts")
support_migration = importlib.import_module("support.migrations.0002_activity_facts")

LOOKUPS = {
    "payment_reference": {54: "261130-ABCD"}.get,
    "benefit_names": lambda name: {"benefit": "x", "name_ru": "Лицензии"} if name == "Licenses" else {},
}


def parse(kind, detail):
    return timeline_migration.parse(kind, detail, **LOOKUPS)


def test_old_timeline_sentences_become_facts():
    # f"Order {order.number}: {order.amount} {order.currency}, term {start} to {end}"
    assert parse("purchased", "Order 261130-ABCD: 47500 USD, term 2026-11-30 to 2027-11-30") == {
        "order": "261130-ABCD",
        "amount": 47500,
        "currency": "USD",
        "start": "2026-11-30",
        "end": "2027-11-30",
    }
    # f"Refund of {amount} {currency} ({kind}) on payment {payment_id} for {number}": the payment id goes.
    assert parse("refunded", "Refund of 47500 USD (full) on payment 54 for SR-000007") == {
        "amount": 47500,
        "currency": "USD",
        "refund": "full",
        "request": "SR-000007",
        "order": "261130-ABCD",
    }
    assert "order" not in parse("refunded", "Refund of 100 USD (prorated) on payment 99 for SR-000007")
    assert parse("cancelled", "Cancelled through service request SR-000007 (refund: none)") == {
        "request": "SR-000007",
        "refund": "none",
    }
    assert parse("request_filed", "Service request SR-000007: Cancel it (cancellation requested)") == {
        "request": "SR-000007",
        "title": "Cancel it",
        "cancellation": True,
    }
    assert parse("request_filed", "Service request SR-000008: Invoice")["cancellation"] is False
    assert parse(
        "renewal_failed",
        "Order 271130-X: Automatic renewal charge failed (attempt 2): No card on file for the automatic renewal",
    ) == {"order": "271130-X", "attempt": 2, "reason": "no_card"}
    assert parse("renewal_failed", "Automatic renewal charge failed (attempt 1): Odd") == {
        "attempt": 1,
        "message": "Odd",
    }
    assert parse("payment_failed", "Order 261130-ABCD attempt 3: card_declined") == {
        "order": "261130-ABCD",
        "attempt": 3,
        "reason": "card_declined",
    }
    assert parse("expired", "Automatic renewal failed after the last retry") == {"reason": "retries_exhausted"}
    assert parse("reminder_sent", "Expires in 7 days") == {"reminder": "expiry_7"}
    assert parse("benefit_activated", "Licenses: license key •••••-ABCDE issued") == {
        "name": "Licenses",
        "key": "•••••-ABCDE",
        "action": "license_issued",
        "benefit": "x",
        "name_ru": "Лицензии",
    }
    assert parse("benefit_activated", "Seats: seat 2 assigned to a@b.example")["seat"] == 2
    assert parse("note", "Called them") == {"text": "Called them"}
    assert parse("purchased", "Something else entirely") == {"text": "Something else entirely"}
    assert parse("auto_renew_off", "") == {}


def test_every_parsed_old_sentence_renders():
    for kind, detail in (
        ("purchased", "Order 261130-ABCD: 47500 USD, term 2026-11-30 to 2027-11-30"),
        ("refunded", "Refund of 47500 USD (full) on payment 54 for SR-000007"),
        ("renewal_failed", "Automatic renewal charge failed (attempt 1): Odd"),
    ):
        with translation.override("en"):
            text = activity_text(TimelineKind(kind).verb, parse(kind, detail))
        assert text and "47500" not in text and "payment 54" not in text


def test_old_activity_sentences_become_facts():
    parse_activity = membership_migration.parse
    assert parse_activity("user.roles_changed", "Account admin → Global admin, Billing admin") == {
        "before": ["account_admin"],
        "after": ["billing_admin", "global_admin"],
    }
    assert parse_activity("invitation.sent", "Roles: —") == {"roles": []}
    assert parse_activity("user.deactivated", "3 session(s) ended") == {"sessions": 3}
    assert parse_activity("organization.enrolled", "Network agreement 2026-01 accepted") == {"agreement": "2026-01"}
    assert parse_activity("competency.granted", "Expires on 2027-06-30") == {"expires_on": "2027-06-30"}
    assert parse_activity("user.roles_changed", "Owner → Guest") == {"text": "Owner → Guest"}
    assert support_migration.parse("service_request.status_changed", "open → in_progress") == {
        "from": "open",
        "to": "in_progress",
    }
    assert support_migration.parse("service_request.filed", "My title") == {"title": "My title"}
    offers_activity = timeline_migration.parse_activity
    assert offers_activity("subscription.expired", "Term ended with automatic renewal off", **LOOKUPS) == {
        "reason": "auto_renew_off"
    }
    assert offers_activity("benefit.license_issued", "Licenses: •••••-ABCDE", **LOOKUPS) == {
        "name": "Licenses",
        "key": "•••••-ABCDE",
        "benefit": "x",
        "name_ru": "Лицензии",
    }
