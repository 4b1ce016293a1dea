"""The organisation's billing profile: who the invoices are made out to."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from membership.models import Organization

from ..validators import postal_code_required, validate_postal_code, validate_purchase_order, validate_tax_id


class BillingProfile(models.Model):
    """Legal name, address and tax ID; an invoice copies them as they are on the day it is issued."""

    organization = models.OneToOneField(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="billing_profile"
    )
    legal_name = models.CharField(_("legal name"), max_length=200)
    street = models.CharField(_("street address"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    # Required where the country's format is known (billing.validators); some countries have none.
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    # ISO 3166-1 alpha-2, from django-countries' list (translated names for the form).
    country = CountryField(_("country"))
    tax_id = models.CharField(
        _("tax ID"), max_length=32, blank=True, help_text=_("For example a VAT number (DE123456789) or an INN.")
    )
    # R19: the currency of every charge and document. Chosen at the first purchase and fixed after it
    # (billing.services.profile); only staff change it then, and only while no subscription is live.
    currency = models.CharField(
        _("billing currency"),
        max_length=3,
        default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$")],
        help_text=_("Your invoices and charges are in this currency. It is fixed at your first purchase."),
    )
    # Who receives the money e-mails besides the organisation's admins (invoices, credit notes,
    # receipts, renewal reminders), in its own language; not a user of the portal.
    billing_contact_email = models.EmailField(
        _("billing contact e-mail"),
        blank=True,
        help_text=_("Receives invoices, credit notes, receipts and the reminders about payments."),
    )
    billing_contact_language = models.CharField(
        _("language of the billing contact"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    purchase_order = models.CharField(
        _("purchase-order number"),
        max_length=35,
        blank=True,
        help_text=_("Printed on the invoices issued from now on."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    page_cache_owner = "organization_id"

    class Meta:
        verbose_name = _("billing profile")
        verbose_name_plural = _("billing profiles")

    def __str__(self):
        return self.legal_name

    def clean(self):
        """Formats that depend on the country: postal code and tax ID, each error next to its field."""
        errors = {}
        country = str(self.country or "")
        if country and not self.postal_code and postal_code_required(country):
            errors["postal_code"] = ValidationError(_("Enter the postal code."), code="postal_code_required")
        elif country and self.postal_code:
            try:
                self.postal_code = validate_postal_code(self.postal_code, country)
            except ValidationError as exc:
                errors["postal_code"] = exc
        if country and self.tax_id:
            try:
                self.tax_id = validate_tax_id(self.tax_id, country)
            except ValidationError as exc:
                errors["tax_id"] = exc
        if self.purchase_order:
            try:
                self.purchase_order = validate_purchase_order(self.purchase_order)
            except ValidationError as exc:
                errors["purchase_order"] = exc
        if self.billing_contact_email:
            self.billing_contact_email = self.billing_contact_email.strip().lower()
        if errors:
            raise ValidationError(errors)
