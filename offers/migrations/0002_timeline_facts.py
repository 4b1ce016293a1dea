"""R16: timeline entries keep facts (``data``) instead of an English ``detail`` sentence.

Old sentences are parsed into the facts of their kind where the pattern is known (and so are the
activity entries offers wrote, "subscription.<kind>" and "benefit.*", whose text membership's
migration kept in ``data["text"]``). A sentence that cannot be parsed stays in ``data["text"]`` and
is shown as written. The refund's payment id becomes the order number the partner knows. The Azure
credit benefit's unit becomes its currency, so that it reads "US$100 of Microsoft Azure credits
every month".
"""

import re

from django.db import migrations, models

DAY = r"\d{4}-\d{2}-\d{2}"
TERM = re.compile(
    rf"^Order (?P<order>\S+): (?P<amount>\d+) (?P<currency>[A-Z]{{3}}), term (?P<start>{DAY}) to (?P<end>{DAY})$"
)
RENEWAL_FAILED = re.compile(
    r"^(?:Order (?P<order>\S+): )?Automatic renewal charge failed \(attempt (?P<attempt>\d+)\): (?P<message>.*)$",
    re.S,
)
PAYMENT_FAILED = re.compile(r"^Order (?P<order>\S+) attempt (?P<attempt>\d+): (?P<reason>\S*)$")
REQUEST_FILED = re.compile(
    r"^Service request (?P<request>SR-\d+): (?P<title>.*?)(?P<cancellation> \(cancellation requested\))?$", re.S
)
CANCELLED = re.compile(r"^Cancelled through service request (?P<request>SR-\d+) \(refund: (?P<refund>none|prorated|full)\)$")
REFUNDED = re.compile(
    r"^Refund of (?P<amount>\d+) (?P<currency>[A-Z]{3}) \((?P<refund>none|prorated|full)\) on payment (?P<payment>\d+)"
    r" for (?P<request>SR-\d+)$"
)
LICENSE_ISSUED = re.compile(r"^(?P<name>.+): license key (?P<key>\S+) issued$", re.S)
SEAT_ASSIGNED = re.compile(r"^(?P<name>.+): seat (?P<seat>\d+) assigned to (?P<user>\S+)$", re.S)
ACTIVATED = re.compile(r"^(?P<name>.+) activated$", re.S)
BENEFIT_WITH = re.compile(r"^(?P<name>.+): (?P<value>\S+)$", re.S)
EXPIRY_REASONS = {
    "Term ended with automatic renewal off": "auto_renew_off",
    "Automatic renewal failed after the last retry": "retries_exhausted",
    "Automatic renewal turned off while past due": "turned_off_while_past_due",
}
RENEWAL_REASONS = {
    "No card on file for the automatic renewal": "no_card",
    "The card requires authentication, which an automatic renewal cannot provide": "authentication_required",
    "The card on file can no longer be charged. Add a new one.": "card_missing",
}
REMINDERS = {
    "Expires in 30 days": "expiry_30",
    "Expires in 7 days": "expiry_7",
    "Expires tomorrow": "expiry_1",
    "Upcoming automatic renewal": "upcoming_renewal",
    "Card expires before renewal": "card_expires",
    "Subscription expired": "expired",
}


