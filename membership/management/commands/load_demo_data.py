"""Load demo organisations, users and the offer catalogue; running it twice changes nothing."""

from django.core.management.base import BaseCommand
from django.db import transaction

from membership.models import Organization, Role, User
from membership.services import organization_enrol, user_roles_set
from offers.demo_catalogue import load_demo_catalogue

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


class Command(BaseCommand):
    help = "Load demo organisations, users and the Action Pack offer (idempotent) and print the logins."

    @transaction.atomic
    def handle(self, *args, **options):
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
        if not User.objects.filter(email=STAFF_EMAIL).exists():
            User.objects.create_superuser(email=STAFF_EMAIL, password=DEMO_PASSWORD, first_name="Sam", last_name="Staff")
        load_demo_catalogue()

        self.stdout.write(self.style.SUCCESS("Demo data is loaded. Demo logins (password for all: %s):" % DEMO_PASSWORD))
        for org_name, email, _first, _last, roles in DEMO_USERS:
            role_names = ", ".join(str(Role(role).label) for role in roles)
            self.stdout.write(f"  {email:<28} {role_names:<18} {org_name}")
        self.stdout.write(f"  {STAFF_EMAIL:<28} {'staff superuser':<18} /admin/")
