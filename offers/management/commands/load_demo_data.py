"""Load demo organisations, users and the offer catalogue; running it twice changes nothing."""

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from membership.models import Organization, Role, User
from membership.services import organization_enrol, user_roles_set
from offers.demo_catalogue import load_demo_catalogue
from offers.demo_subscriptions import demo_billing_profile, load_demo_subscriptions
from offers.models import BenefitKind, LicenseKey

DEMO_PASSWORD = "demo-pass-2026"

DEMO_USERS = [
    # (organisation, e-mail, first name, last name, roles)
    ("Contoso Partners", "global@contoso.example", "Grace", "Global", [Role.GLOBAL_ADMIN]),
    ("Contoso Partners", "billing@contoso.example", "Bill", "Billing", [Role.BILLING_ADMIN]),
    ("Contoso Partners", "account@contoso.example", "Ann", "Account", [Role.ACCOUNT_ADMIN]),
    ("Contoso Partners", "mpn@contoso.example", "Max", "Partner", [Role.MPN_PARTNER_ADMIN]),
    ("Fabrikam Solutions", "global@fabrikam.example", "Fiona", "Fabrikam", [Role.GLOBAL_ADMIN]),
]
STAFF_EMAIL = "staff@partner.example"
# One staff member of each group (made by support's migration 0007_staff_groups, R23): the agent
# answers and assigns requests; finance approves refunds, and is the second pair of eyes beside the
# superuser on a refund above the threshold.
STAFF_USERS = [
    # (e-mail, first name, last name, group, what the login list says)
    ("agent@partner.example", "Alex", "Agent", "Support agents", "support agent"),
    ("finance@partner.example", "Fay", "Finance", "Finance staff", "finance staff"),
]


class Command(BaseCommand):
    help = "Load demo organisations, users and the Action Pack offer (idempotent) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-subscriptions",
            action="store_true",
            help="Skip the demo subscriptions (they need localstripe running at STRIPE_API_BASE).",
        )

    def handle(self, *args, **options):
        offer = self._load_organisations_and_catalogue()
        subscription_lines = []
        if not options["no_subscriptions"]:
            # Outside one big transaction: each purchase commits its payment attempt before charging.
            subscription_lines = load_demo_subscriptions(offer=offer, password=DEMO_PASSWORD)

        self.stdout.write(
            self.style.SUCCESS("Demo data is loaded. Demo logins (password for all: %s):" % DEMO_PASSWORD)
        )
        for org_name, email, _first, _last, roles in DEMO_USERS:
            role_names = ", ".join(str(Role(role).label) for role in roles)
            self.stdout.write(f"  {email:<28} {role_names:<18} {org_name}")
        self.stdout.write(f"  {STAFF_EMAIL:<28} {'staff superuser':<18} /admin/")
        for email, _first, _last, _group, label in STAFF_USERS:
            self.stdout.write(f"  {email:<28} {label:<18} /admin/")
        if subscription_lines:
            self.stdout.write("Demo subscriptions (try `manage.py run_subscription_sweep --today <a year from now>`):")
            for line in subscription_lines:
                self.stdout.write(line)

    @transaction.atomic
    def _load_organisations_and_catalogue(self):
        organizations = {}
        for org_name, email, first, last, roles in DEMO_USERS:
            organization = organizations.get(org_name)
            if organization is None:
                organization, _ = Organization.objects.get_or_create(name=org_name)
                organizations[org_name] = organization
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email, password=DEMO_PASSWORD, first_name=first, last_name=last, organization=organization
                )
            user_roles_set(user=user, roles=roles)
            if Role.GLOBAL_ADMIN in roles:
                organization_enrol(organization=organization, user=user)
                # R19's cases: Contoso buys in EUR with Irish VAT (the others in load_demo_subscriptions).
                demo_billing_profile(organization=organization, actor=user)
        if not User.objects.filter(email=STAFF_EMAIL).exists():
            User.objects.create_superuser(
                email=STAFF_EMAIL, password=DEMO_PASSWORD, first_name="Sam", last_name="Staff"
            )
        for email, first, last, group_name, _label in STAFF_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email, password=DEMO_PASSWORD, first_name=first, last_name=last, is_staff=True
                )
            user.groups.add(Group.objects.get(name=group_name))
        offer = load_demo_catalogue()
        self._license_key_pool(offer)
        return offer

    def _license_key_pool(self, offer, per_benefit=30):
        """A demo pool of keys for each license benefit, so activation works out of the box."""
        for benefit in offer.benefits.filter(kind=BenefitKind.LICENSE):
            prefix = "".join(word[0] for word in benefit.code.split("-")).upper()
            for number in range(1, per_benefit + 1):
                LicenseKey.objects.get_or_create(
                    key=f"DEMO{prefix}-{benefit.pk:04d}-{number:05d}-XXXXX-{number * 7919 % 100000:05d}",
                    defaults={"benefit": benefit},
                )