def parse(kind, detail, *, payment_reference=lambda pk: None, benefit_names=lambda name: {}):
    """The facts of one old timeline entry, or {"text": detail} when its sentence is not known.

    ``payment_reference(pk)`` gives a payment's order number; ``benefit_names(name)`` the catalogue
    names ({"benefit", "name", "name_ru"}) of a benefit named so in English.
    """
    if not detail:
        return {}
    if kind in ("purchased", "renewed", "auto_renewed") and (match := TERM.match(detail)):
        return {**match.groupdict(), "amount": int(match["amount"])}
    if kind == "renewal_failed" and (match := RENEWAL_FAILED.match(detail)):
        facts = {"attempt": int(match["attempt"])}
        if match["order"]:
            facts["order"] = match["order"]
        message = match["message"]
        if message in RENEWAL_REASONS:
            facts["reason"] = RENEWAL_REASONS[message]
        else:
            facts["message"] = message
        return facts
    if kind == "expired" and detail in EXPIRY_REASONS:
        return {"reason": EXPIRY_REASONS[detail]}
    if kind == "reminder_sent" and detail in REMINDERS:
        return {"reminder": REMINDERS[detail]}
    if kind == "payment_failed" and (match := PAYMENT_FAILED.match(detail)):
        return {"order": match["order"], "attempt": int(match["attempt"]), "reason": match["reason"]}
    if kind == "request_filed" and (match := REQUEST_FILED.match(detail)):
        return {"request": match["request"], "title": match["title"], "cancellation": bool(match["cancellation"])}
    if kind == "cancelled" and (match := CANCELLED.match(detail)):
        return match.groupdict()
    if kind == "refunded" and (match := REFUNDED.match(detail)):
        facts = {
            "amount": int(match["amount"]),
            "currency": match["currency"],
            "refund": match["refund"],
            "request": match["request"],
        }
        order = payment_reference(int(match["payment"]))
        if order:
            facts["order"] = order  # never the payment's internal id
        return facts
    if kind == "benefit_activated":
        for pattern, action in ((LICENSE_ISSUED, "license_issued"), (SEAT_ASSIGNED, "seat_assigned"), (ACTIVATED, "activated")):
            if match := pattern.match(detail):
                facts = {**match.groupdict(), "action": action}
                if "seat" in facts:
                    facts["seat"] = int(facts["seat"])
                facts.update(benefit_names(facts["name"]))
                return facts
    return {"text": detail}


def parse_activity(verb, text, **lookups):
    """The facts of one old offers activity entry (its text kept by membership's migration)."""
    if not text:
        return {}
    if verb.startswith("subscription."):
        return parse(verb.removeprefix("subscription."), text, **lookups)
    benefit_names = lookups.get("benefit_names", lambda name: {})
    if verb == "benefit.activated":
        return {"name": text, **benefit_names(text)}
    if verb.startswith("benefit.") and (match := BENEFIT_WITH.match(text)):
        key = "key" if verb == "benefit.license_issued" else "user"
        return {"name": match["name"], key: match["value"], **benefit_names(match["name"])}
    return {"text": text}


def _lookups(apps):
    Payment = apps.get_model("billing", "Payment")
    OfferBenefit = apps.get_model("offers", "OfferBenefit")
    references = {}
    names = {}

    def payment_reference(pk):
        if pk not in references:
            references[pk] = Payment.objects.filter(pk=pk).values_list("reference", flat=True).first()
        return references[pk]

    def benefit_names(name):
        if name not in names:
            benefit = OfferBenefit.objects.filter(name=name).order_by("pk").first()
            names[name] = {"benefit": benefit.code, "name_ru": benefit.name_ru} if benefit else {}
        return names[name]

    return {"payment_reference": payment_reference, "benefit_names": benefit_names}


def forwards(apps, schema_editor):
    lookups = _lookups(apps)
    TimelineEntry = apps.get_model("offers", "TimelineEntry")
    for entry in TimelineEntry.objects.exclude(detail="").only("pk", "kind", "detail").iterator(chunk_size=500):
        TimelineEntry.objects.filter(pk=entry.pk).update(data=parse(entry.kind, entry.detail, **lookups))
    ActivityEntry = apps.get_model("membership", "ActivityEntry")
    entries = ActivityEntry.objects.filter(models.Q(verb__startswith="subscription.") | models.Q(verb__startswith="benefit."))
    for entry in entries.only("pk", "verb", "data").iterator(chunk_size=500):
        text = (entry.data or {}).get("text", "")
        if text:
            ActivityEntry.objects.filter(pk=entry.pk).update(data=parse_activity(entry.verb, text, **lookups))
    # The credit benefit's quantity is money: its unit names the currency.
    OfferBenefit = apps.get_model("offers", "OfferBenefit")
    OfferBenefit.objects.filter(kind="credit", unit="US$ cents a month").update(unit="USD", unit_ru="")
    OfferBenefit.objects.filter(kind="credit", name="Microsoft Azure credits every month").update(
        name="Microsoft Azure credits", name_ru="Кредиты Microsoft Azure"
    )


def backwards(apps, schema_editor):
    TimelineEntry = apps.get_model("offers", "TimelineEntry")
    for entry in TimelineEntry.objects.only("pk", "data").iterator(chunk_size=500):
        text = (entry.data or {}).get("text", "")
        if text:
            TimelineEntry.objects.filter(pk=entry.pk).update(detail=text[:500])


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0001_initial"),
        ("membership", "0002_activity_facts"),
        ("billing", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="timelineentry",
            name="data",
            field=models.JSONField(blank=True, default=dict, verbose_name="data"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
