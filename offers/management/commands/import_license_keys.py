"""Add license keys to the pool of a license benefit, one key a line; keys already in the pool are skipped."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from offers.models import BenefitKind, LicenseKey, OfferBenefit


class Command(BaseCommand):
    help = "Add license keys (one a line, from a file or '-' for stdin) to the pool of an offer's license benefit."

    def add_arguments(self, parser):
        parser.add_argument("benefit_code", help="the benefit's code, e.g. windows-10-enterprise")
        parser.add_argument("path", help="a text file with one key a line, or - for standard input")
        parser.add_argument("--offer", default="action-pack", help="the offer's code (default: action-pack)")

    @transaction.atomic
    def handle(self, *args, benefit_code, path, offer, **options):
        try:
            benefit = OfferBenefit.objects.get(offer__code=offer, code=benefit_code, kind=BenefitKind.LICENSE)
        except OfferBenefit.DoesNotExist:
            raise CommandError(f"No license benefit {benefit_code!r} in offer {offer!r}.")
        stream = sys.stdin if path == "-" else open(path, encoding="utf-8")
        with stream:
            keys = [line.strip() for line in stream if line.strip() and not line.lstrip().startswith("#")]
        existing = set(LicenseKey.objects.filter(key__in=keys).values_list("key", flat=True))
        new = [LicenseKey(benefit=benefit, key=key) for key in dict.fromkeys(keys) if key not in existing]
        LicenseKey.objects.bulk_create(new)
        free = LicenseKey.objects.filter(benefit=benefit, issued_to_subscription__isnull=True).count()
        self.stdout.write(
            f"Added {len(new)} key(s), skipped {len(keys) - len(new)}; {free} free in the pool of {benefit.name}."
        )
